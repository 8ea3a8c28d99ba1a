"""The Markdown of a job's extractive preview, shown in the digest view while the model works."""

from __future__ import annotations

from desktop.core.digest import Digest
from desktop.core.render import citation_labels, cite_href, support_note

PREVIEW_NOTE = ("*Preview: sentences quoted from the document while the model reads it. Each is replaced by "
                "the model's summary of its passage as that arrives; the finished digest follows, every point "
                "checked against its source.*")


def preview_markdown(digest: Digest, replaced: tuple[int, ...]) -> list[str]:
    """Lines: the title, the preview note, and the key points with citation links; a point
    still quoted says so, one the model has rewritten does not; a point the check has seen ends
    with its mark, as in the finished digest (a rewritten one is checked with the digest)."""
    lines = [f"# {digest.title or 'Summarizing'}", "", PREVIEW_NOTE, "", "## Key points (preview)", ""]
    for i, point in enumerate(digest.points):
        cites = "; ".join(f"[{label}]({cite_href('points', i, s)})" for s, label in citation_labels(point.sources))
        mark = "" if i in replaced else " *(quoted)*"
        note = support_note(point)
        if note and point.support is not None and point.support.flagged:
            note = f"*{note}*"
        lines.append(f"- {point.text}{mark}" + (f" — {cites}" if cites else "") + (f" {note}" if note else ""))
    return lines + [""]

"""The Markdown of a job's extractive preview, shown in the digest view while the model works."""

from __future__ import annotations

from desktop.core.digest import Digest
from desktop.core.render import citation_labels, cite_href

PREVIEW_NOTE = ("*Preview: sentences quoted from the document while the model reads it. Each is replaced by "
                "the model's summary of its passage as that arrives; the finished digest follows.*")


def preview_markdown(digest: Digest, replaced: tuple[int, ...]) -> list[str]:
    """Lines: the title, the preview note, and the key points with citation links; a point
    still quoted says so, one the model has rewritten does not."""
    lines = [f"# {digest.title or 'Summarizing'}", "", PREVIEW_NOTE, "", "## Key points (preview)", ""]
    for i, point in enumerate(digest.points):
        cites = "; ".join(f"[{label}]({cite_href('points', i, s)})" for s, label in citation_labels(point.sources))
        mark = "" if i in replaced else " *(quoted)*"
        lines.append(f"- {point.text}{mark}" + (f" — {cites}" if cites else ""))
    return lines + [""]

"""Markdown of a digest shaped by a template: its sections in the template's order and titles."""

from __future__ import annotations

from desktop.core.digest import Digest, Point


def layout_markdown(digest: Digest, links: bool, point_line, documents_block, *,  # type: ignore[no-untyped-def]
                    header: str = "", overview_notes: list[str] | None = None) -> str:
    """``point_line(point, section, index, links)`` and ``documents_block(digest)`` are render.py's
    own, so a templated digest's lines and citations look like any other's; ``header`` (the check's
    counts) and ``overview_notes`` (its flagged overview sentences) too."""
    lines: list[str] = [f"# {digest.title or 'Digest'}", ""]
    if digest.query:
        lines += [f"*Question:* {digest.query}", ""]
    if header:
        lines += [f"*{header}*", ""]
    for entry in digest.layout:
        sid, title = entry.get("id", ""), entry.get("title", "")
        if sid == "overview":
            if digest.overview:
                lines += [f"## {title}", "", digest.overview, ""]
                lines += [f"> {n}" for n in overview_notes or []] + ([""] if overview_notes else [])
        elif sid == "documents":
            block = documents_block(digest)
            if block:
                lines += [f"## {title}", "", *block]
        elif sid in Digest.SECTIONS:
            points: list[Point] = getattr(digest, sid)
            if points:
                lines += [f"## {title}", ""]
                lines += [point_line(p, sid, i, links) for i, p in enumerate(points)]
                lines.append("")
    notes = list(digest.warnings) + [f"{e.get('path', '')}: {e.get('message', '')}" for e in digest.errors]
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines).rstrip() + "\n"

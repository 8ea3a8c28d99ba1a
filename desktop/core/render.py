"""Render a Digest as Markdown, plain text or JSON.

In Markdown for the app, citations are links (``cite:SECTION/POINT/SOURCE``) that the digest
view resolves to the source view; in exported Markdown and text they are plain references.
"""

from __future__ import annotations

import json
from itertools import groupby

from desktop.core.digest import Digest, Point, SectionSummary, Source

SECTION_TITLES = {
    "points": "Key points",
    "decisions": "Decisions",
    "action_items": "Action items",
    "asks": "Asks",
    "deadlines": "Deadlines",
}


def cite_href(section: str, point: int, source: int) -> str:
    return f"cite:{section}/{point}/{source}"


def parse_cite_href(href: str) -> tuple[str, int, int] | None:
    if not href.startswith("cite:"):
        return None
    try:
        section, point, source = href[5:].split("/")
        return section, int(point), int(source)
    except ValueError:
        return None


def section_href(index: int) -> str:
    """The link of a section's range in the app's Markdown: the view opens ``digest.sections[index]``
    at its start (``sources[0]``). Not a ``cite:`` link: those resolve to a point's source."""
    return f"section:{index}"


def parse_section_href(href: str) -> int | None:
    if not href.startswith("section:"):
        return None
    try:
        return int(href[8:])
    except ValueError:
        return None


def citation_labels(sources: list[Source]) -> list[tuple[int, str]]:
    """(source index, label) pairs; the document name is said once per run of its sources and
    consecutive pages are merged into ranges ("report.pdf, pp. 3–5")."""
    out: list[tuple[int, str]] = []
    indexed = list(enumerate(sources))
    for document, group in groupby(indexed, key=lambda item: item[1].document):
        items = list(group)
        pages = [s.locator.page for _, s in items]
        if len(items) > 1 and all(p is not None for p in pages) and _consecutive(pages):  # type: ignore[arg-type]
            lo, hi = min(pages), max(pages)  # type: ignore[type-var]
            out.append((items[0][0], f"{document}, pp. {lo}–{hi}"))
            continue
        for n, (i, s) in enumerate(items):
            where = s.locator.label()
            if n == 0:
                out.append((i, s.label()))
            else:
                out.append((i, where))
    return out


def _consecutive(pages: list[int]) -> bool:
    uniq = sorted(set(pages))
    return uniq == list(range(uniq[0], uniq[-1] + 1))


def _cites(point: Point, section: str, index: int, links: bool) -> str:
    labels = citation_labels(point.sources)
    if not labels:
        return ""
    if links:
        return " — " + "; ".join(f"[{label}]({cite_href(section, index, i)})" for i, label in labels)
    return " (" + "; ".join(label for _, label in labels) + ")"


def _point_line(point: Point, section: str, index: int, links: bool) -> str:
    text = point.text
    if section == "action_items":
        if point.owner and not text.lower().startswith(point.owner.lower()):
            text = f"**{point.owner}**: {text}"
        if point.due and point.due.lower() not in text.lower():
            text += f" (due {point.due})"
    return f"- {text}{_cites(point, section, index, links)}"


def to_markdown(digest: Digest, *, links: bool = False) -> str:
    lines: list[str] = [f"# {digest.title or 'Digest'}", ""]
    if digest.query:
        lines += [f"*Question:* {digest.query}", ""]
    if digest.overview:
        lines += [digest.overview, ""]
    for section, title in SECTION_TITLES.items():
        points: list[Point] = getattr(digest, section)
        if not points:
            continue
        lines += [f"## {title}", ""]
        lines += [_point_line(p, section, i, links) for i, p in enumerate(points)]
        lines.append("")
    lines += section_lines(digest, links=links)
    if len(digest.documents) > 1 or any(d.summary for d in digest.documents if digest.overview != d.summary):
        lines += ["## Documents", ""]
        for doc in digest.documents:
            labels = ", ".join(f"{v}" for v in doc.labels.values())
            head = f"### {doc.document}" + (f" — {doc.title}" if doc.title and doc.title != doc.document else "")
            lines += [head, ""]
            if labels:
                lines += [f"*{labels}*", ""]
            if doc.summary:
                lines += [doc.summary, ""]
            lines += [f"> ⚠ {w}" for w in doc.warnings]
            if doc.warnings:
                lines.append("")
    notes = list(digest.warnings) + [f"{e.get('path', '')}: {e.get('message', '')}" for e in digest.errors]
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines).rstrip() + "\n"


def section_lines(digest: Digest, *, links: bool = False) -> list[str]:
    """The summary of each section of a long document, in document order, under "Sections"
    ("Sections of report.pdf" in a digest of several documents). In the app, the range is a
    link to the section's start (``section_href``)."""
    lines: list[str] = []
    several = len(digest.documents) > 1
    indexed: list[tuple[int, SectionSummary]] = list(enumerate(digest.sections))
    for document, group in groupby(indexed, key=lambda item: item[1].document):
        lines += [f"## Sections of {document}" if several else "## Sections", ""]
        for i, section in group:
            span = section.span()
            where = f" ([{span}]({section_href(i)}))" if links and span and section.sources else (
                f" ({span})" if span else "")
            lines += [f"### {section.title}{where}", ""]
            if section.summary:
                lines += [section.summary, ""]
    return lines


def to_text(digest: Digest) -> str:
    """Plain text: the Markdown without its markup, for pasting into mail or chat."""
    out: list[str] = []
    for line in to_markdown(digest).splitlines():
        if line.startswith("#"):
            line = line.lstrip("#").strip()
            out.append(line)
            out.append("=" * len(line) if not out[:-1] else "-" * len(line))
            continue
        out.append(line.replace("**", "").replace("*", "").replace("> ", ""))
    return "\n".join(out).rstrip() + "\n"


def to_json(digest: Digest) -> str:
    return json.dumps(digest.to_dict(), ensure_ascii=False, indent=2) + "\n"


RENDERERS = {"md": to_markdown, "txt": to_text, "json": to_json}

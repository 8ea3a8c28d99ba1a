"""Render a Digest as Markdown, plain text or JSON.

In Markdown for the app, citations are links (``cite:SECTION/POINT/SOURCE``) that the digest
view resolves to the source view; in exported Markdown and text they are plain references.
"""

from __future__ import annotations

import json
import re
from datetime import date
from itertools import groupby

from desktop.core.digest import Digest, Point, SectionSummary, Source
from desktop.core.render_layout import layout_markdown

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
        merged = _merged_range(items)
        if merged is not None:
            out.append((items[0][0], f"{document}, {merged}"))
            continue
        for n, (i, s) in enumerate(items):
            where = s.locator.label()
            if n == 0:
                out.append((i, s.label()))
            else:
                out.append((i, where))
    return out


def _merged_range(items: list[tuple[int, Source]]) -> str | None:
    """"pp. 3–5" or "slides 2–4" when several sources of one document are consecutive pages or slides."""
    if len(items) < 2:
        return None
    for field, one, plural in (("page", "p.", "pp."), ("slide", "slide", "slides")):
        numbers = [getattr(s.locator, field) for _, s in items]
        if all(n is not None for n in numbers) and _consecutive(numbers):
            lo, hi = min(numbers), max(numbers)
            # Sentences of one page cited apart (a checked point's support) are still "p. 3".
            return f"{plural} {lo}–{hi}" if hi != lo else f"{one} {lo}"
    return None


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


#: How a checked and a flagged point are marked (core/support.py has the verdict).
CHECKED_MARK = "✓"
FLAGGED_MARK = "⚠"


def support_note(point: Point) -> str:
    """The mark after a checked point ("✓"), or the flag and its reason; "" for an unchecked one."""
    if point.support is None:
        return ""
    if not point.support.flagged:
        return CHECKED_MARK
    return f"{FLAGGED_MARK} Not supported by its source: {point.support.reason()}."


def support_header(digest: Digest) -> str:
    """The digest header's line with the counts, or "" when the digest was not checked."""
    return digest.support.header() if digest.support is not None else ""


def flagged_overview(digest: Digest) -> list[str]:
    """One line per overview sentence the check flagged: its start and the reason."""
    out = []
    for p in digest.overview_points:
        if p.support is not None and p.support.flagged:
            start = p.text if len(p.text) <= 70 else p.text[:67].rstrip() + "…"
            out.append(f"{FLAGGED_MARK} “{start}”: not supported by its source: {p.support.reason()}.")
    return out


def _point_line(point: Point, section: str, index: int, links: bool) -> str:
    text = point.text
    if section in ("action_items", "asks", "deadlines"):
        owner = display_person(point.owner) if point.owner else None
        if owner and not text.lower().startswith(owner.lower()):
            text = f"**{owner}**: {text}"
        if point.due_date:
            text += f" (due {format_day(point.due_date)})"
        elif point.due and point.due.lower() not in text.lower():
            text += f" (due {point.due})"
    note = support_note(point)
    if note and point.support is not None and point.support.flagged:
        note = f" *{note}*"
    elif note:
        note = " " + note
    return f"- {text}{_cites(point, section, index, links)}{note}"


def display_person(people: str) -> str:
    """"Maria Lopez <maria@x.example>, Tom" -> "Maria Lopez, Tom": addresses only where there is no name."""
    out = []
    for person in re.split(r",\s*(?![^<]*>)", people):
        name = re.sub(r"\s*<[^>]*>", "", person).strip().strip('"')
        out.append(name or person.strip())
    return ", ".join(out)


def format_day(iso: str) -> str:
    """"2026-11-13" -> "Fri 13 Nov 2026": the weekday said, so "by Friday" can be checked at a glance."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d:%a} {d.day} {d:%b %Y}"


def to_markdown(digest: Digest, *, links: bool = False) -> str:
    if digest.layout:  # shaped by a template: its sections, order and titles
        return layout_markdown(digest, links, _point_line, _documents_block, header=support_header(digest),
                               overview_notes=flagged_overview(digest))
    lines: list[str] = [f"# {digest.title or 'Digest'}", ""]
    if digest.query:
        lines += [f"*Question:* {digest.query}", ""]
    if header := support_header(digest):
        lines += [f"*{header}*", ""]
    if digest.overview:
        lines += [digest.overview, ""]
        if notes := flagged_overview(digest):
            lines += [f"> {n}" for n in notes] + [""]
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


def _documents_block(digest: Digest) -> list[str]:
    """Each document's own summary, for a template's "documents" section."""
    lines: list[str] = []
    for doc in digest.documents:
        if not doc.summary or (len(digest.documents) == 1 and doc.summary == digest.overview):
            continue
        lines += [f"### {doc.document}" + (f" — {doc.title}" if doc.title and doc.title != doc.document else ""), "", doc.summary, ""]
    return lines


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

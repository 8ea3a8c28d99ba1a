"""A section of a document as the digest shows it: title, where it starts and ends, its summary.

Both engines summarize the sections ``core/structure/sections.summarized`` names; this builds
the ``SectionSummary`` value from a section's blocks, so a click on it can open the source view
at its first page (or moment) and its range reads "pp. 5–8" or "00:05:00–00:12:30".
"""

from __future__ import annotations

from desktop.core.digest import SectionSummary, Source
from desktop.core.document import Document, Locator


def section_blocks(doc: Document, section: int) -> list[int]:
    """Indices of the blocks of top-level section ``section`` (its heading first), in order."""
    return [i for i, b in enumerate(doc.blocks) if b.section == section]


def section_summary(doc: Document, section: int, summary: str, sources: list[Source]) -> SectionSummary | None:
    """The section's summary with its title, range and start; None when the section holds no block."""
    blocks = section_blocks(doc, section)
    if not blocks or section >= len(doc.sections):
        return None
    first, last = doc.blocks[blocks[0]].locator, doc.blocks[blocks[-1]].locator
    start = Locator(page=first.page, start=first.start, paragraph=first.paragraph if first.page is None else None)
    end = Locator(page=last.page, start=last.start, end=last.end if last.end is not None else last.start,
                  paragraph=last.paragraph if last.page is None else None)
    head = doc.sections[section]
    opening = Source(str(doc.path), start, doc.display_name, doc.blocks[blocks[0]].text[:240])
    rest = [s for s in sources if s.locator != start]
    return SectionSummary(str(doc.path), doc.display_name, head.title, summary, head.level, start, end, [opening, *rest])

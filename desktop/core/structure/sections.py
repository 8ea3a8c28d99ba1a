"""A document's sections from its own structure, and which of them a digest summarizes one by one.

Where sections come from, best first: a PDF's outline (bookmarks, with their pages), the headings
a reader emits (Word heading styles, Markdown, HTML and EPUB headings), and for a PDF without an
outline, the numbered headings its reader detected ("1 Overview", "2 LRS", "3 Model"). The top
level is the highest heading level that occurs at least twice; the document's title set as its
first heading is not a section. Every block then knows its top-level section
(``Block.section``): chunks never straddle one and merges stay inside one first
(``core/prompting/chunking.py``, ``ml/engine/summarizer.py``).

A digest gains a summary per section (``summarized``) for a long document, more than
``LONG_PAGES`` pages or ``LONG_WORDS`` words, with two sections or more, and for any document
with ``MANY_SECTIONS`` or more; short documents stay as they were.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from desktop.core.document import Block, DocKind, Document, Role, Section

LONG_PAGES = 4
LONG_WORDS = 2000
MANY_SECTIONS = 3
#: Outlines beyond this many entries are read no further (a generated one can have thousands).
MAX_ENTRIES = 2000

_NUMBERED = re.compile(r"^\s*(\d{1,2})\.?\s+(?=[^\W\d_])")
_KEY = re.compile(r"[\W_]+", re.UNICODE)
_FILE_NAME = re.compile(r"\.(?:pdf|docx?|odt|rtf|txt)$", re.IGNORECASE)


def find_sections(doc: Document) -> list[Section]:
    """Sections from the document's headings (used when the reader gave none, as from an outline)."""
    if doc.kind in (DocKind.EMAIL, DocKind.MAILBOX):
        return []  # a thread's structure is its messages, which the digest shows already
    first_text = next((i for i, b in enumerate(doc.blocks) if b.role is not Role.HEADING and b.text.strip()),
                      len(doc.blocks))
    title = " ".join(doc.title.split())
    # The document's title set as its first heading (Word's Title style, a Markdown "# Title") is no section.
    headings = [(i, b) for i, b in enumerate(doc.blocks) if b.role is Role.HEADING and b.text.strip()
                and b.furniture is None and not (i < first_text and " ".join(b.text.split()) == title)]
    if doc.kind is DocKind.PDF or doc.kind is DocKind.IMAGE:
        # Heading levels of a PDF are guessed from font sizes (a figure's label can look like a
        # heading), so only numbered headings in sequence make sections there.
        return _numbered(headings)
    return [Section(_title(b.text), b.level or 1, i) for i, b in headings]


def from_outline(entries: Sequence[tuple[str, int, int | None]], blocks: list[Block]) -> list[Section]:
    """Sections from outline entries (title, level from 1, page or None), in reading order.

    An entry without a page takes its first sub-entry's; it starts at the block on its page
    whose text begins like its title, else at the page's first block."""
    entries = list(entries)[:MAX_ENTRIES]
    pages = [_entry_page(entries, k) for k in range(len(entries))]
    first_on: dict[int, int] = {}
    for i, block in enumerate(blocks):
        if block.locator.page is not None:
            first_on.setdefault(block.locator.page, i)
    out: list[Section] = []
    last = 0
    for (title, level, _), page in zip(entries, pages):
        if page is None:
            continue
        start = _match(title, page, blocks, first_on, last)
        if start is None or any(s.block == start and s.level == max(1, level) for s in out[-3:]):
            continue
        out.append(Section(_title(title), max(1, level), start))
        last = start
    return out


def assign(doc: Document) -> None:
    """Set every block's ``section``: the top-level section it sits in (None before the first)."""
    tops = top_level(doc.sections)
    starts = sorted((doc.sections[s].block, s) for s in tops)
    k = -1
    for i, block in enumerate(doc.blocks):
        while k + 1 < len(starts) and starts[k + 1][0] <= i:
            k += 1
        block.section = starts[k][1] if k >= 0 else None


def top_level(sections: Sequence[Section]) -> list[int]:
    """Indices of the top-level sections: the highest level that occurs at least twice."""
    counts = Counter(s.level for s in sections)
    levels = sorted(level for level, n in counts.items() if n >= 2)
    if not levels:
        return []
    return [i for i, s in enumerate(sections) if s.level == levels[0]]


def summarized(doc: Document) -> list[int]:
    """The top-level sections a digest of ``doc`` summarizes one by one (those with content), or
    none for a short document."""
    with_content = sorted({b.section for b in doc.blocks if b.section is not None and b.furniture is None
                           and b.role is not Role.HEADING and b.text.strip()})
    if len(with_content) < 2:
        return []
    pages = doc.metadata.get("page_count") or max((b.locator.page or 0 for b in doc.blocks), default=0)
    words = sum(len(b.text.split()) for b in doc.blocks if b.furniture is None)
    long = (isinstance(pages, int) and pages > LONG_PAGES) or words > LONG_WORDS
    return with_content if long or len(with_content) >= MANY_SECTIONS else []


def _numbered(headings: list[tuple[int, Block]]) -> list[Section]:
    """Headings numbered 1, 2, 3... in order (each the next number after the last one kept)."""
    out: list[Section] = []
    expected: int | None = None
    for i, block in headings:
        m = _NUMBERED.match(block.text)
        if m is None or len(block.text) > 120:
            continue
        number = int(m.group(1))
        if expected is None and number <= 1 or number == expected:
            out.append(Section(_title(block.text), 1, i))
            expected = number + 1
    return out if len(out) >= 2 else []


def _entry_page(entries: list[tuple[str, int, int | None]], k: int) -> int | None:
    """The entry's page, or its first sub-entry's when its own destination is broken."""
    _, level, page = entries[k]
    if page is not None:
        return page
    for _, sub_level, sub_page in entries[k + 1:]:
        if sub_level <= level:
            return None
        if sub_page is not None:
            return sub_page
    return None


def _match(title: str, page: int, blocks: list[Block], first_on: dict[int, int], after: int) -> int | None:
    """The block the entry starts at: on its page (or the next page with text), not before ``after``."""
    key = _KEY.sub("", title.lower())[:40]
    later = [p for p in first_on if p >= page]
    if not later:
        return None
    begin = max(first_on[min(later)], after)
    end = next((first_on[p] for p in sorted(first_on) if p > (blocks[begin].locator.page or page)), len(blocks))
    for i in range(begin, end):
        text = _KEY.sub("", blocks[i].text.lower())
        if key and len(text) >= 4 and (text.startswith(key) or key.startswith(text[:40])):
            return i
    return begin


def _title(text: str) -> str:
    """One line, not too long; an outline entry named after a file ("Annexe_A.pdf") reads as words."""
    text = " ".join(text.split())
    if _FILE_NAME.search(text):
        text = _FILE_NAME.sub("", text).replace("_", " ")
    return text[:200]

"""Turn chunks and generated sentences into precise citations.

A generated point comes from a chunk, but a chunk spans many blocks (pages, speaker turns).
We cite the blocks whose words the point actually shares, so a click lands on the page or the
moment that says it; when nothing matches well (an abstractive paraphrase), we cite the
chunk's extent, compressed to pages, one time range, or messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.core.digest import Source
from desktop.core.document import Document, Locator

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "he", "her", "his", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so", "that", "the", "their", "them", "they", "this", "to", "us", "was", "we", "were", "what", "when", "which", "who", "will", "with", "you", "your", "been", "do", "does", "did", "can", "could", "would", "should", "shall", "may", "might", "must", "there", "here", "than", "then", "these", "those", "also", "about", "over", "just", "very", "any", "all", "some", "more", "most", "such", "only", "own", "same", "too", "out", "up", "down", "off", "again", "further", "once", "why", "how", "where", "each", "both", "few", "other", "nor", "yes", "ok", "okay", "um", "uh", "mm", "hmm", "yeah", "right", "well", "like", "know", "think", "going", "get", "got"]
)


def content_words(text: str) -> set[str]:
    return {w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if len(w) > 2 and w not in STOPWORDS}


@dataclass(frozen=True, slots=True)
class BlockRef:
    """A block of one job document, addressable by (document index, block index)."""

    document: int
    block: int


def source_for(doc: Document, block_index: int, *, locator: Locator | None = None) -> Source:
    block = doc.blocks[block_index]
    return Source(
        path=str(doc.path),
        locator=locator or block.locator,
        document=doc.display_name,
        excerpt=block.text[:240],
    )


def best_blocks(text: str, doc: Document, candidates: tuple[int, ...], *, limit: int = 2) -> list[int]:
    """Blocks among ``candidates`` sharing the most content words with ``text`` (in doc order)."""
    words = content_words(text)
    if not words:
        return []
    scored: list[tuple[float, int]] = []
    for i in candidates:
        overlap = words & content_words(doc.blocks[i].text)
        if not overlap:
            continue
        score = len(overlap) / len(words)
        if len(overlap) >= 2 or score >= 0.5:
            scored.append((score, i))
    scored.sort(key=lambda item: (-item[0], item[1]))
    top = [i for score, i in scored[:limit] if score >= 0.25]
    return sorted(top)


def extent_sources(doc: Document, blocks: tuple[int, ...], *, limit: int = 3) -> list[Source]:
    """Cite a whole span of blocks compactly: unique pages, one time range, unique messages."""
    if not blocks:
        return [Source(str(doc.path), Locator(), doc.display_name)]
    locs = [doc.blocks[i].locator for i in blocks]
    first = blocks[0]
    if any(loc.page is not None for loc in locs):
        pages = sorted({loc.page for loc in locs if loc.page is not None})
        out = []
        for page in pages[:limit]:
            i = next(b for b in blocks if doc.blocks[b].locator.page == page)
            out.append(source_for(doc, i, locator=Locator(page=page)))
        return out
    if any(loc.start is not None for loc in locs):
        starts = [loc.start for loc in locs if loc.start is not None]
        ends = [loc.end if loc.end is not None else loc.start for loc in locs if loc.start is not None]
        speakers = {loc.speaker for loc in locs if loc.speaker}
        speaker = next(iter(speakers)) if len(speakers) == 1 else None
        return [source_for(doc, first, locator=Locator(start=min(starts), end=max(e for e in ends if e is not None), speaker=speaker))]
    for field in ("slide", "chapter"):
        if any(getattr(loc, field) is not None for loc in locs):
            return _per_unit(doc, blocks, field, limit)
    if any(loc.sheet is not None for loc in locs):
        return _per_sheet(doc, blocks, limit)
    if any(loc.message is not None for loc in locs):
        out, seen = [], set()
        for i in blocks:
            loc = doc.blocks[i].locator
            if loc.message in seen:
                continue
            seen.add(loc.message)
            out.append(source_for(doc, i, locator=Locator(message=loc.message, sender=loc.sender, date=loc.date)))
            if len(out) >= limit:
                break
        return out
    return [source_for(doc, first)]


def _per_unit(doc: Document, blocks: tuple[int, ...], field: str, limit: int) -> list[Source]:
    """One source per slide or chapter the span covers (the first ``limit``); each keeps the
    paragraph of its first block, so the source view can open there."""
    out: list[Source] = []
    seen: set[int] = set()
    for i in blocks:
        loc = doc.blocks[i].locator
        unit = getattr(loc, field)
        if unit is None or unit in seen:
            continue
        seen.add(unit)
        out.append(source_for(doc, i, locator=Locator(**{field: unit}, paragraph=loc.paragraph)))
        if len(out) >= limit:
            break
    return out or [source_for(doc, blocks[0])]


def _per_sheet(doc: Document, blocks: tuple[int, ...], limit: int) -> list[Source]:
    """One source per sheet, its cells the smallest range holding every cited block's cells."""
    first: dict[str, int] = {}
    ranges: dict[str, list[tuple[int, int, int, int]]] = {}
    for i in blocks:
        loc = doc.blocks[i].locator
        if loc.sheet is None:
            continue
        first.setdefault(loc.sheet, i)
        box = _cell_box(loc.cells)
        if box is not None:
            ranges.setdefault(loc.sheet, []).append(box)
    out = []
    for sheet, i in list(first.items())[:limit]:
        boxes = ranges.get(sheet)
        cells = None
        if boxes:
            c0, r0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
            c1, r1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
            cells = f"{_column(c0)}{r0}:{_column(c1)}{r1}"
        out.append(source_for(doc, i, locator=Locator(sheet=sheet, cells=cells, paragraph=doc.blocks[i].locator.paragraph)))
    return out or [source_for(doc, blocks[0])]


_CELL = re.compile(r"^([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)$")


def _cell_box(cells: str | None) -> tuple[int, int, int, int] | None:
    """"B2:F40" as (2, 2, 6, 40): first column, first row, last column, last row."""
    match = _CELL.match(cells or "")
    if match is None:
        return None
    return _column_number(match.group(1)), int(match.group(2)), _column_number(match.group(3)), int(match.group(4))


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _column(number: int) -> str:
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cite(text: str, doc: Document, blocks: tuple[int, ...]) -> list[Source]:
    """Sources for ``text`` produced from ``blocks`` of ``doc``: precise when possible."""
    precise = best_blocks(text, doc, blocks)
    if precise:
        return [source_for(doc, i) for i in precise]
    return extent_sources(doc, blocks)

"""Readers' raw items (text, role, level) and the one way they become located blocks: numbered
paragraphs under the nearest heading, within the document's character limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.core.document import Block, Locator, Role
from desktop.core.ingest.context import ReadContext

#: A heading longer than this is still a section name, cut short.
SECTION_CHARS = 200
#: A paragraph longer than this is cut at sentence ends, so a citation points near the text.
MAX_BLOCK = 4000


@dataclass(slots=True)
class Item:
    """A block before it gets its locator: text, role and level."""

    text: str
    role: Role
    level: int | None = None


@dataclass(slots=True)
class BlockList:
    """Blocks in reading order, each located by its 1-based paragraph, the heading above it and
    whatever the format adds (slide, sheet and cells, chapter). Stops at ``limits.max_chars``."""

    ctx: ReadContext
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    section: str | None = None
    chars: int = 0
    full: bool = False

    def add(self, item: Item, **where: Any) -> bool:
        """Append ``item`` (a long paragraph as several blocks); False once the character limit is
        reached (the rest is left out)."""
        if item.role in (Role.PARAGRAPH, Role.QUOTE, Role.LIST_ITEM) and len(item.text) > MAX_BLOCK:
            return all(self._add(Item(piece, item.role, item.level), where) for piece in split_long(item.text))
        return self._add(item, where)

    def _add(self, item: Item, where: dict[str, Any]) -> bool:
        if self.full:
            return False
        where = dict(where)
        text = item.text.strip()
        if not text:
            return True
        if item.role is Role.HEADING:
            self.section = " ".join(text.split())[:SECTION_CHARS]
        room = self.ctx.limits.max_chars - self.chars
        if len(text) > room:
            self.full = True
            self.warnings.append(f"{self.ctx.display_name} holds more than the {self.ctx.limits.max_chars:,} "
                                 "characters Precis reads from one document; the rest was left out.")
            text = text[:room]
            if not text:
                return False
        self.chars += len(text)
        where.setdefault("section", self.section)
        self.blocks.append(Block(text, item.role, Locator(paragraph=len(self.blocks) + 1, **where), item.level))
        return not self.full

    def add_all(self, items: list[Item], **where: Any) -> bool:
        """Add ``items`` in order; False once the character limit is reached."""
        return all(self.add(item, **where) for item in items)

    def first_heading(self) -> str | None:
        return next((b.text for b in self.blocks if b.role is Role.HEADING), None)


def split_long(text: str) -> list[str]:
    """A paragraph longer than MAX_BLOCK cut at sentence ends (else spaces), so a citation points near the text."""
    if len(text) <= MAX_BLOCK:
        return [text]
    pieces: list[str] = []
    start = 0  # an index, not re-slicing the rest each time (quadratic on a 20 MB paragraph)
    while len(text) - start > MAX_BLOCK:
        limit, half = start + MAX_BLOCK, start + MAX_BLOCK // 2
        cut = text.rfind(". ", start, limit)  # a sentence end if there is one late enough, else a space
        if cut < half:
            cut = text.rfind(" ", start, limit)
        cut = cut + 1 if cut > half else limit
        pieces.append(text[start:cut].strip())
        start = cut
    return pieces + [text[start:].strip()]


def hidden_slides_note(ctx: ReadContext, hidden: int) -> str:
    return (f"{ctx.display_name} has {hidden} hidden slide{'s' if hidden > 1 else ''}; Precis left them out, "
            "as a slide show does.")

"""The sentences of a job's documents, each tied to the block (and locator) it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.core.document import Document, Role
from desktop.core.prompting.chunking import content_blocks
from desktop.core.prompting.sentences import split_sentences
from desktop.core.structure.furniture import sentence_is_furniture

_MIN_WORDS = 4
_MAX_WORDS = 90
_NOISE = re.compile(r"^[\W\d_]+$")
_BULLET = re.compile(r"^\s*(?:[-•*–]|\d{1,2}[.)])\s+")


@dataclass(frozen=True, slots=True)
class Sentence:
    document: int
    block: int
    text: str
    #: Position of the sentence within its document, 0..1 (the lead bias of reports).
    position: float
    speaker: str | None = None
    #: Procedure or boilerplate inside a block of content ("please unmute", "Sent from my phone"):
    #: never a point or an item (``core/structure/furniture.py``).
    furniture: bool = False

    @property
    def display(self) -> str:
        return f"{self.speaker}: {self.text}" if self.speaker else self.text

    @property
    def usable(self) -> bool:
        """Any text that is not furniture: what a document with no eligible sentence falls back to."""
        return bool(self.text.strip()) and not self.furniture

    @property
    def eligible(self) -> bool:
        words = len(self.text.split())
        return _MIN_WORDS <= words <= _MAX_WORDS and not _NOISE.match(self.text) and not self.furniture


def document_sentences(doc: Document, doc_index: int, language: str = "en") -> list[Sentence]:
    blocks = content_blocks(doc)
    raw: list[tuple[int, str, str | None]] = []
    for i in blocks:
        block = doc.blocks[i]
        if block.role is Role.HEADING:
            continue
        speaker = block.locator.speaker if block.role is Role.UTTERANCE else None
        for s in split_sentences(block.text, language):
            s = _BULLET.sub("", s)
            if s:
                raw.append((i, s, speaker))
    n = max(1, len(raw) - 1)
    return [Sentence(doc_index, b, s, k / n, sp, sentence_is_furniture(s, doc.kind)) for k, (b, s, sp) in enumerate(raw)]

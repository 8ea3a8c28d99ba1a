"""Text decoded with the wrong charset ("adoptÃ©" for "adopté"): repaired, or reported, never summarized.

A reader that guessed the wrong charset gives text the model would summarize with confidence and
nonsense. ftfy (Apache-2.0) recognises the patterns that UTF-8 read as Latin-1 or Windows-1252
leaves and undoes them exactly. Blocks it flags but cannot repair are counted; a document mostly
made of them (GB18030 read as Latin-1, say) is reported instead of summarized. One stray flag in
a long document (a PDF's "mise en œ uvre") changes nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from desktop.core.document import Document

#: Share of a document's letters in flagged, unrepairable blocks above which it is not summarized.
UNREPAIRABLE_SHARE = 0.3


@dataclass(slots=True)
class Repair:
    document: Document
    repaired_blocks: int = 0
    unrepairable_share: float = 0.0

    @property
    def garbled(self) -> bool:
        return self.unrepairable_share >= UNREPAIRABLE_SHARE

    def notes(self, name: str) -> list[str]:
        if self.garbled:
            return [(f"{name} looks decoded with the wrong character set and could not be repaired, "
                     "so it is not summarized (open it with the right encoding and try again).")]
        if self.repaired_blocks:
            return [f"Part of {name} was decoded with the wrong character set; it was repaired before summarizing."]
        return []


def repair(doc: Document) -> Repair:
    """``doc`` with wrongly decoded blocks re-decoded (same locators), and what could not be."""
    import ftfy
    from ftfy.badness import is_bad

    blocks = list(doc.blocks)
    repaired = bad_letters = letters = 0
    for i, block in enumerate(blocks):
        n = sum(c.isalpha() for c in block.text)
        letters += n
        if not is_bad(block.text):
            continue
        fixed = ftfy.fix_encoding(block.text)
        if fixed != block.text and not is_bad(fixed):
            blocks[i] = dataclasses.replace(block, text=fixed)
            repaired += 1
        else:
            bad_letters += n
    out = dataclasses.replace(doc, blocks=blocks) if repaired else doc
    return Repair(out, repaired, bad_letters / letters if letters else 0.0)

"""Recognized lines into paragraphs, with list bullets recognized as bullets (issue 30).

Tesseract reads a list's bullet glyph as whatever letter or sign it resembles: "©", "e", "°",
"*", "¢" (a round bullet), "v" (a check mark). Taken as text, key points then read "© Operation
is similar to…". A line's first word is a bullet when it is such a glyph *and* the layout says so:
a wider gap after it than between the line's other words, and one of: it is smaller than the
line's words (a dot), the item's next lines hang under its second word, or another line of the
page starts with such a glyph at the same place (a list). The glyph then becomes "•" and the
item a paragraph of its own (Tesseract often runs a list into one paragraph). A real "©" at the
start of a line ("© 2020 Example Ltd.") has an ordinary gap after it and is kept.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from desktop.core.document import Block, Locator, Role

BULLET = "•"
_GLYPH = re.compile(r"^[©°*¢«»@®•·◦▪■□●○oO0vVyeE¥€~+\-–—>§✓✔➢➤►▸]{1,2}[_.,]?$")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
#: The gap after a bullet, against the line's median gap between words.
_GAP = 1.4


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    left: int
    top: int
    right: int
    bottom: int

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(slots=True)
class Line:
    words: list[Word]
    #: The line opens one of Tesseract's paragraphs.
    starts_paragraph: bool


def paragraphs(lines: list[Line]) -> list[str]:
    """The page's paragraphs in reading order; list items start their own, with "• " in front."""
    bullets = _bullet_lines(lines)
    groups: list[list[str]] = []
    for k, line in enumerate(lines):
        words = [w.text for w in line.words if w.text]
        if not words:
            continue
        if k in bullets:
            words[0] = BULLET
        if line.starts_paragraph or k in bullets or not groups:
            groups.append([])
        groups[-1].append(" ".join(words))
    out = []
    for group in groups:
        text = " ".join(_HYPHEN_BREAK.sub(r"\1\2", "\n".join(group)).split())
        if text:
            out.append(text)
    return out


def _bullet_lines(lines: list[Line]) -> set[int]:
    page_gaps = [b.left - a.right for line in lines for a, b in zip(line.words[1:], line.words[2:])]
    usual = statistics.median(page_gaps) if page_gaps else 0.0
    candidates = [k for k, line in enumerate(lines) if len(line.words) >= 2 and _GLYPH.match(line.words[0].text)
                  and _wide_gap(line, usual)]
    out: set[int] = set()
    for k in candidates:
        line = lines[k]
        first, second = line.words[0], line.words[1]
        size = statistics.median(w.height for w in line.words[1:]) or 1
        small = first.height <= 0.75 * size
        following = lines[k + 1] if k + 1 < len(lines) and not lines[k + 1].starts_paragraph else None
        hanging = following is not None and bool(following.words) and abs(following.words[0].left - second.left) <= 0.6 * size
        listed = any(j != k and abs(lines[j].words[0].left - first.left) <= 0.6 * size for j in candidates)
        if small or hanging or listed:
            out.add(k)
    return out


def _wide_gap(line: Line, page_usual: float) -> bool:
    """The gap after the first word is wide against the line's usual gap (the page's, for a line
    of few words: a justified line's gaps are all wide, a short item's say little)."""
    gaps = [b.left - a.right for a, b in zip(line.words, line.words[1:])]
    after, rest = gaps[0], gaps[1:]
    usual = statistics.median(rest) if len(rest) >= 3 else page_usual or 0.3 * line.words[1].height
    return after >= _GAP * max(usual, 1.0)


def page_blocks(texts: list[str], page: int) -> list[Block]:
    """A recognized page's paragraphs as blocks located on it; "• " items are list items."""
    return [Block(t, Role.LIST_ITEM, Locator(page=page), 1, ocr=True) if t.startswith(BULLET + " ")
            else Block(t, Role.PARAGRAPH, Locator(page=page), ocr=True) for t in texts]

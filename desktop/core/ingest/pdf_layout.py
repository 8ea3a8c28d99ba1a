"""Turn pypdf's positioned text fragments into clean paragraphs: lines, running headers, hyphens.

pypdf's plain extraction keeps the content-stream order, which for most producers is the reading
order (columns one after the other, unlike its "layout" mode, which interleaves columns), but it
loses paragraph boundaries. A ``visitor_text`` callback gives each fragment's position and font
size, and that is enough to find paragraph breaks, headings and the lines that repeat on every
page (running headers, footers, page numbers).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

_TERMINAL = tuple(".!?:;\"”’)»")
_BULLET = re.compile(r"^(?:[•◦▪▫●○■□‣⁃∙·\ue000-\uf8ff]\s|\(?\d{1,3}[.)]\s|\(?[a-z]\)\s|\([ivxlc]+\)\s)")
_DOT_LEADER = re.compile(r"(?:\s?\.){4,}\s?|(?:\s?…){2,}\s?")
_SPACES = re.compile(r"\s{2,}")
# Symbol-font glyphs (Wingdings bullets, icon fonts) land in the Private Use Areas.
_PUA_BULLET = re.compile(r"^[\ue000-\uf8ff](?=\s)")
_PUA = re.compile(r"[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
_DIGITS = re.compile(r"\d+")
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_EDGE_LINES = 3  # lines at each end of a page that may be a running header or footer


@dataclass(slots=True)
class Line:
    """One extracted line: its text, where it starts (PDF user space) and its dominant font size."""

    text: str
    x: float
    y: float
    size: float


@dataclass(slots=True)
class Paragraph:
    text: str
    size: float
    lines: int
    y: float


@dataclass(slots=True)
class LineCollector:
    """A pypdf ``visitor_text`` callback that records fragments, then splits them into lines.

    Concatenating what the visitor receives gives exactly pypdf's ``extract_text()`` output, so
    the lines here match what pypdf would have returned, now with positions.
    """

    _current: list[tuple[str, float, float, float]] = field(default_factory=list)
    _lines: list[Line] = field(default_factory=list)

    def __call__(self, text: Any, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if not text:
            return
        try:
            _, _, c, d, e, f = (float(v) for v in _mult(tm, cm))
            scale = math.hypot(c, d) or 1.0
            pos = (e, f, float(size) * scale)
        except (TypeError, ValueError):
            pos = (0.0, 0.0, 0.0)
        parts = str(text).split("\n")
        for i, part in enumerate(parts):
            if part:
                self._current.append((part, *pos))
            if i < len(parts) - 1:
                self._flush()

    def _flush(self) -> None:
        frags, self._current = self._current, []
        text = "".join(f[0] for f in frags).strip()
        if not text:
            return
        first = next(f for f in frags if f[0].strip())
        weights: Counter[float] = Counter()
        for frag in frags:
            weights[round(frag[3] * 2) / 2] += len(frag[0].strip())
        self._lines.append(Line(text, first[1], first[2], weights.most_common(1)[0][0]))

    def lines(self) -> list[Line]:
        self._flush()
        return self._lines


def _mult(m: Any, n: Any) -> list[float]:
    """Product of two PDF 2x3 matrices ``[a b c d e f]`` (text matrix x current transformation)."""
    return [
        m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5],
    ]


def _norm(text: str) -> str:
    """Key for spotting a running line: case, punctuation and numbers ignored, wherever they
    stand ("Page 3 of 11", "THE SIEGE OF VICKSBURG. 49" / "50 THE SIEGE OF VICKSBURG.")."""
    words = " ".join(_NOT_LETTERS.sub(" ", text.lower()).split())
    return words if len(words) >= 3 else _DIGITS.sub("#", " ".join(text.lower().split()))


def _edge_indices(lines: list[Line]) -> set[int]:
    """The lines drawn highest and lowest on the page, wherever the content stream put them."""
    by_y = sorted(range(len(lines)), key=lambda i: lines[i].y)
    return set(by_y[:_EDGE_LINES]) | set(by_y[-_EDGE_LINES:])


def remove_running_lines(pages: list[list[Line]]) -> int:
    """Drop headers, footers and page numbers that repeat at the top or bottom of many pages.

    A line counts as running when the same text (digits may differ) sits at a page edge on at
    least a quarter of the pages, and on three pages at least (reports often change layout for
    their appendices, so a header on every page is too much to ask). Returns how many lines were dropped.
    """
    if len(pages) < 3:
        return 0
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_norm(lines[i].text) for i in _edge_indices(lines)})
    threshold = max(3, math.ceil(0.25 * len(pages)))
    running = {key for key, n in counts.items() if n >= threshold and key}
    # A long running line is dropped wherever it sits: producers sometimes draw the margin note
    # mid-stream or rotated along the edge. Short ones (a page number) only at the edges.
    anywhere = {key for key in running if sum(c.isalpha() for c in key) >= 10}
    drops: list[set[int]] = []
    for lines in pages:
        edges = _edge_indices(lines)
        drops.append({i for i, line in enumerate(lines)
                      if (key := _norm(line.text)) in anywhere or (i in edges and key in running)})
    if all(len(drop) == len(lines) for drop, lines in zip(drops, pages)):
        return 0  # every line repeats: that is the content (a form, a label sheet), not a header
    for drop, lines in zip(drops, pages):
        if drop:
            lines[:] = [line for i, line in enumerate(lines) if i not in drop]
    return sum(len(drop) for drop in drops)


def drop_line_numbers(lines: list[Line]) -> list[Line]:
    """Remove margin line numbers (1, 2, 3 ... as lines of their own), as in court transcripts."""
    keep = [True] * len(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].text.isdigit() and int(lines[j].text) == int(lines[i].text) + (j - i):
            j += 1
        if j - i >= 5:
            keep[i:j] = [False] * (j - i)
        i = max(j, i + 1)
    return [line for line, k in zip(lines, keep) if k]


def vocabulary(pages: list[list[Line]]) -> tuple[set[str], set[str]]:
    """Words (lower case) seen in the document, plain and hyphenated, to decide line-end hyphens."""
    plain: set[str] = set()
    hyphenated: set[str] = set()
    for lines in pages:
        for line in lines:
            for word in _WORD.findall(line.text.lower()):
                (hyphenated if "-" in word else plain).add(word)
    return plain, hyphenated


def _join(left: str, right: str, vocab: tuple[set[str], set[str]]) -> str:
    """Join two lines of one paragraph, undoing hyphenation ("docu-" + "ment" -> "document")."""
    if left.endswith("\u00ad"):
        return left[:-1] + right
    if len(left) >= 2 and left.endswith("-") and left[-2].isalpha() and right[:1].islower():
        head = _WORD.findall(left[:-1].lower()[-40:])
        tail = _WORD.findall(right.lower()[:40])
        if head and tail:
            joined, kept = head[-1] + tail[0], head[-1] + "-" + tail[0]
            # Keep a real compound ("well-known") when the document spells it that way elsewhere.
            if kept in vocab[1] and joined not in vocab[0]:
                return left + right
        return left[:-1] + right
    return left + " " + right


def _starts_paragraph(prev: Line, cur: Line, gap: float, width: float) -> bool:
    dy = prev.y - cur.y
    ends_sentence = prev.text.endswith(_TERMINAL)
    short = len(prev.text) < 0.7 * width
    # pypdf reports one size per run of text, taken where the run starts, so a line opening with a
    # footnote mark or a small-caps word looks smaller than it is: a size change alone is not a
    # break unless the spacing or the previous line agrees.
    resized = abs(cur.size - prev.size) > 0.15 * max(cur.size, prev.size, 1.0)
    if resized and (short or ends_sentence or dy <= 0 or (gap and dy > 1.3 * gap)):
        return True
    if _BULLET.match(cur.text):
        return True
    if 0 < dy and gap and dy > 1.45 * gap:
        return True
    if ends_sentence and short:
        return True
    # First-line indent (LaTeX, Word "first line" indents) after a finished sentence.
    return ends_sentence and 0 < dy <= 1.45 * gap and cur.x > prev.x + 0.8 * cur.size


def paragraphs(lines: list[Line], vocab: tuple[set[str], set[str]]) -> list[Paragraph]:
    """Group a page's lines into paragraphs, in the order pypdf extracted them."""
    if not lines:
        return []
    gaps = [
        a.y - b.y for a, b in pairwise(lines)
        if abs(a.size - b.size) < 0.5 and 0 < a.y - b.y < 3 * max(a.size, 1.0)
    ]
    gap = statistics.median(gaps) if gaps else 0.0
    lengths = sorted(len(line.text) for line in lines)
    width = lengths[int(len(lengths) * 0.75)] if lengths else 0
    out: list[Paragraph] = []
    group = [lines[0]]
    for prev, cur in pairwise(lines):
        if _starts_paragraph(prev, cur, gap, width):
            out.append(_paragraph(group, vocab))
            group = []
        group.append(cur)
    out.append(_paragraph(group, vocab))
    return [p for p in out if p.text]


def _paragraph(group: list[Line], vocab: tuple[set[str], set[str]]) -> Paragraph:
    text = ""
    for line in group:
        piece = _clean(line.text)
        text = _join(text, piece, vocab) if text else piece
    sizes: Counter[float] = Counter()
    for line in group:
        sizes[line.size] += len(line.text)
    return Paragraph(text.strip(), sizes.most_common(1)[0][0], len(group), group[0].y)


def _clean(text: str) -> str:
    text = _PUA.sub("", _PUA_BULLET.sub("•", text))
    text = _DOT_LEADER.sub(" … ", text)
    return _SPACES.sub(" ", text).strip()


def body_size(pages: list[list[Paragraph]]) -> float:
    """The font size most of the document's text is set in."""
    sizes: Counter[float] = Counter()
    for paras in pages:
        for para in paras:
            sizes[para.size] += len(para.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def heading_levels(pages: list[list[Paragraph]], body: float) -> dict[float, int]:
    """Map the font sizes used for short, large paragraphs to heading levels (1 = largest)."""
    sizes = {
        para.size for paras in pages for para in paras
        if body and para.size >= 1.15 * body and para.lines <= 3 and len(para.text) <= 200
    }
    return {size: min(i + 1, 6) for i, size in enumerate(sorted(sizes, reverse=True))}


def is_heading(para: Paragraph, levels: dict[float, int]) -> bool:
    return para.size in levels and para.lines <= 3 and len(para.text) <= 200 and any(c.isalpha() for c in para.text)


def is_list_item(text: str) -> bool:
    return bool(_BULLET.match(text))


def move_footnotes(paras: list[Paragraph], body: float, middle: float) -> list[Paragraph]:
    """Put small print from the lower half of a page that comes before the body text after it.

    Some producers (the US Federal Register's, for one) write a page's footnotes first in the
    content stream; read in that order, every page would open with its footnotes.
    """
    first_body = next((i for i, p in enumerate(paras) if abs(p.size - body) < 0.5), None)
    if not first_body or not body or not middle:
        return paras
    lead = paras[:first_body]
    notes = [p for p in lead if p.size < 0.9 * body and p.y < middle]
    if not notes:
        return paras
    moved = {id(p) for p in notes}
    return [p for p in lead if id(p) not in moved] + paras[first_body:] + notes

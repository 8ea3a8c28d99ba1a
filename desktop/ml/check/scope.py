"""Which blocks of a document a point's citations name, and which other blocks may hold a fact.

Citations name blocks by locator (a page, a time range, a message, a paragraph) and, for a
precise citation, by the start of the block's text; this finds those blocks again. When a fact
is missing from them, the rest of the passage the point was made from is searched, but only the
blocks whose raw text could hold that fact (its digits, its month, its name) are read.
"""

from __future__ import annotations

import re

from desktop.core.digest import Source
from desktop.core.document import Document
from desktop.ml.check.dates import MONTHS, WEEKDAYS
from desktop.ml.check.facts import Fact
from desktop.ml.check.names import TITLES
from desktop.ml.check.passage import DocIndex

_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
                 10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen", 15: "fifteen", 16: "sixteen",
                 17: "seventeen", 18: "eighteen", 19: "nineteen", 20: "twenty", 30: "thirty", 40: "forty",
                 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety"}


def cited_blocks(sources: list[Source], doc: Document) -> list[int]:
    """Indices of the blocks of ``doc`` the sources cite: the exact block of a precise citation,
    every block of a page, time range or message otherwise."""
    out: list[int] = []
    for source in sources:
        if source.path != str(doc.path) or (source.document and source.document != doc.display_name):
            continue
        wanted = source.locator.without_sentences()
        inside = [i for i, b in enumerate(doc.blocks) if wanted.locates(b.locator)]
        excerpt = " ".join(source.excerpt.split())[:80]
        exact = [i for i in inside if excerpt and " ".join(doc.blocks[i].text.split()).startswith(excerpt)]
        out += [i for i in (exact[:1] or inside) if i not in out]
    return out


#: Blocks read in the wider search, at most: the ones with hints of the most missing facts. A
#: model's noise (a tiny model's, or a page of numbers) would otherwise read the whole document.
MAX_WIDER_BLOCKS = 4


def hinted_blocks(index: DocIndex, blocks: list[int], missing: list[Fact]) -> list[int]:
    """The blocks among ``blocks`` whose raw text holds a hint of a missing fact, those with hints
    of the most facts first, at most ``MAX_WIDER_BLOCKS``."""
    facts = [(hints, p) for f in missing if (p := _pattern(hints := [h for h in _hints(f) if h]))]
    if not facts:
        return []
    scored = []
    for i in blocks:
        raw = index.raw(i)
        # A plain substring test first (fast); the word-edge search only where it found something.
        hits = sum(1 for hints, p in facts if any(h in raw for h in hints) and p.search(raw))
        if hits:
            scored.append((-hits, i))
    return sorted(i for _, i in sorted(scored)[:MAX_WIDER_BLOCKS])


def _pattern(hints: list[str]) -> re.Pattern[str] | None:
    """One fact's hints as a search that stops at word edges ("46" is not in "1946")."""
    hints = [h for h in hints if h]
    if not hints:
        return None
    return re.compile(r"(?<![\w.,])(?:" + "|".join(re.escape(h) for h in hints) + r")")


def _hints(fact: Fact) -> list[str]:
    key = fact.key
    kind = key[0]
    if kind == "name":
        return [w.split("-")[0] for w in key[1:] if w not in TITLES][:1]
    if kind == "code":
        return [key[1]]
    if kind == "num":
        value = key[1]
        whole = int(value)
        out = [str(whole), f"{whole:,}"]
        for scale in (1_000_000_000, 1_000_000, 1_000):
            if value >= scale:
                out.append(f"{value / scale:g}")
                break
        if whole in _NUMBER_WORDS:
            out.append(_NUMBER_WORDS[whole])
        elif whole < 100 and whole // 10 * 10 in _NUMBER_WORDS:
            out.append(_NUMBER_WORDS[whole // 10 * 10])
        return out
    if kind in ("date", "month"):
        return [MONTHS[key[1] - 1][:3], f"{key[1]}/", f"{key[1]:02d}-"]
    if kind == "slash":
        return [f"{key[1]}/", MONTHS[key[1] - 1][:3] if key[1] <= 12 else "", MONTHS[key[2] - 1][:3] if key[2] <= 12 else ""]
    if kind == "weekday":
        return [WEEKDAYS[key[1]][:3]]
    if kind == "time":
        hours = key[1] // 60
        return [str(hours), str(hours % 12 or 12), "noon", "midnight"]
    if kind == "year":
        return [str(key[1])]
    return []

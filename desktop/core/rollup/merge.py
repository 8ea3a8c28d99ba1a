"""Items that say the same thing (a meeting's "Aiko, please write the help article by Friday" and
the follow-up mail's "Aiko, could you send the help article by Friday 5 December?") become one,
citing both places."""

from __future__ import annotations

import re
from dataclasses import replace

from desktop.core.digest import Point

#: Share of content words two items must have in common (Jaccard) to be the same item.
SAME = 0.5
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "for", "from", "has", "have", "i", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "please", "so", "that", "the", "their", "them", "they", "this", "to", "us", "was", "we", "were", "will", "with", "would", "you", "your", "i'll", "we'll", "let's", "yes", "okay", "ok", "um", "uh", "just", "also", "then", "there", "here", "what", "when", "which", "who"])


def words(text: str) -> set[str]:
    return {w for w in (m.group(0).casefold() for m in _WORD.finditer(text)) if len(w) > 2 and w not in _STOP}


def same_item(a: Point, b: Point, wa: set[str] | None = None, wb: set[str] | None = None) -> bool:
    """Mostly the same words, and no two different due days (a fix due Monday is not one due Friday)."""
    if a.due_date and b.due_date and a.due_date != b.due_date:
        return False
    wa = words(a.text) if wa is None else wa
    wb = words(b.text) if wb is None else wb
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= SAME


def merge_items(points: list[Point]) -> list[Point]:
    """One item per thing said, in first-seen order; a merged item keeps every citation and
    takes its owner, requester and due day from whichever said them."""
    out: list[Point] = []
    bags: list[set[str]] = []
    for point in points:
        bag = words(point.text)
        twin = next((p for p, b in zip(out, bags) if same_item(p, point, b, bag)), None)
        if twin is None:
            out.append(replace(point, sources=list(point.sources)))
            bags.append(bag)
            continue
        seen = {(s.path, s.locator) for s in twin.sources}
        twin.sources += [s for s in point.sources if (s.path, s.locator) not in seen]
        twin.owner = twin.owner or point.owner
        twin.requester = twin.requester or point.requester
        twin.due = twin.due or point.due
        twin.due_date = twin.due_date or point.due_date
    return out

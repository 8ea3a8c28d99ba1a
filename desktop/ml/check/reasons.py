"""The sentence a reader is told about a fact a point gets wrong, in the source's own words.

"the source says 30 minutes, not 45 minutes": a number is quoted as written on both sides, with
the word it counts, so a reader sees what was compared (never a parsed value such as 54954.3,
and not a bare "30, not 45"); a source number that counts something else ("30 speakers") is no
contrast for "45 minutes". A weekday written beside its date ("Thursday 19 March", "Wednesday
the 18th") is one fact: when either half is wrong, the pair is contrasted once, as written. A
date alone is said in one form on both sides ("the source says 3 December, not 4 December").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from desktop.core.support import Problem
from desktop.ml.check.dates import describe
from desktop.ml.check.facts import Fact
from desktop.ml.check.facts import words as word_list
from desktop.ml.check.negation import stem
from desktop.ml.check.passage import Sentence
from desktop.ml.points.citations import STOPWORDS

#: What may stand between a weekday and its date: "Thursday 19 March", "Thursday, the 19th".
_DAY_GAP = re.compile(r"[\s,]*(?:the\s+)?")
#: The word a number counts: "30 minutes", "a 30-minute limit", "three (3) minutes", "41,200 kWh".
_COUNTED = re.compile(r"[ \t-]+(?:\(\d+\)\s+)?([^\W\d_][^\W\d_-]*)")
#: Words after a number that are not what it counts ("714 because", "three major problems"): a
#: reason quoting them would read worse than the bare number (seen in the corpus's reference pairs).
_NOT_COUNTED = STOPWORDS | set(word_list(
    "because after before since until till while though although unless per whereas plus major minor less other new "
    "old different extra additional main big small large separate full whole more many much"))


@dataclass(frozen=True, slots=True)
class Said:
    """A fact (or a weekday with its date) as a text writes it: its words and what it counts."""

    words: str
    counted: str = ""  # the stem of the counted word ("minut"), "" when none


def group(f: Fact) -> tuple:
    """Facts that can stand for one another in a contrast: numbers of one unit, dates, weekdays..."""
    k = f.key
    if k[0] == "num":
        return ("num", k[2] if k[2] != "ord" else "")
    if k[0] in ("date", "slash"):
        return ("date",)
    return (k[0],)


def day_pairs(text: str, facts: list[Fact] | tuple[Fact, ...]) -> list[tuple[Fact, Fact]]:
    """Each weekday of ``text`` written just before its date or day of the month, in text order."""
    ordered = sorted(facts, key=lambda f: f.start)
    return [(a, b) for a, b in pairwise(ordered)
            if a.key[0] == "weekday" and _is_day(b) and _DAY_GAP.fullmatch(text[a.end:b.start])]


def reported(text: str, facts: tuple[Fact, ...], missing: list[Fact]) -> list[tuple[Fact, ...]]:
    """The missing facts, one entry each, except that a weekday and its date go together when
    either is missing ("Thursday 19 March" is one fact to a reader, not two)."""
    pairs = day_pairs(text, facts)
    out: list[tuple[Fact, ...]] = []
    for fact in missing:
        if any(fact in item for item in out):
            continue
        out.append(next((pair for pair in pairs if fact in pair), (fact,)))
    return out


def problem(text: str, item: tuple[Fact, ...], facts: tuple[Fact, ...], missing: list[Fact], near: list[Sentence],
            where: str, named: set[tuple] | None = None) -> Problem:
    """The problem with ``item`` (one fact of the point ``text``, or its weekday and date), told
    against what the ``near`` sentences say instead, if they say something of the same kind that
    the point does not also say ("from 41,200 kWh to 30,000 kWh": 33,800 kWh, not 41,200), nor
    was already named for another of its facts (``named``, updated: a changed ZIP code is wrong
    against the source's ZIP code, not against the street number named for the street number)."""
    first = item[0]
    if first.kind == "name":
        return Problem("name", first.text, f"{where} mentions {first.text}")
    if len(item) == 2:
        ours = Said(text[item[0].start:item[1].end])
        theirs = _other_day(item, near)
        wrong = [f for f in item if f in missing]
        if theirs is None and len(wrong) == 1:  # no pair there to set against: the wrong half alone
            return problem(text, (wrong[0],), facts, missing, near, where, named)
        kind = "date"
    else:
        ours = _said(text, first)
        theirs = _other(first, ours, near, {f.key for f in facts}, named if named is not None else set())
        kind = first.kind
    if theirs is None:
        return Problem(kind, ours.words, f"{where} mentions {_reads(first, ours, item)}")
    source_words, said = theirs
    return Problem(kind, ours.words, f"the source says {said}, not {_reads(first, ours, item)}", source_words)


def _ordinal(f: Fact) -> bool:
    """A passage's "first" is no contrast for a point's 12.5, nor its 3 for a point's "3rd"."""
    return f.key[0] == "num" and f.key[2] == "ord"


def _is_day(f: Fact) -> bool:
    return f.key[0] in ("date", "slash") or f.key[0] == "num" and f.key[2] == "ord"


def _said(text: str, f: Fact) -> Said:
    """``f`` as ``text`` writes it; a plain number with the word it counts after it."""
    words = text[f.start:f.end]
    if f.key[0] != "num" or f.key[2]:
        return Said(words)
    m = _COUNTED.match(text, f.end)
    word = m.group(1) if m else ""
    if not word or word.lower() in _NOT_COUNTED or word[:1].isupper() and not word.isupper() or len(word) < 2:
        # "30 of them", "by 2 Tom ..." (a capitalised word starts a name), "1309 S. Main" (a letter)
        return Said(words)
    return Said(text[f.start:m.end(1)] if m else words, stem(word))


def _reads(f: Fact, said: Said, item: tuple[Fact, ...]) -> str:
    """How a reason says the point's fact: a lone date in the words both sides share, else as written."""
    return (describe(f.key) or said.words) if len(item) == 1 and f.kind == "date" else said.words


def _other(fact: Fact, ours: Said, near: list[Sentence], stated: set[tuple],
           named: set[tuple]) -> tuple[str, str] | None:
    """(the source's words, how the reason says them) for the first fact of ``fact``'s kind that
    the ``near`` sentences state and the point does not (``stated``): first one counting the same
    thing, then one where either side counts nothing named."""
    kind = group(fact)
    candidates = [(f, _said(s.text, f)) for s in near for f in sorted(s.facts, key=lambda f: f.start)
                  if group(f) == kind and f.key not in stated and _ordinal(f) == _ordinal(fact)]
    for fresh in (True, False):
        for same in (True, False):
            for f, said in candidates:
                if fresh and f.key in named:
                    continue
                if said.counted == ours.counted if same else "" in (said.counted, ours.counted):
                    named.add(f.key)
                    return said.words, (describe(f.key) or said.words) if f.kind == "date" else said.words
    return None


def _other_day(item: tuple[Fact, ...], near: list[Sentence]) -> tuple[str, str] | None:
    """A weekday with its date in the ``near`` sentences that is not the point's, as written."""
    keys = tuple(f.key for f in item)
    for s in near:
        for a, b in day_pairs(s.text, s.facts):
            if (a.key, b.key) != keys:
                words = s.text[a.start:b.end]
                return words, words
    return None

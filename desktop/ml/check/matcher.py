"""The model-free check: are the facts of a point in the sentences it cites?

Every number, date and name of the point must be found, after normalisation, in the cited
passage (or, failing that, elsewhere in the passage the point was made from, and the citation
then moves there). The sentences that hold them, or else the ones sharing most of the point's
words, are its support: the citation narrows to them. A "not" in the point that its support
lacks, or a "not" in the support about a word the point affirms, is a problem too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from desktop.core.support import Problem
from desktop.ml.check.facts import Fact, facts_of
from desktop.ml.check.names import missing_words
from desktop.ml.check.negation import negated_words, negations, stem, stems
from desktop.ml.check.passage import Sentence
from desktop.ml.check.reasons import group, problem, reported
from desktop.ml.points.citations import content_words

#: Sentences a point's citation narrows to, at most.
MAX_SUPPORT = 3
#: Without facts to go by, a sentence supports a point when it shares this share of its words.
MIN_OVERLAP = 0.3
#: A sentence elsewhere that states a fact of the same kind names what the source says instead
#: when it shares this much (a date line of an agenda shares little more than the month).
NEARBY_OVERLAP = 0.15
#: A negation is compared only with support that is about the same thing (this share of words).
NEGATION_OVERLAP = 0.4
#: A negation in a neighbouring sentence (an answer's "No, I can't" is the next turn) counts when
#: that sentence shares this share of the point's words. Measured on the reference pairs
#: (benchmarks/faithfulness.py): 0.1 gave 5.5% false flags and caught 72% of flipped negations,
#: 0.3 6.0% and 78%, no neighbours at all 6.4% and 78%.
NEAR_OVERLAP = 0.3
#: "about 1.2 million" matches 1.17 million: approximate numbers may differ by this much.
APPROX = 0.1


@dataclass(slots=True)
class Verdict:
    """What the facts say about one point: its problems and the sentences that support it."""

    problems: list[Problem] = field(default_factory=list)
    support: list[Sentence] = field(default_factory=list)
    #: The point repeats its support word for word (a quote): nothing for a model to judge.
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Claim:
    text: str
    facts: tuple[Fact, ...]
    content: frozenset[str]
    stems: frozenset[str]
    cues: tuple[str, ...]
    #: Stems of the content words: "limits" shares its word with "limit".
    content_stems: frozenset[str] = frozenset()

    @classmethod
    def read(cls, text: str) -> Claim:
        content = frozenset(content_words(text))
        return cls(text, tuple(facts_of(text)), content, frozenset(stems(text)), tuple(negations(text)),
                   frozenset(stem(w) for w in content))


def check_claim(text: str, cited: list[Sentence], wider: Callable[[list[Fact]], list[Sentence]] | None = None,
                *, where: str = "no passage cited here") -> Verdict:
    """Check ``text`` against the ``cited`` sentences; ``wider(missing_facts)`` may offer more
    sentences of the point's own passage when some facts are not in the cited ones."""
    claim = Claim.read(text)
    pool = list(cited)
    missing = _missing(claim, pool)
    if missing and wider is not None:
        known = {id(s) for s in pool}
        pool += [s for s in wider(missing) if id(s) not in known]
        missing = _missing(claim, pool)
    support = _support(claim, pool, missing)
    verdict = Verdict(support=support)
    named: set[tuple] = set()  # a source value named once is not the contrast for another fact
    for item in reported(text, claim.facts, missing):
        near = support + [s for fact in item for s in _nearby(claim, fact, pool)]
        verdict.problems.append(problem(text, item, claim.facts, missing, near, where, named))
    verdict.problems += _negation(claim, support, pool)
    verdict.quoted = bool(support) and _plain(text) in _plain(" ".join(s.text for s in support))
    return verdict


def _missing(claim: Claim, pool: list[Sentence]) -> list[Fact]:
    """The claim's facts no sentence of ``pool`` holds. A name's words may be spread over the
    passage ("the Meeting Recorder project" in one turn, "meeting recorder" in the next)."""
    missing = []
    words: set[str] | None = None
    stemmed: set[str] | None = None
    for f in claim.facts:
        if any(_found(f, s) for s in pool):
            continue
        if f.kind == "name":
            words = words if words is not None else set().union(*(s.words for s in pool))
            lost = missing_words(f.key, words)
            if f.approximate and lost:
                stemmed = stemmed if stemmed is not None else set().union(*(s.stems for s in pool))
                lost = [w for w in lost if stem(w) not in stemmed]
            if not lost:
                continue
        missing.append(f)
    return missing


def _support(claim: Claim, pool: list[Sentence], missing: list[Fact]) -> list[Sentence]:
    """Greedy: the sentence holding most of the facts still uncovered (ties: most shared words),
    until all found facts are covered; without facts, the best-overlapping sentence or two.
    Among sentences about the same thing, one stating a fact of a missing fact's kind comes
    first, so the reason can say what the source says instead ("30 minutes, not 45")."""
    groups = {group(f) for f in missing}

    def closeness(s: Sentence) -> float:
        return _overlap(claim, s) + (0.2 if groups and any(group(f) in groups for f in s.facts) else 0.0)

    todo = [f for f in claim.facts if f not in missing]
    chosen: list[Sentence] = []
    while todo and len(chosen) < MAX_SUPPORT:
        best = max(pool, key=lambda s: (sum(_found(f, s) for f in todo), closeness(s)), default=None)
        if best is None or best in chosen or not any(_found(f, best) for f in todo):
            break
        chosen.append(best)
        todo = [f for f in todo if not _found(f, best)]
    if chosen:
        return chosen
    ranked = sorted(pool, key=lambda s: -closeness(s))
    if not ranked or _overlap(claim, ranked[0]) < MIN_OVERLAP:
        return []
    chosen = [ranked[0]]
    covered = claim.content & ranked[0].content
    for s in ranked[1:MAX_SUPPORT]:
        gain = len((claim.content & s.content) - covered) / max(1, len(claim.content))
        if gain >= 0.25:
            chosen.append(s)
            covered |= s.content
    return chosen


def _overlap(claim: Claim, s: Sentence) -> float:
    """Share of the claim's content words (by stem) the sentence has."""
    return len(claim.content_stems & s.stems) / max(1, len(claim.content_stems))


def _found(fact: Fact, s: Sentence) -> bool:
    if fact.kind == "name":
        return not missing_words(fact.key, s.words)
    if fact.key[0] == "code":
        return fact.key[1] in s.lower
    return any(matches(fact, other) for other in s.facts)


def matches(a: Fact, b: Fact) -> bool:
    """Whether the passage's fact ``b`` says what the point's fact ``a`` says."""
    ka, kb = a.key, b.key
    ta, tb = ka[0], kb[0]
    if ta == "num":
        value = _value(b)
        if value is None or not _same_number(ka[1], value, a.approximate or b.approximate):
            return False
        return tb != "num" or ka[2] == kb[2] or "" in (ka[2], kb[2]) or {ka[2], kb[2]} <= {"ord", ""}
    if ta == "year":
        return _value(b) == ka[1] or tb in ("date", "month") and kb[-1] == ka[1] or tb == "slash" and kb[3] == ka[1]
    if ta == "date":
        _, m, d, y = ka
        if tb == "date":
            return (kb[1], kb[2]) == (m, d) and (not y or not kb[3] or y == kb[3])
        return tb == "slash" and (m, d) in ((kb[1], kb[2]), (kb[2], kb[1])) and (not y or not kb[3] or y == kb[3])
    if ta == "slash":
        if tb == "date":
            return (kb[1], kb[2]) in ((ka[1], ka[2]), (ka[2], ka[1]))
        return tb == "slash" and kb[1:3] == ka[1:3]
    if ta == "month":
        month_b = kb[1] if tb in ("date", "month") else None
        return month_b == ka[1] and (not ka[2] or not kb[-1] or ka[2] == kb[-1])
    if ta == "weekday":
        return tb == "weekday" and kb[1] == ka[1]
    if ta == "time":
        return tb == "time" and (kb[1] == ka[1] or (not (ka[2] and kb[2]) and kb[1] % 720 == ka[1] % 720))
    return False


def _value(f: Fact) -> float | None:
    k = f.key
    if k[0] == "num":
        return k[1]
    if k[0] == "year":
        return float(k[1])
    if k[0] == "date":
        return float(k[2])  # "on the 5th" is the day of "5 December"
    return None


def _same_number(a: float, b: float, approximate: bool) -> bool:
    if approximate:
        return abs(a - b) <= APPROX * max(abs(a), abs(b))
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _nearby(claim: Claim, fact: Fact, pool: list[Sentence], k: int = 3) -> list[Sentence]:
    """Sentences about the same thing that state a fact of ``fact``'s kind: where the source says
    what it says instead (the date of the meeting the claim names, in another sentence)."""
    kind = group(fact)
    holding = [s for s in pool if any(group(f) == kind for f in s.facts) and _overlap(claim, s) >= NEARBY_OVERLAP]
    return sorted(holding, key=lambda s: -_overlap(claim, s))[:k]


def _negation(claim: Claim, support: list[Sentence], pool: list[Sentence]) -> list[Problem]:
    """A "not" the support lacks (near it: an answer's "No, I can't" is often the next turn), or a
    "not" in the best support about a word the point affirms."""
    related = [s for s in support if _overlap(claim, s) >= NEGATION_OVERLAP or claim.facts]
    if not related:
        return []
    if claim.cues:
        near = {(s.source.path, s.source.document, b) for s in related for b in (s.block - 1, s.block, s.block + 1)}
        if any(s.negated and (s.source.path, s.source.document, s.block) in near and _overlap(claim, s) >= NEAR_OVERLAP
               for s in pool if s.block >= 0) or any(s.negated for s in related):
            return []
        cue = claim.cues[0]
        return [Problem("negation", cue, f"the point says “{cue}”, but the passage it rests on does not")]
    best = max(related, key=lambda s: _overlap(claim, s))
    if _overlap(claim, best) >= 0.5:
        for s in [best]:
            flipped = s.negated_words & claim.stems
            if flipped:
                word = next(w for w in re.findall(r"[^\W\d_]+", claim.text) if any(
                    w.lower().startswith(f) for f in flipped))
                cue = negations(s.text)[0]
                return [Problem("negation", word, f"the source negates “{word}” (it says “{cue}”); the point does not",
                                cue)]
    return []


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


__all__ = ["Claim", "Verdict", "check_claim", "matches", "negated_words"]

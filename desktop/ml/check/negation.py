"""Negations: whether a sentence says "not", and which words it says it about.

A summary that drops or adds a "not" keeps every fact and name of its source, so this is its
own check: a point with a negation its supporting sentence lacks is flagged, and so is a point
without one whose supporting sentence negates a word the point uses ("did not approve" ->
"approved").
"""

from __future__ import annotations

import re

from desktop.ml.check.facts import words

#: Explicit negations only: "refuses" or "without" negate too, but a summary says "refuses" for a
#: source's "No, I won't", so reading them as cues flags faithful summaries.
_CUE = re.compile(r"\b(not|never|no|none|nobody|nothing|neither|nor|cannot)\b|n['’]t\b", re.IGNORECASE)
#: "no" that does not negate what follows: answers, "no later than", "no doubt".
_NOT_A_NEGATION = re.compile(r"\bno\b\s*[,.!?]|\bno (later|sooner|more|less|fewer|doubt|matter)\b|\bnot only\b",
                             re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SKIP = frozenset(words("a an the to be been being have has had do does did it this that them him her his their its my "
                  "your our any anything anyone one very really quite so too yet ever even just at all going "
                  "gonna want wanna i you we he she they me us there here"))
#: Words of degree: "not much", "no more than" say how much, not that something is untrue.
_DEGREE = frozenset(words("more less much many little few enough longer only sure"))


def negations(text: str) -> list[str]:
    """The negation cues of ``text`` ("not", "n't", "never"...), lower-cased, in order."""
    masked = _NOT_A_NEGATION.sub(lambda m: " " * len(m.group(0)), text)
    return [m.group(0).lower() for m in _CUE.finditer(masked)]


def negated_words(text: str, span: int = 1) -> set[str]:
    """Stems of the content words each negation is about: the next few words after the cue."""
    masked = _NOT_A_NEGATION.sub(lambda m: " " * len(m.group(0)), text)
    out: set[str] = set()
    for m in _CUE.finditer(masked):
        taken = 0
        for w in _WORD.finditer(masked[m.end():m.end() + 60]):
            word = w.group(0).lower()
            if word in _SKIP or word in ("t",):
                continue
            if word not in _DEGREE and len(word) > 3:
                out.add(stem(word))
            taken += 1
            if taken >= span:
                break
    return out


def stem(word: str) -> str:
    """A crude stem, enough to see "approved", "approves" and "approve" as one word."""
    w = word.lower()
    for suffix in ("ing", "ied", "ies", "ed", "es", "s"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    return w[:6]


def stems(text: str) -> set[str]:
    return {stem(w.group(0)) for w in _WORD.finditer(text) if len(w.group(0)) > 2}

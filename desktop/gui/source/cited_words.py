"""Which characters of a cited block the source view marks: the sentence(s) a checked point rests
on (``Locator.sentence``..``sentence_end``, else its ``quote``) and, for a flagged point, the
source's own words for the fact the point got wrong (``Problem.source_words``: the "3 December"
where the point said "4 December"). Offsets are in the block's text; Qt-free."""

from __future__ import annotations

import re

from desktop.core.document import Locator
from desktop.core.prompting.sentences import sentence_spans

Span = tuple[int, int]
#: How much of a quote's start must agree with the numbered sentence(s) (quotes are cut at 400).
_COMPARED = 80


def _words(text: str) -> str:
    return " ".join(text.split())


def _pattern(words: str, *, whole: bool = False) -> re.Pattern[str] | None:
    """``words`` with any run of white space between them; ``whole``: not inside a longer word."""
    parts = [re.escape(w) for w in words.split()]
    if not parts:
        return None
    body = r"\s+".join(parts)
    if whole:
        body = (r"(?<!\w)" if words[:1].isalnum() else "") + body + (r"(?!\w)" if words[-1:].isalnum() else "")
    return re.compile(body, re.IGNORECASE)


def supporting_span(text: str, locator: Locator, quote: str = "") -> Span | None:
    """Where the supporting sentence(s) lie in ``text`` (the cited block's), or None when the
    citation names no sentence and has no quote (a citation of the whole block)."""
    if locator.sentence is not None:
        spans = sentence_spans(text)
        first, last = locator.sentence, locator.sentence_end or locator.sentence
        if 1 <= first <= last <= len(spans) and spans[first - 1][1] > spans[first - 1][0]:
            span = (spans[first - 1][0], spans[last - 1][1])
            if not quote or _words(text[span[0]:span[1]]).startswith(_words(quote)[:_COMPARED]):
                return span
    # The text on show is not quite the text that was checked (read again, or normalised for the
    # model): the quote's own words still find the sentence.
    pattern = _pattern(quote) if quote else None
    found = pattern.search(text) if pattern is not None else None
    return (found.start(), found.end()) if found is not None else None


def word_spans(text: str, words: list[str], within: Span | None = None) -> list[Span]:
    """Every place ``words`` (each a phrase: "18 percent", "Wednesday") stands inside ``within``
    (the supporting sentences), else its first place in the block; whole words, any case."""
    out: list[Span] = []
    for phrase in words:
        pattern = _pattern(phrase, whole=True)
        if pattern is None:
            continue
        inside = [m for m in pattern.finditer(text) if within is None or within[0] <= m.start() and m.end() <= within[1]]
        if not inside and within is not None:
            inside = [m for m in [pattern.search(text)] if m is not None]
        out += [(m.start(), m.end()) for m in inside]
    return sorted(set(out))

"""The fact value every normaliser yields, and the one call that finds all facts of a text.

A fact is what a reader would check a summary sentence for: a number or amount, a date,
weekday or time, a name, read from the text at a span, with a canonical ``key`` so that
``18%``, ``18 percent`` and ``eighteen percent`` compare equal. Spans are kept so the point's
words (and later the source view's highlight) are exactly what was written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fact:
    """``kind`` is number, date or name; ``key`` the canonical value; ``text`` the words written.

    Keys: ``("num", value, unit)`` (unit "" / "percent" / "usd" / "eur" / "gbp" / "ord"),
    ``("code", token)`` for tokens of letters and digits (COVID-19, T5); ``("date", month, day,
    year)`` (year or day may be 0: unknown), ``("slash", a, b, year)`` for 3/12 (either order),
    ``("month", month, year)``, ``("year", year)``, ``("weekday", 0..6)``, ``("time", minutes,
    has_meridiem)``; ``("name", token, ...)`` lower-cased name tokens.
    """

    kind: str
    key: tuple
    text: str
    start: int
    end: int
    #: "about 1.2 million": a number said to be approximate matches within 10%; for a name, a
    #: capitalised word opening a sentence, which may be an ordinary word and matches by stem.
    approximate: bool = False


def facts_of(text: str) -> list[Fact]:
    """Every number, date and name of ``text``, in order; a span belongs to one fact only
    (dates and times are read first, so "3 December" is a date, not the number 3)."""
    from desktop.ml.check.dates import date_facts
    from desktop.ml.check.names import name_facts
    from desktop.ml.check.numbers import number_facts

    taken: list[tuple[int, int]] = []
    out: list[Fact] = []
    for finder in (date_facts, number_facts):
        for fact in finder(text, taken):
            out.append(fact)
            taken.append((fact.start, fact.end))
    out += name_facts(text, taken)
    return sorted(out, key=lambda f: f.start)


def words(text: str) -> tuple[str, ...]:
    """The words of a word list written as text (lists of words read better that way)."""
    return tuple(text.split())


def overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in taken)

"""Due-date phrases resolved against the document's own date; what the words do not fix stays unknown."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.core.dates import document_date, find_phrase, resolve

TUESDAY = date(2025, 12, 2)  # Tuesday 2 December 2025


@pytest.mark.parametrize(("text", "expected"), [
    ("Please send it by Friday.", date(2025, 12, 5)),
    ("Can you review it by Tuesday?", date(2025, 12, 9)),  # said on a Tuesday: the next one
    ("I need it by tomorrow", date(2025, 12, 3)),
    ("by the end of the week", date(2025, 12, 5)),
    ("by the end of next week", date(2025, 12, 12)),
    ("due next Friday", date(2025, 12, 12)),
    ("this Friday works", date(2025, 12, 5)),
    ("by the end of the month", date(2025, 12, 31)),
    ("before 24 December", date(2025, 12, 24)),
    ("by January 5th", date(2026, 1, 5)),  # no year: the coming one
    ("by the 3rd of January", date(2026, 1, 3)),
    ("on Friday, 19 December 2025", date(2025, 12, 19)),
    ("by 2025-12-24", date(2025, 12, 24)),
    ("by 15/12", date(2025, 12, 15)),
    ("in two weeks", date(2025, 12, 16)),
    ("by Thursday 4 December", date(2025, 12, 4)),
    ("within 3 business days", date(2025, 12, 5)),
])
def test_phrases_resolve_against_the_reference_day(text: str, expected: date) -> None:
    assert resolve(find_phrase(text), TUESDAY) == expected


@pytest.mark.parametrize("text", [
    "by next week",            # a range, not a day
    "by 5/12",                 # 5 December or May 12th: either way round
    "by Wednesday 4 December", # 4 December 2025 is a Thursday: the words contradict each other
    "on Monday 30 November",   # 30 November 2025 was a Sunday
])
def test_what_the_words_do_not_fix_stays_unknown(text: str) -> None:
    phrase = find_phrase(text)
    assert phrase is not None
    assert resolve(phrase, TUESDAY) is None


def test_no_reference_date_means_no_day() -> None:
    assert resolve("Friday", None) is None
    assert find_phrase("We talked about the budget.") is None


def test_a_documents_own_date() -> None:
    assert document_date({"date": "2025-12-02T09:30:00+01:00"}) == TUESDAY
    assert document_date({}, "oakland-council-2022-08-09.vtt") == date(2022, 8, 9)
    assert document_date({}, "sync.vtt", ["Good morning, today is Tuesday, 2 December 2025."]) == TUESDAY
    assert document_date({}, "sync.vtt", ["Good morning everyone."]) is None

"""Durations and times left read the same in the queue row, the digest header, the model manager
and the fine-tune panel."""

from __future__ import annotations

from desktop.core.durations import duration, eta, time_left


def test_time_left_wording() -> None:
    assert time_left(-1) == ""
    assert time_left(3) == "a few seconds left"
    assert time_left(41) == "about 40 s left"
    assert time_left(150) == "about 2 min left"
    assert time_left(185) == "about 3 min left"  # the digest header said "about 3 min 05 s left" here
    assert time_left(7300) == "about 2 h 1 min left"


def test_eta_and_duration_are_the_same_words() -> None:
    assert eta(-1) == "" and eta(3) == "a few seconds" and eta(41) == "40 s" and eta(185) == "3 min"
    assert duration(12) == "12 s" and duration(185) == "3 min" and duration(5000) == "1 h 23 min"

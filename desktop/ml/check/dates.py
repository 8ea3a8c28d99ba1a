"""Dates, months, years, weekdays and times of day, with canonical keys.

``3 Dec`` = ``December 3rd`` = ``the third of December`` = ``2023-12-03``; ``3 pm`` = ``15:00``.
Month names are read only when they cannot be a common word: "May" and "March" need a day, a
year or a preposition beside them ("in May"), so "may" the verb is never a date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from desktop.ml.check.facts import Fact, overlaps, words

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
         "nov": 11, "dec": 12}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_WORDS = {w: i for i, w in enumerate(words(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"), 1)}
_DAY_WORDS.update({"twenty-" + w: 20 + i for w, i in list(_DAY_WORDS.items())[:9]})
_DAY_WORDS.update({"twenty " + w: 20 + i for w, i in list(_DAY_WORDS.items())[:9]})
_DAY_WORDS.update({"thirtieth": 30, "thirty-first": 31, "thirty first": 31})

_MONTH = r"(?P<month>(?:January|February|March|April|May|June|July|August|September|October|November|December)" \
         r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
_DAYWORD = "|".join(sorted(_DAY_WORDS, key=len, reverse=True))
_DAY = rf"(?P<day>\d{{1,2}}(?:st|nd|rd|th)?|{_DAYWORD})"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"
_PATTERNS = [
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(rf"\b(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH}(?![a-z]){_YEAR}", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}(?![a-z])\s+(?:the\s+)?{_DAY}\b(?!\s*(?:%|percent|people|per))(?!:\d){_YEAR}",
               re.IGNORECASE),
]
_SLASH = re.compile(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?(?![\d/])")
_MONTH_ALONE = re.compile(rf"\b{_MONTH}(?![a-z])(?:\s+(?P<year>(?:19|20)\d\d)\b)?")
_MONTH_CONTEXT = re.compile(r"\b(in|on|by|of|until|till|since|from|early|late|mid|next|last|this|before|after|"
                            r"during|through|end of|start of)\s*$", re.IGNORECASE)
_YEAR_ALONE = re.compile(r"(?<![\d,.$€£-])\b(?P<year>(?:19|20)\d\d)\b(?![\d,.%]|\s*(?:percent|per cent|people|"
                         r"dollars|euros|pounds))")
_WEEKDAY = re.compile(r"\b(Mondays?|Tuesdays?|Wednesdays?|Thursdays?|Fridays?|Saturdays?|Sundays?)\b|"
                      r"\b(Mon|Tues?|Wed|Thu(?:rs?)?|Fri)\b(?=[.,]?\s*\d)", re.IGNORECASE)
_TIME = re.compile(r"(?<![\d.:])(?P<h>[01]?\d|2[0-3])(?:[:.](?P<min>[0-5]\d))?\s*(?P<mer>a\.?m\.?|p\.?m\.?)(?![a-z])"
                   r"|(?<![\d.:])(?P<h2>[01]?\d|2[0-3]):(?P<min2>[0-5]\d)(?![\d:])|\b(?P<word>noon|midnight)\b",
                   re.IGNORECASE)


def month_number(word: str) -> int:
    w = word.lower().rstrip(".")
    return MONTHS.index(w) + 1 if w in MONTHS else _ABBR.get(w, 0)


def date_facts(text: str, taken: list[tuple[int, int]]) -> Iterator[Fact]:
    """Times first (so "3 pm" is not a day), then full dates, slash dates, months, years, weekdays."""
    found = list(taken)

    def emit(start: int, end: int, key: tuple) -> Fact | None:
        if overlaps(start, end, found):
            return None
        found.append((start, end))
        return Fact("date", key, text[start:end], start, end)

    for m in _TIME.finditer(text):
        if m.group("word"):
            minutes, meridiem = (720 if m.group("word").lower() == "noon" else 0), True
        elif m.group("h2") is not None:
            minutes, meridiem = int(m.group("h2")) * 60 + int(m.group("min2")), int(m.group("h2")) >= 13
        else:
            hour = int(m.group("h")) % 12 + (12 if m.group("mer").lower().startswith("p") else 0)
            minutes, meridiem = hour * 60 + int(m.group("min") or 0), True
        if fact := emit(m.start(), m.end(), ("time", minutes, meridiem)):
            yield fact
    for i, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            if i == 0:
                month, day = int(m.group("m")), int(m.group("d"))
            else:
                month, day = month_number(m.group("month")), _day(m.group("day"))
            year = int(m.group("year")) if m.group("year") else 0
            if 1 <= month <= 12 and 1 <= day <= 31 and (fact := emit(m.start(), m.end(), ("date", month, day, year))):
                yield fact
    for m in _SLASH.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        y = m.group("y")
        year = (2000 + int(y) if len(y) == 2 else int(y)) if y else 0
        if 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12 and (fact := emit(m.start(), m.end(), ("slash", a, b, year))):
            yield fact
    for m in _MONTH_ALONE.finditer(text):
        word = m.group("month")
        if word[0].islower():
            continue  # "may", "march", "dec": words, not months
        if word.rstrip(".").lower() in ("may", "march", "mar", "jan", "sept") and not m.group("year") \
                and not _MONTH_CONTEXT.search(text[max(0, m.start() - 12):m.start()]):
            continue
        year = int(m.group("year")) if m.group("year") else 0
        if fact := emit(m.start(), m.end(), ("month", month_number(word), year)):
            yield fact
    for m in _YEAR_ALONE.finditer(text):
        if fact := emit(m.start(), m.end(), ("year", int(m.group("year")))):
            yield fact
    for m in _WEEKDAY.finditer(text):
        word = (m.group(1) or m.group(2)).lower().rstrip("s") if m.group(1) else m.group(2).lower()
        index = next((i for i, w in enumerate(WEEKDAYS) if w.startswith(word[:3])), -1)
        if index >= 0 and (fact := emit(m.start(), m.end(), ("weekday", index))):
            yield fact


def _day(word: str) -> int:
    w = word.lower().replace("  ", " ")
    if w in _DAY_WORDS:
        return _DAY_WORDS[w]
    digits = re.match(r"\d+", w)
    return int(digits.group(0)) if digits else 0


def describe(key: tuple) -> str:
    """A date key in words for a reason: "3 December", "December 2015", "Tuesday", "3:30 pm"."""
    kind = key[0]
    if kind == "date":
        _, month, day, year = key
        return f"{day} {MONTHS[month - 1].capitalize()}" + (f" {year}" if year else "")
    if kind == "month":
        return MONTHS[key[1] - 1].capitalize() + (f" {key[2]}" if key[2] else "")
    if kind == "weekday":
        return WEEKDAYS[key[1]].capitalize()
    if kind == "time":
        hours, minutes = divmod(key[1], 60)
        return f"{hours % 12 or 12}:{minutes:02d} {'pm' if hours >= 12 else 'am'}"
    if kind == "year":
        return str(key[1])
    return ""

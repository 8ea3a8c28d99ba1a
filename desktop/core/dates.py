"""Due dates said in words ("by Friday", "Wednesday the 18th", "end of next week") resolved
against the document's own date: the mail's Date header, the meeting's date.

Only what the words and the reference date fix is resolved; anything else stays unknown
(``None``), never guessed: no reference date, "next week" (a range, not a day), "5/12" (day and
month could be either way round), a weekday that contradicts the date written beside it.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.core.document import Document

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_MONTHS = {k.lower(): v for k, v in _MONTHS.items()}
_WD = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MON = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
_ORD = r"(?:st|nd|rd|th)"
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "fourteen": 14, "thirty": 30}

#: A phrase that names a day something is due, after the word that introduces it.
PHRASE = re.compile(
    r"\b(?:by|before|until|till|due(?:\s+on|\s+by)?|no later than|on|for|this|next)\s+(?P<when>"
    r"(?:the\s+)?end of (?:the\s+)?(?:day|week|month|year|quarter|next week|next month|this week|this month)"
    r"|(?:(?:next|this)\s+)?" + _WD + r"(?:,?\s+(?:the\s+)?\d{1,2}" + _ORD + r"?(?:\s+(?:of\s+)?" + _MON + r"\.?)?(?:,?\s+\d{4})?"
    r"|,?\s+" + _MON + r"\.?\s+\d{1,2}" + _ORD + r"?(?:,?\s+\d{4})?)?"
    r"|(?:the\s+)?\d{1,2}" + _ORD + r"?\s+(?:of\s+)?" + _MON + r"\.?(?:,?\s+\d{4})?"
    r"|" + _MON + r"\.?\s+\d{1,2}" + _ORD + r"?(?:,?\s+\d{4})?"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?"
    r"|tomorrow|tonight|today|eod|close of business|cob|next week|next month|this week)\b"
    r"|\b(?P<span>(?:in|within)\s+(?:\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|thirty)\s+(?:business\s+)?(?:days?|weeks?))\b"
    r"|\b(?P<bare>tomorrow|tonight|end of (?:the\s+)?(?:day|week|month)|eod)\b",
    re.IGNORECASE,
)


def find_phrase(text: str) -> str | None:
    """The first due-date phrase in ``text`` ("Friday", "Wednesday the 18th", "in two weeks")."""
    for m in PHRASE.finditer(text):
        phrase = m.group("when") or m.group("span") or m.group("bare")
        if phrase:
            if m.group("when") and m.group(0).lower().startswith(("this ", "next ")):
                phrase = m.group(0).split()[0] + " " + phrase
            return " ".join(phrase.split())
    return None


def resolve(phrase: str | None, ref: date | None) -> date | None:
    """The day ``phrase`` names, said on ``ref``; None when the words and the date do not fix one."""
    if not phrase or ref is None:
        return None
    p = " ".join(phrase.lower().replace(",", " ").replace(".", " ").split())
    p = re.sub(r"^(?:by|before|until|till|due(?: on| by)?|no later than|on|for)\s+", "", p)
    p = re.sub(r"\bthe\s+", "", p)
    if p in ("today", "tonight", "eod", "close of business", "cob", "end of day"):
        return ref
    if p == "tomorrow":
        return ref + timedelta(days=1)
    if m := re.fullmatch(r"(?:in|within) (\w+) (business )?(day|week)s?", p):
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS.get(m.group(1))
        if n is None:
            return None
        if m.group(3) == "week":
            return ref + timedelta(weeks=n)
        return _add_business_days(ref, n) if m.group(2) else ref + timedelta(days=n)
    if m := re.fullmatch(r"end of (this |next )?(week|month|year|quarter)", p):
        return _end_of(ref, m.group(2), bool(m.group(1) and m.group(1).strip() == "next"))
    if p in ("this week", "next week", "next month", "end of this month"):
        return _end_of(ref, "month", False) if p == "end of this month" else None
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", p):
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", p):
        return _numeric(int(m.group(1)), int(m.group(2)), m.group(3), ref)
    return _words(p, ref)


def _words(p: str, ref: date) -> date | None:
    words = p.split()
    which = words.pop(0) if words and words[0] in ("next", "this") else None
    weekday = WEEKDAYS.index(words.pop(0)) if words and words[0] in WEEKDAYS else None
    day = month = year = None
    for w in words:
        w = w.removeprefix("of")
        if not w:
            continue
        if w in _MONTHS:
            month = _MONTHS[w]
        elif m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", w):
            day = int(m.group(1))
        elif re.fullmatch(r"\d{4}", w):
            year = int(w)
        elif w != "of":
            return None
    if day is None and month is None and year is None:
        return None if weekday is None else _weekday(ref, weekday, which)
    if day is None:
        return None
    if month is None:  # "Wednesday the 18th": this month's or next month's 18th, if a Wednesday
        for k in range(2):
            y, mo = divmod(ref.month - 1 + k, 12)
            d = _date(ref.year + y, mo + 1, day)
            if d is not None and d >= ref - timedelta(days=7) and (weekday is None or d.weekday() == weekday):
                return d
        return None
    if year is not None:
        d = _date(year, month, day)
        return d if d is not None and (weekday is None or d.weekday() == weekday) else None
    # No year: the one that puts the day between two months back and ten months ahead.
    for y in (ref.year - 1, ref.year, ref.year + 1):
        d = _date(y, month, day)
        if d is not None and ref - timedelta(days=60) <= d < ref + timedelta(days=305):
            return d if weekday is None or d.weekday() == weekday else None
    return None


def _weekday(ref: date, weekday: int, which: str | None) -> date:
    """"Friday" said on a Tuesday is that week's Friday; said on a Friday, the next one. "Next
    Friday" is the Friday of next week (the British reading; "this Friday" is the coming one)."""
    if which == "next":
        monday = ref - timedelta(days=ref.weekday()) + timedelta(weeks=1)
        return monday + timedelta(days=weekday)
    ahead = (weekday - ref.weekday()) % 7 or 7
    return ref + timedelta(days=ahead)


def _end_of(ref: date, unit: str, following: bool) -> date:
    if unit == "week":
        friday = ref - timedelta(days=ref.weekday()) + timedelta(days=4) + timedelta(weeks=1 if following else 0)
        return friday if friday >= ref else friday + timedelta(days=2)  # said at the weekend: its Sunday
    if unit == "month":
        y, m = (ref.year + ref.month // 12, ref.month % 12 + 1) if following else (ref.year, ref.month)
        return date(y, m, calendar.monthrange(y, m)[1])
    if unit == "quarter":
        q_end = ((ref.month - 1) // 3 + 1) * 3
        return date(ref.year, q_end, calendar.monthrange(ref.year, q_end)[1])
    return date(ref.year + (1 if following else 0), 12, 31)


def _numeric(a: int, b: int, year_text: str | None, ref: date) -> date | None:
    """"5/12" is the 5th of December in most of the world and May 12th in the US: only a form
    with one part over 12 (or both the same) says which is the day."""
    if a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a or a == b:
        day, month = b, a
    else:
        return None
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _date(year, month, day)
    return _words(f"{day} {calendar.month_name[month].lower()}", ref)


def _add_business_days(ref: date, n: int) -> date:
    d = ref
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def _date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_iso(value: Any) -> date | None:
    """The calendar day of an ISO date or timestamp, in the timezone it was written in."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.strip()).date()
    except ValueError:
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value.strip())
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


_NAME_DATE = re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)")
_FULL_DATE = re.compile(
    r"\b(?:" + _WD + r",?\s+)?(?:(\d{1,2})" + _ORD + r"?\s+(?:of\s+)?(" + _MON + r")\.?|(" + _MON + r")\.?\s+(\d{1,2})" + _ORD
    + r"?),?\s+(\d{4})\b", re.IGNORECASE)


def document_date(metadata: dict[str, Any], name: str = "", texts: list[str] | None = None) -> date | None:
    """The day a document was written or a meeting held: its metadata's date (a mail's Date
    header, a transcript's session time), else a date in its file name ("council-2022-08-09.vtt"),
    else a full date said near its start ("today, Tuesday 9 August 2022"). Not the file's mtime:
    a copied or downloaded file's mtime says nothing about the meeting."""
    for key in ("date", "created", "session_datetime"):
        d = parse_iso(metadata.get(key))
        if d is not None:
            return d
    if m := _NAME_DATE.search(name):
        d = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d is not None and 1990 <= d.year <= 2100:
            return d
    for text in texts or []:
        if m := _FULL_DATE.search(text):
            day = int(m.group(1) or m.group(4))
            month = _MONTHS[(m.group(2) or m.group(3)).lower().rstrip(".")]
            d = _date(int(m.group(5)), month, day)
            if d is not None:
                return d
    return None


def day_of(doc: Document) -> str | None:
    """``document_date`` of a read document, as an ISO day."""
    day = document_date(doc.metadata, doc.path.name, [b.text for b in doc.blocks[:12]])
    return day.isoformat() if day else None

"""Numbers, amounts and percentages, as written in digits or words, with a canonical value.

``18%`` = ``18 percent`` = ``18 per cent`` = ``eighteen percent``; ``$1.2m`` = ``$1.2 million`` =
``1,200,000 dollars``. Number words are read by text2num (``text_to_num``: compound numbers such
as "three hundred and forty-two"); decimals ("one point two"), scales, currencies and units here.
"one" alone is not a fact ("one of them", "no one"); nor are ordinal words in a point ("the first
time"), though a passage's ordinal words still match a point's "3rd".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from desktop.ml.check.facts import Fact, overlaps
from desktop.ml.check.facts import words as word_list

_SMALL = word_list("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen")
_TENS = word_list("twenty thirty forty fifty sixty seventy eighty ninety")
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000}
_ABBREV_SCALES = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "mln": 1_000_000, "bn": 1_000_000_000,
                  "b": 1_000_000_000, "tn": 1_000_000_000_000}
_WORD = "|".join((*_SMALL, *_TENS, *_SCALES))
#: A run of number words: "twenty-five", "three hundred and forty two", "one point two million".
_WORDS = re.compile(rf"\b(?:a\s+)?(?:{_WORD})(?:(?:\s+and\s+|\s+|-)(?:{_WORD}|point))*\b", re.IGNORECASE)
_ORDINAL_WORDS = {w: i for i, w in enumerate(word_list(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"), 1)}
_ORDINAL_WORD = re.compile(r"\b(" + "|".join(_ORDINAL_WORDS) + r")\b", re.IGNORECASE)
_CURRENCY = {"$": "usd", "us$": "usd", "usd": "usd", "dollar": "usd", "dollars": "usd", "€": "eur", "eur": "eur",
             "euro": "eur", "euros": "eur", "£": "gbp", "gbp": "gbp", "pound": "gbp", "pounds": "gbp"}
_PREFIX = r"(?P<cur>US\$|\$|€|£|\b(?:USD|EUR|GBP)\s?)"
_DIGITS = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_SCALE = r"(?:\s?(?P<scale>thousand|million|billion|trillion|mln|mn|bn|tn|k|m|b)\b)?"
_SUFFIX = (r"(?:\s?(?P<unit>%|percent\b|per\s?cent\b|pct\b|percentage points?\b|dollars?\b|euros?\b|pounds?\b|"
           r"usd\b|eur\b|gbp\b))?")
_NUMBER = re.compile(rf"(?<![\w.,]){_PREFIX}?{_DIGITS}(?:(?=(?:mln|mn|bn|tn|k|m|b)\b)|(?![\w]))(?!,\d){_SCALE}{_SUFFIX}",
                     re.IGNORECASE)
#: Digits glued to letters: an ordinal (3rd), a unit (10km, 5kg) or a code (COVID-19, T5, Q3).
_GLUED = re.compile(r"(?<![\d.,$€£#])\b(?:[A-Za-z]+-?\d[\w-]*|\d+[A-Za-z][\w-]*)\b(?!#)")
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$", re.IGNORECASE)
_UNIT_GLUE = re.compile(r"^(\d+(?:\.\d+)?)(km|kg|mb|gb|tb|kb|mm|cm|ms|hrs?|mins?|s|h|x|g|l|ml|kw|mw|gw|kwh|mwh)$",
                        re.IGNORECASE)
_APPROX = re.compile(r"(?:about|around|approximately|approx\.?|roughly|nearly|almost|some|over|under|more than|"
                     r"less than|fewer than|up to|at least|at most|above|below|close to|~)\s*$", re.IGNORECASE)


def number_facts(text: str, taken: list[tuple[int, int]], *, ordinal_words: bool = False) -> Iterator[Fact]:
    """Numbers of ``text`` outside the ``taken`` spans (dates, times), as facts of kind number."""
    found: list[tuple[int, int]] = list(taken)
    for m in _GLUED.finditer(text):
        if overlaps(m.start(), m.end(), found):
            continue
        token = m.group(0)
        found.append((m.start(), m.end()))
        if o := _ORDINAL.match(token):
            yield Fact("number", ("num", float(o.group(1)), "ord"), token, m.start(), m.end())
        elif u := _UNIT_GLUE.match(token):
            yield Fact("number", ("num", float(u.group(1)), u.group(2).lower()), token, m.start(), m.end(),
                       _approximate(text, m.start()))
        else:
            yield Fact("number", ("code", token.lower()), token, m.start(), m.end())
    for m in _NUMBER.finditer(text):
        if overlaps(m.start(), m.end(), found):
            continue
        raw = m.group("num").replace(",", "")
        value = float(raw)
        scale = (m.group("scale") or "").lower()
        cur = _currency(m.group("cur"))
        unit_word = (m.group("unit") or "").lower()
        if scale in _ABBREV_SCALES and not cur and not unit_word:
            # "5 m" and "3b" are metres and flats, not millions, unless money is being talked about.
            scale, end = "", m.end("num")
        else:
            end = m.end()
        value *= _SCALES.get(scale, _ABBREV_SCALES.get(scale, 1))
        unit = "percent" if unit_word and unit_word[0] in "%p" and not unit_word.startswith("pound") else (
            _currency(unit_word) or cur)
        found.append((m.start(), end))
        yield Fact("number", ("num", _clean(value), unit), text[m.start():end].strip(), m.start(), end,
                   _approximate(text, m.start()))
    for m in _WORDS.finditer(text):
        if overlaps(m.start(), m.end(), found):
            continue
        parsed = _words_value(m.group(0))
        if parsed is None:
            continue
        value, end = parsed[0], m.start() + parsed[1]
        rest = text[end:]
        unit_m = re.match(r"\s?(percent\b|per\s?cent\b|%|dollars?\b|euros?\b|pounds?\b)", rest, re.IGNORECASE)
        unit = ""
        if unit_m:
            word = unit_m.group(1).lower()
            unit = "percent" if word[0] in "%p" and not word.startswith("pound") else _currency(word)
            end += unit_m.end()
        found.append((m.start(), end))
        yield Fact("number", ("num", _clean(value), unit), text[m.start():end], m.start(), end,
                   _approximate(text, m.start()))
    if ordinal_words:
        for m in _ORDINAL_WORD.finditer(text):
            if not overlaps(m.start(), m.end(), found):
                yield Fact("number", ("num", float(_ORDINAL_WORDS[m.group(1).lower()]), "ord"), m.group(0),
                           m.start(), m.end())


def _currency(word: str | None) -> str:
    return _CURRENCY.get((word or "").strip().lower(), "")


def _approximate(text: str, start: int) -> bool:
    return bool(_APPROX.search(text[max(0, start - 24):start]))


def _clean(value: float) -> float:
    return float(round(value, 6))


def _words_value(run: str) -> tuple[float, int] | None:
    """The value of a run of number words and how many characters of it were read; None for a
    lone "one"/"a" or a run text2num cannot read."""
    from text_to_num import text2num

    words = re.findall(r"[A-Za-z]+", run.lower())
    if words and words[0] == "a":
        words[0] = "one"
    if not words or words == ["one"] or words[0] in ("and", "point", *_SCALES) and words[0] != "hundred":
        return None
    scale = 1
    if words[-1] in ("million", "billion", "trillion") and len(words) > 1:
        scale = _SCALES[words.pop()]
    integer, decimals = words, []
    if "point" in words:
        k = words.index("point")
        integer, decimals = words[:k], words[k + 1:]
        if not integer or not decimals or any(d not in _SMALL[:10] for d in decimals):
            return None
    while integer and integer[-1] == "and":
        integer.pop()
    try:
        value = float(text2num(" ".join(integer), "en"))
    except (ValueError, TypeError):
        return None
    if decimals:
        value += float("0." + "".join(str(_SMALL.index(d)) for d in decimals))
    return value * scale, len(run.rstrip())

"""Rewrite the characters a model's vocabulary lacks so their meaning survives encoding.

FLAN-T5's SentencePiece vocabulary has no ``{ } < ~ ^`` or backtick and few accented or
typographic characters: each run of them becomes one ``<unk>`` token, which the model reads as
nothing. An address in angle brackets, a tilde before a number ("~5 km") or braces in code lose
their meaning. Only the characters the tokenizer does not know are touched (the caller says
which, so this module needs no model): angle brackets around an address or link become
parentheses, ``~`` before a number "about", braces parentheses, accented letters their base
letter, typographic symbols their words; anything left unknown is dropped rather than sent as
``<unk>``. Newlines are left alone: the tokenizer turns them into spaces, and nothing downstream
may rely on the model seeing them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

#: Unknown character -> what it means, in characters the vocabulary has.
REPLACEMENTS: dict[str, str] = {
    "{": "(", "}": ")", "`": "'", "\\": "/", "^": "**", "~": "-",
    "†": "+", "‡": "++", "×": "x", "±": "+/-", "©": "(c)", "®": "(R)", "§": "section ", "¶": "paragraph ",
    "■": "-", "□": "-", "▪": "-", "●": "-", "◦": "-", "": "-", "‣": "-", "⁃": "-", "→": "->", "←": "<-",
    "≤": "at most ", "≥": "at least ", "≠": "not equal to ", "≈": "about ", "÷": "/", "‰": " per mille",
    "µ": "micro", "°": " degrees", "½": "1/2", "¼": "1/4", "¾": "3/4", "…": "...", "\u00a0": " ",
    "«": '"', "»": '"', "„": '"', "‚": "'", "‹": "'", "›": "'",
    # Latin letters NFKD does not decompose.
    "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O",
    "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "ð": "d",
}
#: ``<address>``, ``<https://link>``: brackets around one unbroken word.
_BRACKETED = re.compile(r"<([^<>\s]{1,300})>")
_APPROX = re.compile(r"~\s?(?=[\d$€£])")
_LESS = re.compile(r"(?<=[\w)\]]) ?<(=?) ?(?=[\w(\-$])")


def unknown_in(text: str, unknown_spans: Iterable[tuple[int, int]]) -> set[str]:
    """The characters inside the given (start, end) offsets of ``text``: what a tokenizer
    reported as unknown."""
    return {c for s, e in unknown_spans for c in text[s:e] if not c.isspace()}


def normalize(text: str, unknown: Callable[[str], bool]) -> str:
    """``text`` with every character for which ``unknown(char)`` holds rewritten or dropped."""
    if not any(unknown(c) for c in set(text)):
        return text
    if unknown("<"):
        text = _BRACKETED.sub(r"(\1)", text)
        text = _LESS.sub(lambda m: " at most " if m.group(1) else " less than ", text)
    if unknown("~"):
        text = _APPROX.sub("about ", text)
    out: list[str] = []
    for c in text:
        if not unknown(c):
            out.append(c)
        elif c in REPLACEMENTS:
            out.append(REPLACEMENTS[c])
        else:
            out.append(_fallback(c, unknown))
    return "".join(out)


def _fallback(c: str, unknown: Callable[[str], bool]) -> str:
    """A letter without its accent if the bare letter is known; an unknown Latin letter as is
    (one <unk> keeps the word's place); a letter of another script dropped, like any other
    unknown symbol: the language gate has already left out the lines written in scripts the
    model cannot read, so what remains is a name or a word inside an English line."""
    base = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch))
    if base and base != c and not any(unknown(ch) for ch in base):
        return base
    if (c.isalpha() and unicodedata.name(c, "").startswith("LATIN")) or c.isdigit():
        return c
    return " " if unicodedata.category(c).startswith("Z") else ""

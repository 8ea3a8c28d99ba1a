"""Parse list-like answers (decisions, action items, asks, deadlines) into separate items.

FLAN-T5's vocabulary has no newline, so lists come back as sentences, semicolon-separated
phrases or numbered runs ("1. ... 2. ..."). "None"-style answers mean the part had nothing.
"""

from __future__ import annotations

import re

from desktop.ml.points.citations import content_words

_NONE = re.compile(
    r"^\s*(none|no(ne)?\.?|n/?a|nothing|not mentioned|no (decisions?|action items?|deadlines?|requests?)"
    r"( (were|was) (made|mentioned|given))?|there (are|were|is) no\b.*|it asks nothing|unknown)\W*$",
    re.IGNORECASE,
)
_ENUM = re.compile(r"(?:^|\s)(?:\d{1,2}[.)]|[-•*])\s+")
_SPLIT = re.compile(r"\s*;\s*|(?<=[.!?])\s+(?=[A-Z])")

_WEEKDAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTHS = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
_DUE = re.compile(
    r"\b(?:by|before|until|due(?: on| by)?|no later than|on)\s+"
    r"((?:(?:the\s+)?end of (?:the\s+)?(?:day|week|month|year|next week|quarter))"
    r"|(?:next\s+)?" + _WEEKDAYS + r"(?:,?\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?(?:\s+" + _MONTHS + r")?)?"
    r"|(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTHS + r"(?:\s+\d{4})?"
    r"|" + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?|tomorrow|tonight|today|next week|next month)",
    re.IGNORECASE,
)
_OWNER = re.compile(r"^\s*(?P<owner>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2})\s*(?::|will|to|should|must|is to|can)\s+(?P<task>.+)$")
_NOT_OWNERS = {"the", "we", "they", "everyone", "all", "it", "this", "there", "none", "team", "i"}


def is_none(text: str) -> bool:
    return not text.strip() or bool(_NONE.match(text.strip()))


def split_items(text: str) -> list[str]:
    """Items of a list-like answer, without "None" answers, empty bits or repeats."""
    text = text.strip()
    if is_none(text):
        return []
    if len(_ENUM.findall(text)) >= 2:
        parts = [p for p in _ENUM.split(text) if p.strip()]
    else:
        parts = _SPLIT.split(text)
    items: list[str] = []
    for part in parts:
        part = part.strip(" .;,-•*\t")
        if len(part) < 3 or is_none(part):
            continue
        items.append(part[0].upper() + part[1:])
    return dedupe(items)


def dedupe(items: list[str], threshold: float = 0.7) -> list[str]:
    """Drop items whose content words mostly repeat an earlier item's."""
    kept: list[str] = []
    kept_words: list[set[str]] = []
    for item in items:
        words = content_words(item)
        if any(_jaccard(words, other) >= threshold for other in kept_words) or item in kept:
            continue
        kept.append(item)
        kept_words.append(words)
    return kept


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def find_due(text: str) -> str | None:
    m = _DUE.search(text)
    return m.group(1).strip() if m else None


def parse_action(text: str) -> tuple[str, str | None, str | None]:
    """(task, owner, due) from "Tom: fix the export crash (Wednesday)" and similar phrasings."""
    owner = None
    task = text.strip()
    m = _OWNER.match(task)
    if m and m.group("owner").split()[0].lower() not in _NOT_OWNERS:
        owner = m.group("owner").strip()
        task = m.group("task").strip()
    due = None
    paren = re.search(r"\(([^)]{2,60})\)\s*$", task)
    if paren and (find_due("by " + paren.group(1)) or re.search(r"\d|" + _WEEKDAYS + "|" + _MONTHS, paren.group(1), re.IGNORECASE)):
        due = paren.group(1).strip()
        due = re.sub(r"^(due|by)\s+", "", due, flags=re.IGNORECASE)
        task = task[: paren.start()].strip()
    if due is None:
        due = find_due(task)
    task = task.rstrip(" .")
    return (task[0].upper() + task[1:]) if task else text, owner, due

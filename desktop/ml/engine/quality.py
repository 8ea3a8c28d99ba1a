"""Detect degenerate generations (empty, looping, echoing the instruction) so they are retried."""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"\w+", re.UNICODE)


def is_degenerate(text: str, *, min_words: int = 2) -> bool:
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < min_words:
        return True
    if len(words) >= 12:
        if len(set(words)) / len(words) < 0.35:
            return True
        grams = Counter(tuple(words[i: i + 4]) for i in range(len(words) - 3))
        if grams and grams.most_common(1)[0][1] >= 3:
            return True
    return False


def clean_output(text: str) -> str:
    """Tidy a generation: collapse whitespace, drop a dangling unfinished last sentence when
    there is a finished one before it, capitalise the first letter."""
    text = " ".join(text.split()).strip()
    if not text:
        return text
    if text[-1] not in ".!?\"')" and re.search(r"[.!?]\s", text):
        text = text[: max(text.rfind(". "), text.rfind("! "), text.rfind("? ")) + 1]
    return text[0].upper() + text[1:]

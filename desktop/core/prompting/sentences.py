"""Sentence splitting for chunking and the extractive engine (sentencex: rule-based, ~300
languages, no data download)."""

from __future__ import annotations

import re
from collections.abc import Callable

from sentencex import segment

#: Counts the model tokens of a text (the model's own tokenizer, EOS included).
TokenCount = Callable[[str], int]

_WORDS = re.compile(r"\S+\s*")


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Sentences of ``text``, stripped; line breaks inside a paragraph end a sentence too, since
    extracted PDF and caption text often has lines without final punctuation."""
    out: list[str] = []
    for line in re.split(r"\n\s*\n|\n(?=\s*[-•*]\s)", text):
        line = " ".join(line.split())
        if not line:
            continue
        out.extend(s.strip() for s in segment(language, line) if s.strip())
    return out


def sentence_spans(text: str, language: str = "en") -> list[tuple[int, int]]:
    """Where each sentence of ``split_sentences(text)`` lies in ``text`` itself, as (start, end)
    offsets: the same count and order, so a citation's ``Locator.sentence`` k is span k-1. The
    sentences are whitespace-normalised copies, so each is found word by word from where the
    previous one ended; one that is not found (never seen) gets an empty span there."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for sentence in split_sentences(text, language):
        pattern = r"\s+".join(re.escape(word) for word in sentence.split())
        found = re.compile(pattern).search(text, pos)
        if found is None:
            spans.append((pos, pos))
            continue
        spans.append((found.start(), found.end()))
        pos = found.end()
    return spans


def split_words(text: str, max_tokens: int, count: TokenCount) -> list[str]:
    """Split an over-long sentence at word boundaries into pieces of at most ``max_tokens``.

    Never cuts inside a word; a single word longer than the budget (a URL, a base64 blob) is
    cut by characters as the last resort, since nothing else fits. Each piece is as long as
    fits; how many words fit is found by bisection (about ten counts a piece), not by counting
    the piece again after every word: a page of text without sentence ends took 400 counts per
    512-token piece, most of a big PDF's chunking time.
    """
    words = _WORDS.findall(text)
    pieces: list[str] = []
    current = ""
    i = 0
    while i < len(words):
        if current:
            k, full = _words_that_fit(current, words, i, max_tokens, count)
            current += "".join(words[i:k])
            i = k
            if full:  # words[k] does not fit: the piece is done
                pieces.append(current.strip())
                current = ""
            continue
        current = words[i]
        i += 1
        while count(current) > max_tokens and len(current) > 1:
            cut = _longest_prefix(current, max_tokens, count)
            pieces.append(current[:cut].strip())
            current = current[cut:]
    if current.strip():
        pieces.append(current.strip())
    return [p for p in pieces if p]


def _words_that_fit(current: str, words: list[str], i: int, max_tokens: int, count: TokenCount) -> tuple[int, bool]:
    """The largest ``k >= i`` with ``current + words[i:k]`` within ``max_tokens``, and whether
    ``words[k]`` was found not to fit. Every word adds at least one token, so no more than
    ``max_tokens`` words are tried."""
    lo, hi = i, min(len(words), i + max_tokens + 1)
    if count(current + "".join(words[i:hi])) <= max_tokens:
        return hi, False
    while hi - lo > 1:  # lo fits, hi does not
        mid = (lo + hi) // 2
        if count(current + "".join(words[i:mid])) <= max_tokens:
            lo = mid
        else:
            hi = mid
    return lo, True


def _longest_prefix(text: str, max_tokens: int, count: TokenCount) -> int:
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(text[:mid]) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return max(1, lo)

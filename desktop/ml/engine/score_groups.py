"""Scored prompts go to the backend a few at a time, so Cancel is checked between calls; cached
probabilities are read back as floats. Shared by item scoring and the check's entailment layer."""

from __future__ import annotations

from typing import TypeVar

from desktop.core.cache import SummaryCache

T = TypeVar("T")


def groups(items: list[T], sizes: list[int], max_items: int, max_tokens: int) -> list[list[T]]:
    """Consecutive groups of at most ``max_items`` items and ``max_tokens`` tokens (one item over
    the budget is a group of its own)."""
    out: list[list[T]] = []
    tokens = 0
    for item, size in zip(items, sizes):
        if not out or len(out[-1]) >= max_items or tokens + size > max_tokens:
            out.append([])
            tokens = 0
        out[-1].append(item)
        tokens += size
    return out


def cached_float(cache: SummaryCache | None, key: str) -> float | None:
    cached = cache.get(key) if cache is not None else None
    try:
        return float(cached) if cached is not None else None
    except ValueError:
        return None

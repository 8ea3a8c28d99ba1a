"""When a file has stopped changing: its stamp (size, modification time) unchanged for the settle
time, so a file still being copied, saved or downloaded is not summarized half-written."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.core.watch.sources import SourceItem

#: Seconds a file must stay unchanged (size and modification time) before it is summarized.
SETTLE_S = 2.0
#: Seconds between looks at the watched folders.
POLL_S = 1.0


class Settler:
    def __init__(self, settle_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.settle_s = settle_s
        self.clock = clock
        #: key -> (stamp, when it was first seen with that stamp)
        self._seen: dict[str, tuple[tuple[int, ...], float]] = {}
        #: key -> the stamp last handed out as settled (not again until it changes)
        self._settled: dict[str, tuple[int, ...]] = {}

    def update(self, items: Iterable[tuple[SourceItem, float]], complete: bool = True) -> list[SourceItem]:
        """Feed one look's items (each with its own settle time); returns those that have just
        settled. After a ``complete`` scan, items missing from it are forgotten (deleted or moved)."""
        now = self.clock()
        present: set[str] = set()
        out: list[SourceItem] = []
        for item, settle_s in items:
            present.add(item.key)
            seen = self._seen.get(item.key)
            if seen is None or seen[0] != item.stamp:
                self._seen[item.key] = (item.stamp, now)
                seen = self._seen[item.key]
            if now - seen[1] >= settle_s and self._settled.get(item.key) != item.stamp:
                self._settled[item.key] = item.stamp
                out.append(item)
        if complete:
            for key in set(self._seen) - present:
                self._seen.pop(key, None)
                self._settled.pop(key, None)
        return out

    def forget(self, keys: list[str]) -> None:
        """Hand these out again at their next look (they could not be taken this time)."""
        for key in keys:
            self._seen.pop(key, None)
            self._settled.pop(key, None)

    def pending(self) -> list[str]:
        """Keys seen but not yet handed out as settled with their current stamp."""
        return [key for key, (stamp, _) in self._seen.items() if self._settled.get(key) != stamp]

    def next_due(self, settle_s: float) -> float | None:
        """Seconds until the earliest pending item settles (for a prompt next poll), or None."""
        now = self.clock()
        waits = [settle_s - (now - since) for key, (stamp, since) in self._seen.items() if self._settled.get(key) != stamp]
        return max(0.0, min(waits)) if waits else None

"""Recent arrivals in watched sources, newest first, each with where it stands (queued,
summarizing, digested, failed), from the watcher's events; and each source's own counts."""

from __future__ import annotations

import time
from dataclasses import dataclass

from desktop.core.watch.events import Digested, Failed, Queued, Started, WatchEvent

QUEUED, SUMMARIZING, DIGESTED, FAILED = "queued", "summarizing", "digested", "failed"
#: How many arrivals the list keeps.
KEEP = 50


@dataclass(slots=True)
class Arrival:
    key: str
    name: str
    state: str
    reason: str = ""
    title: str = ""
    #: The History entry of its digest.
    entry_id: str | None = None
    message: str = ""
    at: float = 0.0
    seconds: float = 0.0


class Arrivals:
    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._items: dict[str, Arrival] = {}

    def apply(self, event: WatchEvent) -> Arrival | None:
        """Update from one event; returns the arrival it changed (None: not an arrival's event)."""
        if isinstance(event, Queued):
            item = Arrival(event.key, event.name, QUEUED, reason=event.reason, at=event.at)
        elif isinstance(event, Started):
            item = self._get(event.key, event.name, event.at)
            item.state = SUMMARIZING
        elif isinstance(event, Digested):
            item = self._get(event.key, event.name, event.at)
            item.state, item.title, item.entry_id, item.seconds = DIGESTED, event.title, event.entry_id, event.seconds
        elif isinstance(event, Failed):
            item = self._get(event.key, event.name, event.at)
            item.state, item.message = FAILED, event.message
        else:
            return None
        item.at = event.at
        self._items.pop(item.key, None)
        self._items[item.key] = item  # the newest at the end
        while len(self._items) > self.keep:
            self._items.pop(next(iter(self._items)))
        return item

    def _get(self, key: str, name: str, at: float) -> Arrival:
        return self._items.get(key) or Arrival(key, name, QUEUED, at=at or time.time())

    def recent(self) -> list[Arrival]:
        return list(reversed(self._items.values()))

    def current(self) -> Arrival | None:
        """The arrival being summarized now, if any."""
        return next((a for a in self.recent() if a.state == SUMMARIZING), None)

    def settled_while_stopped(self) -> None:
        """The watcher stopped: what it was summarizing is redone next time, so it is queued again."""
        for item in self._items.values():
            if item.state == SUMMARIZING:
                item.state = QUEUED

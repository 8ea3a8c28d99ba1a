"""What a watcher reports, through one callback (the GUI turns them into the Watched list, the
tray icon and notifications; ``precis-cli watch`` prints them)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class WatchEvent:
    at: float = field(default_factory=time.time, kw_only=True)


@dataclass(frozen=True, slots=True)
class Queued(WatchEvent):
    """Settled and new or changed: it will be summarized (``reason``: new, changed, settings, retry)."""

    key: str
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Started(WatchEvent):
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Digested(WatchEvent):
    """A digest is in History (``entry_id``, None with History off) and in the output folder."""

    key: str
    name: str
    title: str
    entry_id: str | None
    outputs: tuple[str, ...]
    seconds: float
    #: The summary's own time (reading, the model), for the latency benchmark.
    summary_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Failed(WatchEvent):
    key: str
    name: str
    error: str
    message: str


@dataclass(frozen=True, slots=True)
class StateChanged(WatchEvent):
    """``state``: watching, paused, summarizing, stopped."""

    state: str


@dataclass(frozen=True, slots=True)
class WatchNotice(WatchEvent):
    text: str

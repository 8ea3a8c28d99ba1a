"""Events the engine emits while it works, and the token that cancels it.

The CLI draws them as a progress bar; the GUI's worker sends them over a queue and the bridge
turns them into Qt signals. They are plain picklable dataclasses for that reason.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktop.core.digest import Digest
from desktop.core.document import Document
from desktop.core.errors import Cancelled


@dataclass(frozen=True, slots=True)
class Progress:
    """``stage`` is a short phrase a user reads ("reading", "summarizing chunk 7/23", "merging")."""

    stage: str
    done: int
    total: int
    eta_s: float | None = None


@dataclass(frozen=True, slots=True)
class Partial:
    """A finished chunk or merge summary, shown while the job still runs."""

    text: str
    source: str
    locators: tuple[dict[str, Any], ...] = ()
    level: int = 0


@dataclass(frozen=True, slots=True)
class Preview:
    """A digest made without the model from what has been read so far, shown at once (within
    seconds of a drop) and marked as a preview; point ``i`` in ``replaced`` has since been
    replaced by the model's summary of the passage it was quoted from. The final digest
    replaces it all."""

    digest: Digest
    replaced: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should know that is not a failure (a skipped file, a fallback)."""

    text: str
    path: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Loss:
    """One point of the fine-tuning loss curve."""

    step: int
    train: float | None = None
    val: float | None = None
    tokens_per_s: float | None = None
    eta_s: float | None = None
    total_steps: int | None = None


@dataclass(frozen=True, slots=True)
class TranscriptSoFar:
    """A recording's transcript as far as it is transcribed, sent by the reader every few minutes
    of sound so the job can preview it while the rest is transcribed. A job turns it into a
    ``Preview``; it never crosses to the window or the command line as it is."""

    document: Document
    done_s: float
    total_s: float


Event = Progress | Partial | Preview | Notice | Loss | TranscriptSoFar
EventCallback = Callable[[Event], None]


def ignore_events(_event: Event) -> None:
    """The default callback."""


class _Flag(Protocol):
    def is_set(self) -> bool: ...

    def set(self) -> None: ...


class CancelToken:
    """Checked between batches and inside generation (a stopping criterion).

    Wraps any flag with ``is_set``/``set`` so a ``multiprocessing.Event`` can cancel work in a
    worker process with the same code as a ``threading.Event`` in the CLI.
    """

    def __init__(self, flag: _Flag | None = None) -> None:
        self._flag: _Flag = flag if flag is not None else threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._flag.is_set()

    def cancel(self) -> None:
        self._flag.set()

    def raise_if_cancelled(self) -> None:
        if self._flag.is_set():
            raise Cancelled()


@dataclass(slots=True)
class EtaEstimator:
    """ETA from the rate so far; good enough after the first few items, None before any."""

    total: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0

    def update(self, done: int, total: int | None = None) -> float | None:
        self.done = done
        if total is not None:
            self.total = total
        if done <= 0:
            return None
        elapsed = time.monotonic() - self.started
        return max(0.0, elapsed / done * (self.total - done))

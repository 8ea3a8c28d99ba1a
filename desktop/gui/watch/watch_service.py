"""The watcher beside the window. ``Watcher`` (Qt-free, ``ml/watch``) polls in a thread of its own
and summarizes in its own low-priority worker process; its events cross to the GUI thread as a
queued Qt signal, so nothing here waits on it. It is paused for as long as any reason holds (the
user's Pause, the user's own job) and started afresh when the sources or the job settings change:
never two at once, since they share the manifest and its lock, and never by waiting for the old
one on the GUI thread (the new one starts when the old one's thread has ended)."""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal

from desktop.core.errors import PrecisError
from desktop.core.watch.events import Digested, WatchEvent, WatchNotice
from desktop.core.watch.settle import POLL_S, SETTLE_S
from desktop.gui.watch.arrivals import DIGESTED, FAILED, Arrivals
from desktop.gui.watch.source_list import SourceEntry, make_entries
from desktop.ml.engine.job import JobSpec
from desktop.ml.watch.watcher import Watcher, WatchOptions

log = logging.getLogger(__name__)

#: Why the watcher is paused: the user said so, or the user's own job is running.
USER, JOB = "user", "job"
OFF, WATCHING, SUMMARIZING, PAUSED, STOPPED = "off", "watching", "summarizing", "paused", "stopped"


class WatchService(QObject):
    #: Every watcher event, in the GUI thread.
    watch_event = Signal(object)
    #: A digest is in History (``Digested``).
    digested = Signal(object)
    #: The state, the sources or the arrivals changed.
    changed = Signal()
    #: An event from a watcher's thread; (generation, error) when that thread ends.
    _crossed = Signal(object)
    _ended = Signal(int, str)

    def __init__(self, parent: QObject | None = None, *, settle_s: float = SETTLE_S, poll_s: float = POLL_S,
                 state_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.settle_s, self.poll_s, self.state_dir = settle_s, poll_s, state_dir
        self.entries: list[SourceEntry] = []
        self.arrivals = Arrivals()
        #: The watcher's latest notices (a folder that cannot be read now...).
        self.notices: list[str] = []
        #: Why the last watcher stopped by itself ("" when it did not).
        self.problem = ""
        self._reasons: set[str] = set()
        self._spec: JobSpec | None = None
        self._watcher: Watcher | None = None
        self._gen = 0
        self._threads: dict[int, threading.Thread] = {}
        self._stopping: set[int] = set()
        self._closed = False
        self._crossed.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        self._ended.connect(self._on_ended, Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ control
    def configure(self, watched: list[str], spec: JobSpec) -> None:
        """Watch these sources (``Settings.watched``) with this job spec, starting afresh."""
        self.entries = make_entries(watched)
        self._spec = spec
        self.problem = ""
        self._restart()
        self.changed.emit()

    def set_spec(self, spec: JobSpec) -> None:
        """New job settings (model, length, template...): start afresh only when they differ."""
        if self._spec is None or _spec_dict(spec) != _spec_dict(self._spec):
            self._spec = spec
            if self.entries:
                self._restart()

    def pause(self, reason: str = USER) -> None:
        held = bool(self._reasons)
        self._reasons.add(reason)
        if self._watcher is not None and not held:
            self._watcher.pause()
        self.changed.emit()

    def resume(self, reason: str = USER) -> None:
        self._reasons.discard(reason)
        if self._watcher is not None and not self._reasons and self._watcher.paused:
            self._watcher.resume()
        self.changed.emit()

    def shutdown(self, wait_s: float = 3.0) -> None:
        """Stop watching (the app is closing): the file being summarized is redone next time."""
        self._closed = True
        self._stop_current()
        for thread in list(self._threads.values()):
            thread.join(wait_s)

    # ------------------------------------------------------------------ state
    @property
    def watching(self) -> bool:
        """Is a source being watched (paused or not)?"""
        return bool(self.live_sources()) and not self.problem and not self._closed

    @property
    def paused(self) -> bool:
        return bool(self._reasons)

    @property
    def paused_by_user(self) -> bool:
        return USER in self._reasons

    @property
    def watcher(self) -> Watcher | None:
        """The running watcher (for tests and the idle measurement)."""
        return self._watcher

    def live_sources(self) -> list[SourceEntry]:
        return [e for e in self.entries if e.source is not None]

    def state(self) -> tuple[str, str]:
        """(state, the sentence the Watched view and the tray show)."""
        if not self.entries:
            return OFF, "Not watching. Add a folder, or Watch a mailbox in the Mail tab: what arrives is summarized."
        if self.problem:
            return STOPPED, f"Stopped: {self.problem}"
        live = self.live_sources()
        if not live:
            return OFF, "Not watching: the watched folders and mailboxes are not there now."
        if USER in self._reasons:
            return PAUSED, "Paused."
        if JOB in self._reasons:
            return PAUSED, "Paused while your own job runs."
        current = self.arrivals.current()
        if current is not None:
            return SUMMARIZING, f"Summarizing {Path(current.name).name}…"
        return WATCHING, f"Watching {len(live)} {'folder' if len(live) == 1 else 'sources'}."

    def source_status(self, entry: SourceEntry) -> str:
        if entry.problem:
            return entry.problem
        waiting = getattr(entry.source, "problem", "")  # a mailbox: its password missing, its server away
        if waiting:
            return waiting
        mine = [a for a in self.arrivals.recent() if entry.owns(a.key)]
        done = sum(a.state == DIGESTED for a in mine)
        failed = sum(a.state == FAILED for a in mine)
        parts = [f"{done} digested" if done else "nothing new yet"]
        if failed:
            parts.append(f"{failed} failed")
        busy = next((a for a in mine if a.state not in (DIGESTED, FAILED)), None)
        if busy is not None:
            parts.append(f"{busy.state} {Path(busy.name).name}")
        return " · ".join(parts)

    # ------------------------------------------------------------------ the watcher's thread
    def _restart(self) -> None:
        self._stop_current()
        if not self._threads:
            self._start()
        # else: ``_on_ended`` starts the new one once the old one's thread has ended

    def _stop_current(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            self._stopping.add(self._gen)
            watcher.stop(timeout=0)  # no join here: the thread is ours, and it reports its end

    def _start(self) -> None:
        sources = [e.source for e in self.live_sources() if e.source is not None]
        if not sources or self._spec is None or self._closed:
            return
        self._gen += 1
        gen = self._gen
        options = WatchOptions(sources, settle_s=self.settle_s, poll_s=self.poll_s, state_dir=self.state_dir)
        try:
            watcher = Watcher(options, self._spec, self._crossed.emit)
        except PrecisError as exc:
            self.problem = exc.message
            return
        if self._reasons:
            watcher.pause()
        thread = threading.Thread(target=self._run, args=(watcher, gen), name="precis-watcher", daemon=True)
        self._watcher, self._threads[gen] = watcher, thread
        thread.start()

    def _run(self, watcher: Watcher, gen: int) -> None:
        """The watcher's thread: a failure becomes the watcher's stated problem, never a crash dialog."""
        error = ""
        try:
            watcher.run()
        except PrecisError as exc:
            error = exc.message
        except Exception as exc:  # a background thread: say it in the Watched view, log the details
            log.exception("the watcher stopped")
            error = f"watching stopped after an unexpected problem ({type(exc).__name__}: {exc}); the log has the details."
        self._ended.emit(gen, error)

    def _on_event(self, event: WatchEvent) -> None:
        self.arrivals.apply(event)  # an old watcher's digest is in History all the same
        if isinstance(event, WatchNotice):
            self.notices = [*self.notices[-3:], event.text]
        self.watch_event.emit(event)
        if isinstance(event, Digested):
            self.digested.emit(event)
        self.changed.emit()

    def _on_ended(self, gen: int, error: str) -> None:
        self._threads.pop(gen, None)
        if gen in self._stopping:
            self._stopping.discard(gen)
        elif gen == self._gen and self._watcher is not None:
            # It ended by itself: another Precis holds the manifest, the data folder is read-only...
            self._watcher = None
            self.problem = error or "the watcher stopped."
        self.arrivals.settled_while_stopped()
        if self._watcher is None and not self._threads and not self.problem:
            self._start()
        self.changed.emit()


def _spec_dict(spec: JobSpec) -> dict[str, object]:
    return {k: v for k, v in dataclasses.asdict(spec).items() if k != "paths"}

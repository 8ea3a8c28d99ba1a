"""The watcher: one more side of the road, like batch but never finished. It polls its sources,
summarizes what is new or changed once it has stopped changing, one file after another in one
low-priority worker process, and puts each digest in History (and an output folder).

What is done survives restarts and crashes through the batch manifest's rules
(``ml/batch/manifest.py``): a file counts as done only when its latest row says so for the same
content sha256 and settings key; rows are appended with fsync after the outputs were written
atomically. Qt-free: the GUI calls ``start``, ``pause``, ``resume``, ``stop`` and listens to the events.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core import paths
from desktop.core.errors import PrecisError, WatchError
from desktop.core.events import CancelToken
from desktop.core.history import History
from desktop.core.watch.events import Failed, Queued, StateChanged, WatchEvent, WatchNotice
from desktop.core.watch.settle import POLL_S, SETTLE_S, Settler
from desktop.core.watch.sources import FolderSource, SourceItem, WatchSource
from desktop.ml.batch.manifest import Manifest
from desktop.ml.batch.plan import FORMATS, settings_key
from desktop.ml.batch.sizing import model_identity
from desktop.ml.engine.job import JobSpec
from desktop.ml.watch.record import Recorder

log = logging.getLogger(__name__)

#: The worker's niceness (a background job yields the CPU to the user's own work).
NICE = 10


@dataclass(slots=True)
class WatchOptions:
    sources: list[WatchSource]
    #: Also write each digest here (mirroring the sources); None: History only.
    out_dir: Path | None = None
    fmt: str = "md"
    history: bool = True
    settle_s: float = SETTLE_S
    poll_s: float = POLL_S
    #: Where the manifest lives when there is no output folder.
    state_dir: Path | None = None


class Watcher:
    """``start()`` runs it in a thread; ``on_event`` is called from that thread."""

    def __init__(self, options: WatchOptions, spec: JobSpec, on_event: Callable[[WatchEvent], None] = lambda e: None) -> None:
        if options.fmt not in FORMATS:
            raise WatchError(f"Unknown output format {options.fmt!r}: md, json or both.")
        self.options = options
        self.spec = spec
        self.on_event = on_event
        self.state_dir = options.out_dir or options.state_dir or (paths.data_dir() / "watch")
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._cancel = CancelToken()
        self._thread: threading.Thread | None = None
        self._pool = None
        self.settler = Settler(options.settle_s)
        #: key -> (stamp, sha256) of items already compared with the manifest.
        self._known: dict[str, tuple[tuple[int, ...], str]] = {}
        #: What the last full scan took, and when the next one is due (time.monotonic()).
        self.scan_seconds = 0.0
        self._next_full = 0.0
        engine, model = model_identity(spec)
        self.skey = settings_key({**dataclasses.asdict(spec), "engine": engine, "model": model}, options.fmt, "none")

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self.run, name="precis-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling, cancel the file being summarized (the manifest stays consistent: it is
        redone next time) and wait for the thread."""
        self._stop.set()
        self._cancel.cancel()
        pool = self._pool
        if pool is not None:
            pool.resume()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def pause(self) -> None:
        """Summarize nothing until ``resume``; the file being summarized stops where it is."""
        self._paused.set()
        if self._pool is not None:
            self._pool.pause()
        self.on_event(StateChanged("paused"))

    def resume(self) -> None:
        self._paused.clear()
        if self._pool is not None:
            self._pool.resume()
        self.on_event(StateChanged("watching"))

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    # ------------------------------------------------------------------ loop
    def run(self, once: bool = False) -> None:
        """Poll until stopped (``once``: until everything present is done, then return)."""
        with Manifest(self.state_dir) as manifest:
            recorder = Recorder(manifest, self.options, self.skey, History() if self.options.history else None, self.on_event)
            self.on_event(StateChanged("watching"))
            pending: dict[str, tuple[SourceItem, WatchSource, str]] = {}
            while not self._stop.is_set():
                # Settled while paused: kept until resumed (the settler hands each out only once).
                pending.update((item.key, (item, source, reason)) for item, source, reason in self.poll(manifest, settle_now=once))
                if pending and not self._paused.is_set():
                    todo, pending = list(pending.values()), {}
                    self.on_event(StateChanged("summarizing"))
                    self._summarize(todo, recorder)
                    if not self._stop.is_set():
                        self.on_event(StateChanged("paused" if self._paused.is_set() else "watching"))
                    continue
                if once and not pending:
                    break
                due = self.settler.next_due(self.options.settle_s)
                wait = self.options.poll_s
                self._stop.wait(min(wait, due + 0.05) if due is not None else wait)
        self.on_event(StateChanged("stopped"))

    def poll(self, manifest: Manifest, settle_now: bool = False) -> list[tuple[SourceItem, WatchSource, str]]:
        """One look at every source: a full scan when one is due (paced so that full scans take
        at most half a percent of a core), else the sources' cheap ``changes``; returns the settled
        items whose content the manifest has not done."""
        started = time.perf_counter()
        full = settle_now or time.monotonic() >= self._next_full
        pairs: list[tuple[SourceItem, float]] = []
        owner: dict[str, WatchSource] = {}
        pending = self.settler.pending()
        for source in self.options.sources:
            settle = 0.0 if settle_now else (source.settle_s if source.settle_s is not None else self.options.settle_s)
            try:
                for item in source.scan() if full else source.changes(pending):
                    pairs.append((item, settle))
                    owner[item.key] = source
            except OSError as exc:
                self.on_event(WatchNotice(f"{source.label} cannot be read now: {exc.strerror or exc}."))
        settled = self.settler.update(pairs, complete=full)
        elapsed = time.perf_counter() - started
        if full:
            self.scan_seconds = elapsed
            self._next_full = time.monotonic() + max(self.options.poll_s, elapsed * 200)
        todo = []
        for item in settled:
            source = owner[item.key]
            reason = self._reason(manifest, item, source)
            if reason is not None:
                todo.append((item, source, reason))
                self.on_event(Queued(item.key, item.name, reason))
        return todo

    def _reason(self, manifest: Manifest, item: SourceItem, source: WatchSource) -> str | None:
        known = self._known.get(item.key)
        if known is not None and known[0] == item.stamp:
            sha = known[1]
        else:
            sha = _sha256(item, source)
            self._known[item.key] = (item.stamp, sha)
        row = manifest.get(item.key)
        if row is None:
            return "new"
        if not sha or row.sha256 != sha:
            return "changed"
        if row.settings_key != self.skey:
            return "settings"
        if row.status == "done" and self.options.out_dir is not None and not all(
                (self.options.out_dir / o).is_file() for o in row.outputs):
            return "outputs missing"
        return None  # done, or failed on this very content: not again until it changes

    def _summarize(self, todo: list[tuple[SourceItem, WatchSource, str]], recorder: Recorder) -> None:
        from desktop.ml.batch.local_pool import LocalPool
        from desktop.ml.batch.task import TaskSettings, UnitTask

        tasks, items = [], {}
        for item, source, _ in todo:
            try:
                blob = source.content(item)
            except (OSError, PrecisError) as exc:
                self.on_event(Failed(item.key, item.name, "FileUnreadable", f"{item.name} could not be read: {exc}."))
                continue
            sha = self._known.get(item.key, ((), ""))[1]
            items[item.key] = (item, sha)
            tasks.append(UnitTask(item.key, [item.name], None if blob is None else [blob]))
        if not tasks:
            return
        spec = dataclasses.replace(self.spec, paths=[], threads=self.spec.threads or 1, preview=False)
        pool = self._pool = LocalPool(TaskSettings(spec, "both", nice=NICE), 1)
        if self._paused.is_set():
            pool.pause()
        try:
            pool.run(tasks, lambda result, attempts: recorder.record(result, *items[result.key], attempts),
                     on_start=lambda key, pid: recorder.started(*items[key]), cancel=self._cancel)
        finally:
            self._pool = None


def folder_sources(srcs: list[str], recursive: bool = True) -> list[WatchSource]:
    """Watched folders from paths; one sentence for a path that is not a folder."""
    out: list[WatchSource] = []
    for s in srcs:
        p = Path(s).expanduser()
        if not p.is_dir():
            raise WatchError(f"{s} is not a folder; Precis watches folders (give the folder the files arrive in).")
        out.append(FolderSource(p, recursive=recursive))
    return out


def _sha256(item: SourceItem, source: WatchSource) -> str:
    try:
        blob = source.content(item)
        if blob is not None:
            return hashlib.sha256(blob).hexdigest()
        if item.path is None:
            return ""
        with open(item.path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except (OSError, PrecisError):
        return ""

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
from desktop.core.mailstores import is_imap, store_kind
from desktop.core.mailstores.imap_account import parse_address
from desktop.core.mailstores.options import MailOptions
from desktop.core.watch.events import Failed, Queued, StateChanged, WatchEvent, WatchNotice
from desktop.core.watch.mailbox import MailboxSource
from desktop.core.watch.settle import POLL_S, SETTLE_S, Settler
from desktop.core.watch.sources import FolderSource, GroupedSource, SourceItem, WatchSource
from desktop.ml.batch.manifest import Manifest
from desktop.ml.batch.plan import FORMATS, settings_key
from desktop.ml.batch.sizing import model_identity
from desktop.ml.batch.task import UnitResult
from desktop.ml.engine.job import JobSpec
from desktop.ml.watch.prune import PRUNE_S, prune_bundles
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
        self._next_prune = 0.0
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
            for source in self.options.sources:
                if isinstance(source, GroupedSource):
                    source.attach(self.state_dir)  # where a mailbox keeps what it knows, beside the manifest
            try:
                self._loop(manifest, recorder, once)
            finally:
                for source in self.options.sources:
                    if isinstance(source, GroupedSource):
                        source.close()
        self.on_event(StateChanged("stopped"))

    def _loop(self, manifest: Manifest, recorder: Recorder, once: bool) -> None:
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
            if time.monotonic() >= self._next_prune:
                self._prune(manifest, recorder, pending)
            due = self.settler.next_due(self.options.settle_s)
            wait = self.options.poll_s
            self._stop.wait(min(wait, due + 0.05) if due is not None else wait)

    def _prune(self, manifest: Manifest, recorder: Recorder, pending: dict[str, tuple[SourceItem, WatchSource, str]]) -> None:
        """Mailbox bundles no longer needed (``prune.py``); those waiting to be summarized stay."""
        self._next_prune = time.monotonic() + PRUNE_S
        busy = {str(item.path) for item, _, _ in pending.values() if item.path is not None}
        try:
            removed = prune_bundles(self.options.sources, manifest, recorder.history, busy)
        except (OSError, PrecisError) as exc:  # History unreadable now: tried again at the next pruning
            log.warning("the watched mailboxes' bundles were not pruned: %s", exc)
            return
        if removed:
            log.info("removed %d mailbox bundles no longer needed", len(removed))

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
            except PrecisError as exc:
                self.on_event(WatchNotice(exc.message))
        settled = self.settler.update(pairs, complete=full)
        elapsed = time.perf_counter() - started
        if full:
            self.scan_seconds = elapsed
            self._next_full = time.monotonic() + max(self.options.poll_s, elapsed * 200)
        todo = []
        known: dict[int, tuple[GroupedSource, list[SourceItem]]] = {}
        for item in settled:
            source = owner[item.key]
            reason = self._reason(manifest, item, source)
            if reason is not None:
                todo.append((item, source, reason))
            elif item.group is not None and isinstance(source, GroupedSource):
                known.setdefault(id(source), (source, []))[1].append(item)  # done before a restart
        for grouped, items in known.values():
            grouped.recorded(items)
        todo = self._bundled(todo)
        for source in self.options.sources:
            if isinstance(source, GroupedSource):
                for text in source.take_notices():
                    self.on_event(WatchNotice(text))
        for item, _, reason in todo:
            self.on_event(Queued(item.key, item.name, reason))
        return todo

    def _bundled(self, todo: list[tuple[SourceItem, WatchSource, str]]) -> list[tuple[SourceItem, WatchSource, str]]:
        """A mailbox's new messages, one file per folder (``bundle``): one digest each."""
        out: list[tuple[SourceItem, WatchSource, str]] = []
        groups: dict[int, tuple[GroupedSource, list[SourceItem]]] = {}
        for item, source, reason in todo:
            if item.group is not None and isinstance(source, GroupedSource):
                groups.setdefault(id(source), (source, []))[1].append(item)
            else:
                out.append((item, source, reason))
        for source, items in groups.values():
            try:
                out.extend((b, source, "new") for b in source.bundle(items))
            except (OSError, PrecisError) as exc:
                reason = exc.message if isinstance(exc, PrecisError) else (exc.strerror or str(exc))
                self.on_event(WatchNotice(f"The new mail of {source.label} could not be set aside to summarize "
                                          f"({reason}); Precis tries again."))
                self.settler.forget([i.key for i in items])
        return out

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
            items[item.key] = (item, self._sha_of(item.key), source)
            where = str(item.path) if item.parts and item.path is not None else item.name
            tasks.append(UnitTask(item.key, [where], None if blob is None else [blob]))
        if not tasks:
            return
        spec = dataclasses.replace(self.spec, paths=[], threads=self.spec.threads or 1, preview=False)
        pool = self._pool = LocalPool(TaskSettings(spec, "both", nice=NICE), 1)
        if self._paused.is_set():
            pool.pause()
        try:
            pool.run(tasks, lambda result, attempts: self._record(recorder, result, *items[result.key], attempts),
                     on_start=lambda key, pid: recorder.started(*items[key][:2]), cancel=self._cancel)
        finally:
            self._pool = None


    def _sha_of(self, key: str) -> str:
        return self._known.get(key, ((), ""))[1]

    def _record(self, recorder: Recorder, result: UnitResult, item: SourceItem, sha: str, source: WatchSource,
                attempts: int) -> None:
        """The outcome in the manifest (a row per message of a mailbox's bundle); then the mailbox
        knows those messages are recorded and lists them no more."""
        recorder.record(result, item, sha, attempts, [(p, self._sha_of(p.key)) for p in item.parts])
        if item.parts and isinstance(source, GroupedSource):
            source.recorded(item.parts)


def folder_sources(srcs: list[str], recursive: bool = True, *, mail: MailOptions | None = None,
                   passwords: dict[str, str] | None = None, mail_check_s: float | None = None,
                   idle: bool = True) -> list[WatchSource]:
    """Watched sources from what a user names: mail stores (a Maildir, a Thunderbird profile or
    folder, Apple Mail's folders; a folder of .eml files when ``mail`` names folders) and
    ``imap(s)://`` addresses become watched mailboxes (``mail``'s folders, certificate and timeout;
    ``passwords`` by account key; held in IDLE unless ``idle`` is False), other folders watched
    folders; one sentence for the rest."""
    out: list[WatchSource] = []
    mail = mail or MailOptions()
    for s in srcs:
        if is_imap(s):
            account = parse_address(s)
            out.append(MailboxSource(s, folders=mail.folders, options=mail, check_s=mail_check_s,
                                     password=(passwords or {}).get(account.key), idle=idle))
            continue
        p = Path(s).expanduser()
        kind = store_kind(p, saved_messages=bool(mail.folders))
        if kind is not None:
            out.append(MailboxSource(str(p), kind=kind, folders=mail.folders, options=mail, check_s=mail_check_s))
            continue
        if not p.is_dir():
            raise WatchError(f"{s} is not a folder; Precis watches folders and mailboxes (give the folder the files "
                             "arrive in, a mail store or an imaps:// address).")
        out.append(FolderSource(p, recursive=recursive))
    return out


def _sha256(item: SourceItem, source: WatchSource) -> str:
    if isinstance(source, GroupedSource):
        return source.fingerprint(item)
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

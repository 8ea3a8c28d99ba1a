"""The one bridge between the window and the summarizer's worker process.

The worker (``desktop.ml.worker.worker_main``) holds the loaded model and runs one job at a
time; its typed messages (``desktop.ml.protocol``) become the Qt signals below, in ``_dispatch``. Cancel sets a shared flag the engine checks
between batches and inside generation; if the worker has not stopped within
``CANCEL_GRACE_MS`` (a model still loading, a conversion running) it is killed and a fresh
one started, so Cancel always acts within a second. A worker that dies on its own (a crash,
the out-of-memory killer) is reported with ``worker_died`` and replaced.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util  # noqa: F401 - registers its exit handler now, so ours (registered below) runs first
import weakref
from collections import deque

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.events import Event, Notice, Partial, Preview, Progress
from desktop.gui.process.child_process import ChildProcess, describe_exit
from desktop.ml.engine.job import JobSpec
from desktop.ml.protocol import (
    EventMessage,
    Exited,
    Failed,
    JobFinished,
    Message,
    Ready,
    RunJob,
    Shutdown,
    Started,
    WasCancelled,
)
from desktop.ml.worker import worker_main

log = logging.getLogger(__name__)

#: How long a cancelled job may take to stop by itself before the worker is killed.
CANCEL_GRACE_MS = 800
#: How often messages are collected while a job runs, and while the worker idles.
BUSY_POLL_MS = 30
IDLE_POLL_MS = 250
#: A worker that dies this many times in a row before it is even up is not restarted again.
MAX_FAILED_STARTS = 3

_live_bridges: weakref.WeakSet[WorkerBridge] = weakref.WeakSet()


def died_sentence(exitcode: int | None) -> str:
    return (f"The summarizer stopped unexpectedly ({describe_exit(exitcode)}). It has been restarted; press Retry "
            "to run the job again. Summaries finished before the stop are cached.")


class WorkerBridge(QObject):
    """Owns the worker process; ``submit`` jobs, ``cancel`` them, watch the signals.

    Jobs submitted while one runs wait here (not in the worker's pipe), so a restart loses none.
    """

    #: job_id, stage, done, total, eta in seconds (-1: unknown)
    progress = Signal(str, str, int, int, float)
    #: job_id, text, source (a finished chunk or merge summary)
    partial = Signal(str, str, str)
    #: job_id, (Digest, replaced point indices): the extractive preview, then each point the model rewrote
    preview = Signal(str, object)
    #: job_id, text (a skipped file, a fallback to the extractive engine)
    notice = Signal(str, str)
    #: job_id, ``protocol.JobFinished`` (the Digest, its Documents, the files left out)
    finished = Signal(str, object)
    #: job_id, the typed error's name (PasswordRequired, ModelNotFound, ...; ``protocol.error_kind``), sentence
    failed = Signal(str, str, str)
    cancelled = Signal(str)
    #: job_id ("" when no job was running), sentence; the job failed with ``WorkerDied``
    worker_died = Signal(str, str)
    #: a worker process is up and waiting for jobs
    worker_started = Signal()
    #: job_id: the worker has taken the job (it was waiting before)
    started = Signal(str)

    def __init__(self, parent: QObject | None = None, *, start: bool = False) -> None:
        super().__init__(parent)
        self._child: ChildProcess | None = None
        self._ready = False
        self._current: str | None = None
        self._current_spec: JobSpec | None = None
        self._job_started = False
        self._waiting: deque[tuple[str, JobSpec]] = deque()
        self._cancel_requested: set[str] = set()
        self._failed_starts = 0
        self._closed = False
        self._abandoned: list[ChildProcess] = []
        self._timer = QTimer(self)
        self._timer.setInterval(IDLE_POLL_MS)
        self._timer.timeout.connect(self._drain)
        _live_bridges.add(self)
        if start:
            self.start()

    # ----- public ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker now (it also starts on the first ``submit``); returns at once."""
        if self._closed:
            return
        if self._child is None:
            self._spawn()

    def submit(self, job_id: str, spec: JobSpec) -> None:
        if self._closed:
            raise RuntimeError("the worker bridge has been shut down")
        self._waiting.append((job_id, spec))
        if self._child is None:
            self._failed_starts = 0
            self._spawn()
        self._pump()

    def cancel(self, job_id: str) -> None:
        """Stop a job: at once if it is waiting; within ``CANCEL_GRACE_MS`` if it runs."""
        for i, (waiting_id, _spec) in enumerate(self._waiting):
            if waiting_id == job_id:
                del self._waiting[i]
                self.cancelled.emit(job_id)
                return
        if job_id != self._current or job_id in self._cancel_requested or self._child is None:
            return
        self._cancel_requested.add(job_id)
        self._child.flag.set()
        child = self._child
        QTimer.singleShot(CANCEL_GRACE_MS, self, lambda: self._enforce_cancel(job_id, child))

    def is_busy(self) -> bool:
        return self._current is not None or bool(self._waiting)

    def current_job(self) -> str | None:
        return self._current

    def worker_pid(self) -> int | None:
        """The worker's process id (None before it starts); for diagnostics and tests."""
        return self._child.pid if self._child is not None and not self._child.exited else None

    def is_ready(self) -> bool:
        return self._ready

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop the worker (and any job) and reap every process; call on app exit."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self._waiting.clear()
        child, self._child = self._child, None
        if child is not None:
            if self._current is not None:
                child.flag.set()
            child.send(Shutdown())
            child.close_requests()
            if not child.wait(timeout):
                child.kill()
                child.wait(5)
        for old in self._abandoned:
            if not old.wait(1.0):
                old.kill()
                old.wait(5)
        self._abandoned.clear()
        self._current = None
        _live_bridges.discard(self)

    # ----- the worker process --------------------------------------------------------------
    def _spawn(self) -> None:
        self._ready = False
        try:
            self._child = ChildProcess(worker_main, name="precis-worker", requests=True)
        except (OSError, RuntimeError) as exc:
            log.exception("the worker process could not be started")
            self._child = None
            self._give_up(f"The summarizer could not be started ({exc}). Close other programs and try again.")
            return
        self._timer.setInterval(BUSY_POLL_MS)
        self._timer.start()

    def _abandon(self) -> None:
        """Kill the current worker without waiting; its reader thread reaps it."""
        child, self._child = self._child, None
        if child is not None:
            child.kill()
            self._abandoned = [c for c in self._abandoned if not c.exited] + [child]
        self._ready = False

    def _pump(self) -> None:
        if self._child is None or self._current is not None or not self._waiting:
            self._timer.setInterval(BUSY_POLL_MS if self._current is not None or not self._ready else IDLE_POLL_MS)
            return
        job_id, spec = self._waiting.popleft()
        self._current, self._current_spec, self._job_started = job_id, spec, False
        self._timer.setInterval(BUSY_POLL_MS)
        if not self._child.send(RunJob(job_id, spec)):
            log.warning("the worker's request pipe is closed; waiting for its exit to be noticed")

    def _end_current(self) -> str | None:
        job_id = self._current
        self._current, self._current_spec, self._job_started = None, None, False
        if job_id is not None:
            self._cancel_requested.discard(job_id)
        return job_id

    def _enforce_cancel(self, job_id: str, child: ChildProcess) -> None:
        if self._closed or child is not self._child or self._current != job_id:
            return  # it stopped by itself (or the worker was replaced meanwhile)
        log.info("job %s did not stop within %d ms; killing the worker", job_id, CANCEL_GRACE_MS)
        self._abandon()
        self._end_current()
        self._spawn()
        self.cancelled.emit(job_id)
        self._pump()

    def _give_up(self, sentence: str) -> None:
        job_ids = [j for j in [self._end_current()] if j is not None] + [j for j, _ in self._waiting]
        self._waiting.clear()
        self._timer.stop()
        for job_id in job_ids or [""]:
            self.worker_died.emit(job_id, sentence)

    # ----- messages ------------------------------------------------------------------------
    def _drain(self) -> None:
        child = self._child
        if child is None:
            return
        for message in child.messages():
            if self._child is not child:
                break  # a handler replaced or shut the worker; the rest is stale
            try:
                self._dispatch(child, message)
            except Exception:
                log.exception("handling worker message %s failed", type(message).__name__)

    def _dispatch(self, child: ChildProcess, message: Message) -> None:
        """Where a worker's message becomes a signal."""
        if isinstance(message, Exited):
            self._on_exit(message.exitcode)
            return
        if isinstance(message, Ready):
            self._ready = True
            self._failed_starts = 0
            self.worker_started.emit()
            self._pump()
            return
        job_id = getattr(message, "task_id", None)
        if job_id is None or job_id != self._current:
            return  # from a job already settled here (cancelled while waiting, say)
        if isinstance(message, Started):
            self._job_started = True
            if job_id in self._cancel_requested:
                child.flag.set()  # the worker clears the flag when it takes a job
            self.started.emit(job_id)
        elif isinstance(message, EventMessage):
            self._emit_event(job_id, message.event)
        elif isinstance(message, (JobFinished, Failed, WasCancelled)):
            self._end_current()
            if isinstance(message, JobFinished):
                self.finished.emit(job_id, message)
            elif isinstance(message, Failed):
                self.failed.emit(job_id, message.error, message.message)
            else:
                self.cancelled.emit(job_id)
            self._pump()

    def _emit_event(self, job_id: str, event: Event) -> None:
        if isinstance(event, Progress):
            eta = -1.0 if event.eta_s is None else float(event.eta_s)
            self.progress.emit(job_id, event.stage, int(event.done), int(event.total), eta)
        elif isinstance(event, Partial):
            self.partial.emit(job_id, event.text, event.source)
        elif isinstance(event, Preview):
            self.preview.emit(job_id, (event.digest, tuple(event.replaced)))
        elif isinstance(event, Notice):
            self.notice.emit(job_id, event.text)

    def _on_exit(self, exitcode: int | None) -> None:
        child, self._child = self._child, None
        if child is not None:
            self._abandoned = [c for c in self._abandoned if not c.exited]
        if self._closed:
            return
        was_ready = self._ready
        self._ready = False
        log.error("the worker process exited unexpectedly (%s)", describe_exit(exitcode))
        if not was_ready:
            self._failed_starts += 1
            if self._failed_starts >= MAX_FAILED_STARTS:
                from desktop.core import paths

                self._give_up(f"The summarizer could not start ({describe_exit(exitcode)}). The details are in "
                              f"{paths.log_dir()}; reinstalling Precis may help.")
                return
        started, spec = self._job_started, self._current_spec
        job_id = self._end_current()
        if job_id is not None and not started and spec is not None:
            self._waiting.appendleft((job_id, spec))  # it never ran: the new worker takes it
            job_id = None
        self._spawn()
        self.worker_died.emit(job_id or "", died_sentence(exitcode))
        self._pump()


def _shutdown_all() -> None:
    """Before multiprocessing's own exit handler joins the (non-daemon) workers."""
    for bridge in list(_live_bridges):
        try:
            bridge.shutdown(timeout=1.0)
        except Exception:  # exiting anyway
            log.exception("stopping the worker at exit failed")


atexit.register(_shutdown_all)

"""The queue of summarization jobs: one runs at a time through the worker bridge, in order.

Each job's spec is made from the settings the window holds in memory (``JobSpec.from_settings``),
never read back from the settings file. The queue outlives any view of it: closing the digest or
the queue panel loses no job.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.digest import Digest
from desktop.core.document import Document
from desktop.core.errors import PrecisError
from desktop.core.render import to_markdown
from desktop.core.settings import Settings, load_settings
from desktop.gui.process.worker_bridge import WorkerBridge
from desktop.ml.engine.job import JobSpec
from desktop.ml.protocol import JobFinished, WorkerDied, error_kind

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
ENDED = (DONE, FAILED, CANCELLED)


@dataclass
class Job:
    id: str
    title: str
    paths: list[str]
    spec: JobSpec
    state: str = QUEUED
    stage: str = ""
    done: int = 0
    total: int = 0
    #: seconds left; -1 when unknown
    eta_s: float = -1.0
    labels: dict[str, str] = field(default_factory=dict)
    #: the worker's message for a finished job: the Digest, its Documents, the files left out
    result: JobFinished | None = None
    error: str = ""
    #: the typed error's name (``error_kind`` gives its class)
    error_name: str = ""
    notices: list[str] = field(default_factory=list)
    #: (text, source) of chunk summaries as they arrived, for a digest view opened mid-job
    partials: list[tuple[str, str]] = field(default_factory=list)
    #: (Digest, replaced point indices): the latest extractive preview, for a view opened mid-job
    preview: Any = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    cancel_requested: bool = False
    _eta_stage: str = field(default="", repr=False)
    _eta_t0: float = field(default=0.0, repr=False)
    _eta_done0: int = field(default=0, repr=False)
    _markdown: str | None = field(default=None, repr=False)

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    @property
    def fraction(self) -> float:
        if self.state == DONE:
            return 1.0
        return min(1.0, self.done / self.total) if self.total > 0 else 0.0

    def label_text(self) -> str:
        return label_text(self.labels)

    @property
    def error_kind(self) -> type[PrecisError]:
        """The class of the typed error the job failed with (``PrecisError`` when unnamed)."""
        return error_kind(self.error_name)

    def digest(self) -> Digest | None:
        """The finished job's Digest (None before)."""
        return self.result.digest if self.result is not None else None

    def documents(self) -> list[Document]:
        """The finished job's Documents (for the source view)."""
        return self.result.documents if self.result is not None else []

    def markdown(self) -> str:
        """The finished digest as Markdown with citation links, rendered once for History and the view."""
        if self._markdown is None and self.result is not None:
            self._markdown = to_markdown(self.result.digest, links=True)
        return self._markdown or ""


def label_text(labels: dict[str, str]) -> str:
    """"business mail · urgent · asks you" from the engine's labels."""
    parts = []
    if labels.get("type"):
        parts.append(labels["type"])
    if labels.get("urgency") and labels["urgency"] not in ("normal", "not urgent", "no"):
        parts.append(labels["urgency"])
    if labels.get("asks_reader") == "yes":
        parts.append("asks you")
    return " · ".join(parts)


def default_title(paths: list[str], query: str | None = None) -> str:
    names = [Path(p).name or str(p) for p in paths]
    if not names:
        base = "Nothing"
    elif len(names) == 1:
        base = f"{names[0]} (folder)" if Path(paths[0]).is_dir() else names[0]
    else:
        base = f"{names[0]} + {len(names) - 1} more"
    if query:
        short = query if len(query) <= 60 else query[:57] + "..."
        return f"“{short}” · {base}"
    return base


class JobQueue(QObject):
    job_added = Signal(str)
    #: state, stage, progress, ETA or labels changed
    job_changed = Signal(str)
    #: the job ended: done, failed or cancelled
    job_finished = Signal(str)
    job_removed = Signal(str)
    #: job_id, text, source
    job_partial = Signal(str, str, str)
    #: job_id, (Digest, replaced point indices)
    job_preview = Signal(str, object)
    #: job_id, text
    job_notice = Signal(str, str)

    def __init__(self, bridge: WorkerBridge | None = None, parent: QObject | None = None, *,
                 settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge if bridge is not None else WorkerBridge(self)
        #: the settings of jobs queued without their own (the window passes its own each time)
        self.settings = settings if settings is not None else load_settings()
        self._jobs: dict[str, Job] = {}
        self._order: list[str] = []
        self._running: str | None = None
        #: running jobs to forget as soon as their cancel is through
        self._remove_after_end: set[str] = set()
        b = self.bridge
        b.started.connect(self._on_started)
        b.progress.connect(self._on_progress)
        b.partial.connect(self._on_partial)
        b.preview.connect(self._on_preview)
        b.notice.connect(self._on_notice)
        b.finished.connect(self._on_finished)
        b.failed.connect(self._on_failed)
        b.cancelled.connect(self._on_cancelled)
        b.worker_died.connect(self._on_worker_died)

    # ----- public ------------------------------------------------------------------------
    def enqueue(self, paths: list[str], *, settings: Settings | None = None, query: str | None = None,
                title: str | None = None, together: bool = True, **spec_overrides: Any) -> str:
        """Queue a job (``together``: one digest of all ``paths``; otherwise one job per path,
        and the first job's id is returned). Its spec comes from ``settings`` (default: the
        queue's), then ``spec_overrides`` (any JobSpec field: ``length="long"``, ``model="extractive"``...)."""
        paths = [str(p) for p in paths]
        groups = [paths] if together or len(paths) <= 1 else [[p] for p in paths]
        ids = []
        for group in groups:
            spec = JobSpec.from_settings(settings or self.settings, group, query=query, **spec_overrides)
            job = Job(id=uuid.uuid4().hex[:12], title=title or default_title(group, query), paths=group, spec=spec)
            self._jobs[job.id] = job
            self._order.append(job.id)
            ids.append(job.id)
            self.job_added.emit(job.id)
        self._start_next()
        return ids[0]

    def cancel(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.ended:
            return
        if job.state == QUEUED:
            self._end(job, CANCELLED, stage="cancelled")
            return
        if not job.cancel_requested:
            job.cancel_requested = True
            job.stage = "cancelling…"
            self.job_changed.emit(job_id)
            self.bridge.cancel(job_id)

    def cancel_all(self) -> None:
        for job_id in list(self._order):
            self.cancel(job_id)

    def retry(self, job_id: str) -> None:
        """Run a failed or cancelled job again (the summary cache makes finished chunks free)."""
        job = self._jobs.get(job_id)
        if job is None or job.state not in (FAILED, CANCELLED):
            return
        job.state, job.stage, job.done, job.total, job.eta_s = QUEUED, "", 0, 0, -1.0
        job.error = job.error_name = ""
        job.started = job.finished = None
        job.cancel_requested = False
        job.partials.clear()
        job.preview = None
        job.notices.clear()
        self._order.remove(job_id)
        self._order.append(job_id)
        self.job_changed.emit(job_id)
        self._start_next()

    def remove(self, job_id: str) -> None:
        """Forget a job (a running one is cancelled first, then removed)."""
        job = self._jobs.get(job_id)
        if job is None:
            return
        if job.state == RUNNING:
            self._remove_after_end.add(job_id)
            self.cancel(job_id)
            return
        del self._jobs[job_id]
        self._order.remove(job_id)
        self.job_removed.emit(job_id)

    def clear_finished(self) -> None:
        for job_id in [j for j in self._order if self._jobs[j].state == DONE]:
            self.remove(job_id)

    def jobs(self) -> list[Job]:
        return [self._jobs[j] for j in self._order]

    def job(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def running(self) -> Job | None:
        return self._jobs.get(self._running) if self._running else None

    def is_busy(self) -> bool:
        return self._running is not None or any(self._jobs[j].state == QUEUED for j in self._order)

    def shutdown(self) -> None:
        self.bridge.shutdown()

    # ----- running -----------------------------------------------------------------------
    def _start_next(self) -> None:
        if self._running is not None:
            return
        for job_id in self._order:
            job = self._jobs[job_id]
            if job.state == QUEUED:
                self._running = job_id
                job.state, job.stage, job.started = RUNNING, "starting", time.time()
                self.job_changed.emit(job_id)
                self.bridge.submit(job_id, job.spec)
                return

    def _end(self, job: Job, state: str, *, stage: str = "", error: str = "", error_name: str = "") -> None:
        job.state, job.finished, job.eta_s = state, time.time(), -1.0
        job.stage = stage or state
        job.error, job.error_name = error, error_name
        if state == DONE:
            job.done = job.total = max(job.total, 1)
            job.eta_s = 0.0
        if self._running == job.id:
            self._running = None
        self.job_changed.emit(job.id)
        self.job_finished.emit(job.id)
        if job.id in self._remove_after_end:
            self._remove_after_end.discard(job.id)
            self.remove(job.id)
        # Later, not now: the slots of job_finished see a quiet queue first.
        QTimer.singleShot(0, self, self._start_next)

    def _job(self, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None and not job.ended else None

    def _on_started(self, job_id: str) -> None:
        job = self._job(job_id)
        if job is not None and not job.cancel_requested:
            job.stage = "reading"
            self.job_changed.emit(job_id)

    def _on_progress(self, job_id: str, stage: str, done: int, total: int, eta_s: float) -> None:
        job = self._job(job_id)
        if job is None or job.cancel_requested:
            return
        job.stage, job.done, job.total = stage, done, total
        job.eta_s = eta_s if eta_s >= 0 else _estimate_eta(job, stage, done, total)
        self.job_changed.emit(job_id)

    def _on_partial(self, job_id: str, text: str, source: str) -> None:
        job = self._job(job_id)
        if job is not None:
            job.partials.append((text, source))
            self.job_partial.emit(job_id, text, source)

    def _on_preview(self, job_id: str, preview: Any) -> None:
        job = self._job(job_id)
        if job is not None and not job.cancel_requested:
            job.preview = preview
            self.job_preview.emit(job_id, preview)

    def _on_notice(self, job_id: str, text: str) -> None:
        job = self._job(job_id)
        if job is not None:
            job.notices.append(text)
            self.job_notice.emit(job_id, text)

    def _on_finished(self, job_id: str, finished: object) -> None:
        job = self._job(job_id)
        if job is None:
            return
        job.result = finished if isinstance(finished, JobFinished) else None
        job.labels = job.result.digest.labels() if job.result is not None else {}
        self._end(job, DONE)

    def _on_failed(self, job_id: str, error_name: str, message: str) -> None:
        job = self._job(job_id)
        if job is not None:
            self._end(job, FAILED, stage="failed", error=message, error_name=error_name)

    def _on_cancelled(self, job_id: str) -> None:
        job = self._job(job_id)
        if job is not None:
            self._end(job, CANCELLED, stage="cancelled")

    def _on_worker_died(self, job_id: str, message: str) -> None:
        job = self._job(job_id) if job_id else None
        if job is not None:
            self._end(job, FAILED, stage="failed", error=message, error_name=WorkerDied.__name__)
        elif not job_id:
            log.warning("worker died while idle: %s", message)


def _estimate_eta(job: Job, stage: str, done: int, total: int) -> float:
    """Seconds left from the pace of the current stage ("summarizing", "merging"...), or -1."""
    kind = stage.split(" ", 1)[0]
    now = time.monotonic()
    if kind != job._eta_stage or done < job._eta_done0:
        job._eta_stage, job._eta_t0, job._eta_done0 = kind, now, done
        return -1.0
    elapsed, progressed = now - job._eta_t0, done - job._eta_done0
    if total <= 0 or progressed <= 0 or elapsed < 0.5:
        return -1.0
    return max(0.0, elapsed / progressed * (total - done))

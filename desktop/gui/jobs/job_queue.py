"""The queue of summarization jobs: one runs at a time through the worker bridge, in order.

The queue outlives any view of it: closing the digest or the queue panel loses no job.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.gui.process.worker_bridge import WorkerBridge
from desktop.ml.engine.job import JobSpec

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
ENDED = (DONE, FAILED, CANCELLED)
_SPEC_FIELDS = frozenset(f.name for f in dataclasses.fields(JobSpec))


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
    #: the worker's payload: {"digest": dict, "documents": [dict], "errors": [dict]}
    result: dict[str, Any] | None = None
    error: str = ""
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
    _digest: Any = field(default=None, repr=False)
    _documents: Any = field(default=None, repr=False)

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

    def digest(self) -> Any:
        """The finished job's Digest (None before), converted once."""
        if self._digest is None and self.result is not None:
            from desktop.core.digest import Digest

            self._digest = Digest.from_dict(self.result["digest"])
        return self._digest

    def documents(self) -> list[Any]:
        """The finished job's Documents (for the source view), converted once."""
        if self._documents is None and self.result is not None:
            from desktop.core.document import Document

            self._documents = [Document.from_dict(d) for d in self.result.get("documents", [])]
        return self._documents or []


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


def spec_from_settings(paths: list[str], *, query: str | None = None, **overrides: Any) -> JobSpec:
    """A JobSpec with the user's settings, then ``overrides`` (any JobSpec field)."""
    from desktop.core.settings import load_settings

    unknown = set(overrides) - _SPEC_FIELDS
    if unknown:
        raise TypeError(f"unknown job setting(s): {', '.join(sorted(unknown))}")
    s = load_settings()
    spec = JobSpec(
        paths=[str(p) for p in paths],
        engine="extractive" if s.model == "extractive" else "auto",
        model=s.model, backend=s.backend, quantization=s.quantization, device=s.device, threads=s.threads,
        length=s.length, query=query, input_budget=s.input_budget, model_store=s.model_store, limits=s.limits(),
        ocr=s.ocr, ocr_lang=s.ocr_lang,
    )
    for key, value in overrides.items():
        setattr(spec, key, value)
    if overrides.get("model") == "extractive" and "engine" not in overrides:
        spec.engine = "extractive"
    return spec


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

    def __init__(self, bridge: WorkerBridge | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge if bridge is not None else WorkerBridge(self)
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
    def enqueue(self, paths: list[str], *, query: str | None = None, title: str | None = None,
                together: bool = True, **spec_overrides: Any) -> str:
        """Queue a job (``together``: one digest of all ``paths``; otherwise one job per path,
        and the first job's id is returned). Settings come from ``load_settings()``, then
        ``spec_overrides`` (any JobSpec field: ``length="long"``, ``model="extractive"``...)."""
        paths = [str(p) for p in paths]
        groups = [paths] if together or len(paths) <= 1 else [[p] for p in paths]
        ids = []
        for group in groups:
            spec = spec_from_settings(group, query=query, **spec_overrides)
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

    def _on_finished(self, job_id: str, payload: object) -> None:
        job = self._job(job_id)
        if job is None:
            return
        job.result = payload if isinstance(payload, dict) else None
        digest = job.result.get("digest", {}) if job.result else {}
        job.labels = dict(digest.get("labels") or {})
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
            self._end(job, FAILED, stage="failed", error=message, error_name="WorkerDied")
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

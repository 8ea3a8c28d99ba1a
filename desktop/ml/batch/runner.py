"""The batch driver: plan against the manifest, run the units on local workers or a Ray cluster,
and write every result itself (outputs atomically first, then the manifest row)."""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.atomic import atomic_write_text
from desktop.core.errors import BatchError, PrecisError
from desktop.core.events import CancelToken, EventCallback, Notice, ignore_events
from desktop.core.ingest import is_mail_address
from desktop.ml.batch.imap_units import ImapPlan, plan_imap, ship, split_sources
from desktop.ml.batch.manifest import Manifest, Row
from desktop.ml.batch.plan import FORMATS, TOGETHER, Plan, Unit, make_plan, make_units, settings_key
from desktop.ml.batch.sizing import WorkerPlan, model_identity, plan_workers
from desktop.ml.batch.task import TaskSettings, UnitResult, UnitTask
from desktop.ml.engine.job import JobSpec

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BatchOptions:
    srcs: list[str]
    out_dir: Path
    recursive: bool = False
    together: str = "none"
    fmt: str = "md"
    #: None: from the cores and the memory (local), or the cluster's CPUs (Ray).
    workers: int | None = None
    #: None: this machine; "ray": a local Ray started for the run; else a Ray address ("ray://HOST:PORT").
    cluster: str | None = None
    #: Ray only: the sources are on a filesystem every node sees (else their bytes are sent).
    shared_fs: bool = False


@dataclass(slots=True)
class BatchSummary:
    run: str
    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    started: float = field(default_factory=time.monotonic)
    workers: WorkerPlan | None = None
    missing: list[Row] = field(default_factory=list)
    #: Rows written by this run, in order.
    rows: list[Row] = field(default_factory=list)

    @property
    def finished(self) -> int:
        return self.done + self.failed

    def files_per_minute(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.finished / elapsed * 60 if elapsed > 0 and self.finished else 0.0


RowCallback = Callable[[Row, BatchSummary], None]


def run_batch(options: BatchOptions, spec: JobSpec, *, on_row: RowCallback | None = None,
              on_plan: Callable[[Plan, BatchSummary], None] | None = None,
              on_start: Callable[[str, int], None] | None = None,
              on_event: EventCallback = ignore_events, cancel: CancelToken | None = None) -> BatchSummary:
    """Run (or resume) a batch. Raises BatchError when it cannot start; a bad file is a failed row."""
    if options.together not in TOGETHER or options.fmt not in FORMATS:
        raise BatchError("Unknown --together or --format value.")
    cancel = cancel or CancelToken()
    summary = BatchSummary(run=time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6])
    engine, model_id = model_identity(spec)
    skey = settings_key({**dataclasses.asdict(spec), "engine": engine, "model": model_id}, options.fmt, options.together)
    with Manifest(options.out_dir) as manifest:
        local, remote = split_sources(options.srcs)
        root, units = (make_units(local, recursive=options.recursive, together=options.together,
                                  saved_messages=spec.mail.narrowed) if local else (options.out_dir, []))
        imap = plan_imap(remote, spec.mail, spec.limits, spec.passwords) if remote else ImapPlan()
        plan = make_plan(units + imap.units, root, manifest, skey, options.fmt)
        summary.total, summary.skipped, summary.missing = plan.total, len(plan.up_to_date), plan.missing
        for row in plan.missing:
            on_event(Notice(f"{row.key} is no longer in the sources; its digest was kept.", row.sources[0] if row.sources
                            else None, "FileUnreadable"))
            if row.status != "skipped":
                manifest.append(dataclasses.replace(
                    row, status="skipped", error="FileUnreadable", run=summary.run, finished="",
                    message=f"{row.key} is no longer in the sources (moved or deleted); its digest was kept."))
        by_key = {u.key: u for u in plan.todo}
        # A Ray actor holds one CPU (num_cpus=1), so its model gets one thread unless asked otherwise.
        run_spec = dataclasses.replace(spec, threads=spec.threads or 1)
        if options.cluster is None:
            summary.workers = plan_workers(spec, options.workers, engine, units=len(plan.todo))
            run_spec = dataclasses.replace(spec, threads=summary.workers.threads)
            if summary.workers.note:
                on_event(Notice(summary.workers.note))
        if on_plan:
            on_plan(plan, summary)
        if options.cluster is not None:  # the actors get IMAP mail as bytes, never its password
            run_spec = dataclasses.replace(run_spec, passwords={k: v for k, v in spec.passwords.items()
                                                                 if not is_mail_address(k)})
        else:  # local workers log in with what worked here (a password typed or in this session's memory)
            run_spec = dataclasses.replace(run_spec, passwords={**spec.passwords, **imap.passwords})
        settings = TaskSettings(dataclasses.replace(run_spec, paths=[]), options.fmt)

        def record(result: UnitResult, attempts: int) -> None:
            unit = by_key[result.key]
            row = _write(options.out_dir, manifest, unit, result, attempts, skey, options.fmt, summary.run)
            if row.status == "done":
                summary.done += 1
            else:
                summary.failed += 1
            summary.rows.append(row)
            if on_row:
                on_row(row, summary)

        def retried(key: str, attempts: int) -> None:
            summary.retried += 1
            on_event(Notice(f"The worker summarizing {key} died; trying it again ({attempts + 1}).", key, "WorkerCrashed"))

        for key, error in imap.failed.items():  # the server did not answer for them: one sentence each
            if key in by_key:
                record(UnitResult(key, "failed", error.name, error.message), 1)
        tasks = [UnitTask(u.key, [str(p) for p in u.sources]) for u in plan.todo if u.key not in imap.failed]
        if tasks:
            if options.cluster is None:
                from desktop.ml.batch.local_pool import LocalPool

                assert summary.workers is not None
                pool = LocalPool(settings, summary.workers.workers)
                summary.cancelled = not pool.run(tasks, record, on_start=on_start, on_retry=retried, cancel=cancel)
            else:
                from desktop.ml.batch.ray_cluster import run_on_ray

                summary.cancelled = not run_on_ray(tasks, settings, record, address=options.cluster,
                                                   workers=options.workers, shared_fs=options.shared_fs,
                                                   fetch=_fetcher(spec, record), on_event=on_event, cancel=cancel)
    summary.seconds = time.monotonic() - summary.started
    return summary


def _fetcher(spec: JobSpec, record: Callable[[UnitResult, int], None]) -> Callable[[UnitTask], UnitTask | None]:
    """For a cluster: an IMAP unit's messages fetched here and carried as bytes (a node may not
    reach the mail server, and never gets the password); a unit whose server fails now is
    recorded failed (None), the rest go on."""
    def fetch(task: UnitTask) -> UnitTask | None:
        try:
            return ship(task, spec.mail, spec.limits, spec.passwords)
        except PrecisError as exc:
            record(UnitResult(task.key, "failed", exc.name, exc.message), 1)
            return None

    return fetch


def _write(out_dir: Path, manifest: Manifest, unit: Unit, result: UnitResult, attempts: int, skey: str,
           fmt: str, run: str) -> Row:
    """Outputs first (each atomically), then the row: a kill between the two only means the next
    run redoes the unit into the same paths."""
    outputs: list[str] = []
    status, error, message = result.status, result.error, result.message
    if status == "done":
        try:
            for ext, text in result.texts.items():
                rel = unit.stem + ext
                target = out_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_text(target, text)
                outputs.append(rel)
        except OSError as exc:
            status, error = "failed", "BatchError"
            message = f"The digest of {unit.key} could not be written: {exc.strerror or exc}."
    row = Row(key=unit.key, sources=[str(p) for p in unit.sources], sha256=unit.sha256, settings_key=skey,
              status=status, error=error, message=message, seconds=round(result.seconds, 3), outputs=outputs,
              file_errors=result.file_errors, attempts=attempts, run=run)
    manifest.append(row)
    return row

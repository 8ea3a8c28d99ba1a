"""The per-unit task every batch worker runs (a local worker process or a Ray actor): one
``run_job`` over the unit's files, rendered to text. It writes nothing: the driver alone writes
outputs and the manifest, so a worker can die at any moment without leaving half a result."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.digest import Digest
from desktop.core.errors import Cancelled, PrecisError
from desktop.core.events import CancelToken
from desktop.core.ingest import is_mail_address
from desktop.core.render import RENDERERS
from desktop.ml.batch.plan import FORMATS
from desktop.ml.engine.job import EnginePool, JobSpec, run_job

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TaskSettings:
    """What every worker needs, the same for all units: a JobSpec template (its ``paths`` unused)
    and the output format."""

    spec: JobSpec
    fmt: str = "md"
    #: Background work (a watcher): the worker lowers its CPU (and, on Linux, I/O) priority by this.
    nice: int = 0


@dataclass(slots=True)
class UnitTask:
    """One unit to summarize. ``blobs``, when given, are the files' bytes (a cluster node that
    cannot see the driver's disk); the worker writes them under the same names in a temp folder."""

    key: str
    paths: list[str]
    blobs: list[bytes] | None = None


@dataclass(slots=True)
class UnitResult:
    key: str
    status: str  # "done" or "failed"
    error: str | None = None
    message: str | None = None
    seconds: float = 0.0
    #: output extension (".md", ".json") -> rendered text; empty when failed.
    texts: dict[str, str] = field(default_factory=dict)
    file_errors: list[dict[str, str]] = field(default_factory=list)
    #: Who ran it ("pid 1234" or a Ray node and pid), for the log and the tests.
    worker: str = ""


def run_unit(task: UnitTask, settings: TaskSettings, pool: EnginePool,
             cancel: CancelToken | None = None) -> UnitResult:
    """Summarize one unit; a typed failure becomes a ``failed`` result, Cancelled propagates."""
    started = time.monotonic()
    name = Path(task.key.rstrip("/")).name or task.key
    worker = f"pid {os.getpid()}"
    with _materialized(task) as (paths, mapping):
        spec = dataclasses.replace(settings.spec, paths=paths)
        if task.blobs is None and all(is_mail_address(p) for p in paths):
            # An IMAP unit's address names its one folder; --folder chose the units, not what each reads.
            spec = dataclasses.replace(spec, mail=dataclasses.replace(spec.mail, folders=()))
        try:
            result = run_job(spec, pool=pool, cancel=cancel)
        except Cancelled:
            raise
        except PrecisError as exc:
            return UnitResult(task.key, "failed", exc.name, exc.message, time.monotonic() - started, worker=worker)
        except Exception as exc:  # a bug or a library failure: recorded, and the batch goes on
            log.exception("summarizing %s failed", name)
            return UnitResult(task.key, "failed", "EngineError",
                              f"Summarizing {name} failed unexpectedly ({type(exc).__name__}).",
                              time.monotonic() - started, worker=worker)
        digest = _repath(result.digest, mapping) if mapping else result.digest
        errors = [_repath_error(e, mapping) for e in result.errors]
    seconds = time.monotonic() - started
    if errors and len(errors) >= len(task.paths):
        if len(task.paths) == 1:
            return UnitResult(task.key, "failed", errors[0]["error"], errors[0]["message"], seconds, worker=worker)
        return UnitResult(task.key, "failed", "EmptyDocument",
                          f"None of the {len(task.paths)} files in {name} could be read.", seconds,
                          file_errors=errors, worker=worker)
    texts = {ext: RENDERERS[ext.lstrip(".")](digest) for ext in FORMATS[settings.fmt]}
    return UnitResult(task.key, "done", seconds=seconds, texts=texts, file_errors=errors, worker=worker)


@contextlib.contextmanager
def _materialized(task: UnitTask) -> Iterator[tuple[list[str], dict[str, str]]]:
    """The unit's paths on this machine: the originals, or its bytes written to a temp folder
    (then ``mapping`` turns the temp paths back into the originals for the digest's citations)."""
    if task.blobs is None:
        yield list(task.paths), {}
        return
    with tempfile.TemporaryDirectory(prefix="precis-batch-") as tmp:
        local, mapping = [], {}
        for i, (orig, data) in enumerate(zip(task.paths, task.blobs, strict=True)):
            folder = Path(tmp) / str(i)  # one folder per file: two sources may share a name
            folder.mkdir()
            p = folder / Path(orig).name
            p.write_bytes(data)
            local.append(str(p))
            mapping[str(p)] = orig
        yield local, mapping


def _repath(digest: Digest, mapping: dict[str, str]) -> Digest:
    return Digest.from_dict(_swap(digest.to_dict(), mapping))


def _repath_error(err: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    return {k: mapping.get(v, v) if k == "path" else v for k, v in err.items()}


def _swap(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: (mapping.get(v, v) if k == "path" and isinstance(v, str) else _swap(v, mapping))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, mapping) for v in value]
    return value

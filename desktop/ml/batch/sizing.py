"""How many batch workers fit this machine, and which model a batch will really run.

Every worker holds its own model, so N workers need N models in RAM: the default is one worker
per core, lowered (and said so) when that many would not fit in the memory available now.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import EngineError, ModelNotFound
from desktop.ml.engine.job import EXTRACTIVE, JobSpec

#: A worker process's own memory before any model: Python, the readers, one document (MB).
BASE_MB = 400
#: Peak memory per byte of weights (activations, the backend's copies); measured on flan-t5-base:
#: CTranslate2 int8 787 MB, torch float32 1857 MB (README, Performance).
WEIGHT_FACTOR = 1.6
#: Part of the available memory the workers may take; the rest is for the OS and the driver.
MEMORY_SHARE = 0.8
_BYTES_PER_WEIGHT = {"int8": 1, "float16": 2, "bfloat16": 2, "float32": 4, "none": 4}


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    workers: int
    threads: int
    per_worker_mb: int
    #: A sentence when the number was lowered for memory, else None.
    note: str | None = None


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def available_mb() -> int:
    import psutil

    return int(psutil.virtual_memory().available / 2**20)


def model_identity(spec: JobSpec) -> tuple[str, str]:
    """(engine that will run, model identity with its revision) as this machine resolves them, so
    installing a model or replacing its weights changes the settings key and redoes the units."""
    if spec.engine == EXTRACTIVE or spec.model == EXTRACTIVE:
        return EXTRACTIVE, ""
    from desktop.ml.models.store import ModelStore

    try:
        ref = ModelStore(Path(spec.model_store) if spec.model_store else None).resolve(spec.model)
    except ModelNotFound:
        if spec.engine == "flan-t5":
            raise
        return EXTRACTIVE, ""  # run_job falls back to the extractive engine the same way
    except EngineError:
        return "flan-t5", spec.model  # the task will report the reason for each unit
    adapter = f"+{ref.adapter_path.name}" if ref.adapter_path else ""
    return "flan-t5", f"{ref.name}@{ref.revision}{adapter}"


def model_weight_count(spec: JobSpec) -> int:
    """Weights of the model a worker will load: the catalog's figure, else the safetensors' size."""
    from desktop.ml.models.catalog import Catalog

    entry = Catalog.load().get(spec.model)
    if entry is not None:
        return entry.parameters
    folder = Path(spec.model).expanduser()
    if folder.is_dir():
        return sum(f.stat().st_size for f in folder.glob("*.safetensors")) // 4
    return Catalog.load().default.parameters


def plan_workers(spec: JobSpec, requested: int | None, engine: str, *, units: int | None = None,
                 cores: int | None = None, free_mb: int | None = None) -> WorkerPlan:
    """Workers for this machine: ``requested`` or one per core, at most as many models as fit,
    and no more than there are ``units`` to do."""
    cores = cores or cpu_count()
    free_mb = available_mb() if free_mb is None else free_mb
    if engine == EXTRACTIVE:
        per_worker = BASE_MB
    else:
        per_weight = _BYTES_PER_WEIGHT.get(spec.quantization, 4)
        per_worker = int(BASE_MB + model_weight_count(spec) * per_weight * WEIGHT_FACTOR / 2**20)
    fits = max(1, int(free_mb * MEMORY_SHARE // per_worker))
    wanted = requested if requested else cores
    if units is not None:
        wanted = max(1, min(wanted, units))
    workers = min(wanted, fits)
    note = None
    if workers < wanted:
        note = (f"{wanted} workers would need about {wanted * per_worker:,} MB for their models but "
                f"{free_mb:,} MB is free; running {workers} instead.")
    threads = spec.threads or max(1, cores // workers)
    return WorkerPlan(workers, threads, per_worker, note)

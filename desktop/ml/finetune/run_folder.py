"""A training run's folder: prepared data, atomic checkpoints, and the finished result.

Layout (in the model store, hidden: ``<store>/.finetune/<name>/``)::

    run.json                     what the run trains: base, method, pairs fingerprint, settings
    prepared.json                examples (replay answers included) and the base model's outputs
    checkpoints/step-000200/     trainable weights (safetensors), optimizer + scheduler + RNG
                                 (state.pt), meta.json (step, loss history) written last
    checkpoints/latest           the name of the newest complete checkpoint
    result/                      the finished adapter or model folder

Everything is written into a ``.tmp-*`` sibling and renamed into place when complete, so a
crash or Cancel at any moment leaves the previous state whole and nothing half-written.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.atomic import atomic_write_text
from desktop.core.errors import FinetuneError

RUNS_DIR = ".finetune"
META = "meta.json"
WEIGHTS = "trainable.safetensors"
STATE = "state.pt"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    step: int
    path: Path
    meta: dict[str, Any]


class RunFolder:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def for_name(cls, store_root: Path, name: str) -> RunFolder:
        return cls(Path(store_root) / RUNS_DIR / name)

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def result(self) -> Path:
        return self.path / "result"

    def reset(self) -> None:
        """Start over: remove everything of an earlier run of this name."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def clean_temp(self) -> None:
        """Remove what an interrupted write left (``.tmp-*`` folders)."""
        for folder in (self.path, self.checkpoints):
            if folder.is_dir():
                for p in folder.iterdir():
                    if p.name.startswith(".tmp-"):
                        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)

    # ----- json files ----------------------------------------------------------------------
    def write_json(self, name: str, data: Any) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path / name, json.dumps(data, ensure_ascii=False))

    def read_json(self, name: str) -> Any | None:
        try:
            return json.loads((self.path / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    # ----- staged folders --------------------------------------------------------------------
    @contextlib.contextmanager
    def staged(self, final: Path) -> Iterator[Path]:
        """Yield a temporary folder beside ``final``; rename it to ``final`` only if the block completes."""
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            try:
                yield tmp
            except Exception as exc:
                disk = _as_os_error(exc)
                if disk is exc:
                    raise
                raise disk from exc
            _fsync_tree(tmp)
            old = None
            if final.exists():
                old = final.parent / f".tmp-old-{final.name}-{uuid.uuid4().hex[:8]}"
                os.replace(final, old)
            os.replace(tmp, final)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def write_result(self, write: Callable[[Path], None]) -> Path:
        with self.staged(self.result) as tmp:
            write(tmp)
        return self.result

    # ----- checkpoints -----------------------------------------------------------------------
    def save_checkpoint(self, step: int, model: Any, optimizer: Any, scheduler: Any, meta: dict[str, Any]) -> Path:
        import torch
        from safetensors.torch import save_file

        from desktop.ml.finetune.model import trainable_state

        name = f"step-{step:06d}"
        with self.staged(self.checkpoints / name) as tmp:
            save_file(trainable_state(model), str(tmp / WEIGHTS))
            state = {
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                "python_rng": list(random.getstate()[1]),
                "python_rng_version": random.getstate()[0],
            }
            with open(tmp / STATE, "wb") as f:  # a file object: a refused write stays an OSError
                torch.save(state, f)
            (tmp / META).write_text(json.dumps({**meta, "step": step}), encoding="utf-8")
        atomic_write_text(self.checkpoints / "latest", name)
        for old in self.checkpoints.iterdir():
            if old.name.startswith("step-") and old.name != name:
                shutil.rmtree(old, ignore_errors=True)
        return self.checkpoints / name

    def latest_checkpoint(self) -> Checkpoint | None:
        """The newest complete checkpoint (the ``latest`` pointer, else the highest step with a meta.json)."""
        if not self.checkpoints.is_dir():
            return None
        candidates = []
        with contextlib.suppress(OSError):
            candidates.append(self.checkpoints / (self.checkpoints / "latest").read_text(encoding="utf-8").strip())
        candidates += sorted((p for p in self.checkpoints.glob("step-*")), reverse=True)
        for path in candidates:
            try:
                meta = json.loads((path / META).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if (path / WEIGHTS).is_file() and (path / STATE).is_file():
                return Checkpoint(int(meta["step"]), path, meta)
        return None

    def load_checkpoint(self, checkpoint: Checkpoint, model: Any, optimizer: Any, scheduler: Any) -> None:
        import torch
        from safetensors.torch import load_file

        from desktop.ml.finetune.model import load_trainable_state

        try:
            load_trainable_state(model, load_file(str(checkpoint.path / WEIGHTS)))
            state = torch.load(checkpoint.path / STATE, map_location="cpu", weights_only=True)
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
        except (OSError, RuntimeError, KeyError, ValueError) as exc:
            raise FinetuneError(f"The last checkpoint of this run could not be read ({exc}); start it again "
                                "without resuming.") from exc
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        random.setstate((state["python_rng_version"], tuple(state["python_rng"]), None))


def _as_os_error(exc: Exception) -> Exception:
    """The disk's own error behind a serializer's failure, so the run can say "File too large" or
    "No space left on device" rather than a serializer's internals.

    torch.save wraps the OSError of a refused write in a RuntimeError (the OSError is its
    context); safetensors writes from Rust and only quotes the OS error number in its message.
    """
    if isinstance(exc, OSError):
        return exc
    seen = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    found = re.search(r"os error (\d+)", str(exc))
    if found:
        code = int(found.group(1))
        return OSError(code, os.strerror(code))
    return exc


def _fsync_tree(folder: Path) -> None:
    """Flush every file to disk before the rename makes the folder visible as complete."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())

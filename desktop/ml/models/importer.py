"""Copy a local model folder's files into the store, hashing them on the way."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.core.errors import EngineError
from desktop.core.events import EtaEstimator, EventCallback, Progress
from desktop.ml.models.manifest import copy_hashed, is_model_file


def copy_model_files(
    src: Path,
    work: Path,
    on_progress: EventCallback,
    should_stop: Callable[[], bool] | None = None,
    keep: Callable[[str], bool] = is_model_file,
) -> dict[str, dict[str, Any]]:
    """Copy the files a model needs (``keep``: never pickles or READMEs) from ``src`` into ``work``;
    return the manifest's ``files`` table (size and sha256 of what was written)."""
    files = sorted(p.name for p in src.iterdir() if p.is_file() and keep(p.name))
    total = sum((src / f).stat().st_size for f in files)
    eta = EtaEstimator(total)
    done = 0
    entries: dict[str, dict[str, Any]] = {}
    for rel in files:
        def bump(n: int, rel: str = rel) -> None:
            nonlocal done
            done += n
            on_progress(Progress(f"importing {rel}", done, total, eta.update(done)))

        try:
            digest = copy_hashed(src / rel, work / rel, bump, should_stop)
        except OSError as exc:
            raise EngineError(
                f"{rel} could not be copied into the model store ({exc.strerror or exc}); "
                "check the free disk space and that the store folder is writable."
            ) from exc
        entries[rel] = {"size": (work / rel).stat().st_size, "sha256": digest}
    return entries


def content_revision(entries: dict[str, dict[str, Any]]) -> str:
    """A revision from the files' hashes: the same weights imported twice get the same caches."""
    text = "\n".join(f"{rel}:{e['sha256']}" for rel, e in sorted(entries.items()))
    return "import-" + hashlib.sha256(text.encode()).hexdigest()[:16]

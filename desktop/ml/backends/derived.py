"""Derived model files (ONNX exports, CTranslate2 conversions), built once and cached on disk.

A derived folder holds a ``manifest.json`` naming what produced it: the source weights (model
identity plus an adapter fingerprint) and the versions of the tools that built it. A folder whose
manifest does not match is rebuilt. Builds go to a temporary folder beside the target and are
renamed into place only when complete, so a crash or a Cancel never leaves half a model that
looks finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from desktop.core.atomic import atomic_write_text
from desktop.core.errors import EngineError
from desktop.ml.backends.base import ModelRef

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
_STALE_BUILD_S = 24 * 3600


def default_root() -> Path:
    from desktop.core import paths

    return paths.cache_dir() / "derived"


def package_versions(*names: str) -> dict[str, str]:
    """Installed versions read from package metadata: no import, so no torch."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def source_key(model: ModelRef) -> dict[str, str]:
    """What the derived files are made from: the weights' identity and the adapter's content."""
    key = {"model": model.identity}
    if model.adapter_path is not None:
        h = hashlib.sha256()
        folder = Path(model.adapter_path)
        for f in sorted(folder.glob("adapter_*")):
            if f.is_file():
                h.update(f.name.encode())
                h.update(f.read_bytes())
        key["adapter"] = h.hexdigest()[:16]
    return key


def folder_name(backend: str, quantization: str, model: ModelRef) -> str:
    src = json.dumps(source_key(model), sort_keys=True)
    return f"{backend}-{quantization}-{hashlib.sha256(src.encode()).hexdigest()[:16]}"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def cached(folder: Path, key: dict[str, Any]) -> bool:
    manifest = read_manifest(folder)
    return manifest is not None and manifest.get("key") == key


def ensure_derived(root: Path, name: str, key: dict[str, Any], build: Callable[[Path], None]) -> Path:
    """``root/name`` built by ``build(tmp_folder)`` unless a folder with the same key is there already."""
    target = root / name
    if cached(target, key):
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale_builds(root, name)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".build", dir=root))
    except OSError as exc:
        raise EngineError(f"Precis cannot write its converted model files to {root} ({exc.strerror}).") from exc
    try:
        started = time.monotonic()
        build(tmp)
        manifest = {"schema": 1, "key": key, "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "build_seconds": round(time.monotonic() - started, 1)}
        atomic_write_text(tmp / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        _move_into_place(tmp, target, key)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _move_into_place(tmp: Path, target: Path, key: dict[str, Any]) -> None:
    old: Path | None = None
    if target.exists():
        if cached(target, key):  # another process finished the same build first
            shutil.rmtree(tmp, ignore_errors=True)
            return
        old = target.with_name(f".{target.name}.{os.getpid()}.old")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        if not cached(target, key):
            raise
        shutil.rmtree(tmp, ignore_errors=True)  # lost a race to an identical build
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_stale_builds(root: Path, name: str) -> None:
    """Leftovers of builds that crashed (not of builds still running: those are recent)."""
    now = time.time()
    for p in root.glob(f".{name}.*"):
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > _STALE_BUILD_S:
                shutil.rmtree(p, ignore_errors=True)

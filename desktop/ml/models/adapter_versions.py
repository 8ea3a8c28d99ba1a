"""Versions of a fine-tuned adapter: "Continue training" writes the next version under the same
name, and the user can switch back to any earlier one.

``adapters/<name>/`` is the active version, the folder every backend loads. Each version ever
kept is also stored whole in ``adapters/.versions/<name>/v<N>/`` (written the first time it
stops being active, or when it is kept). Switching copies a version into a staged folder beside
the active one and renames it into place, so a crash leaves one whole version active.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import ModelNotFound
from desktop.ml.models.adapters import AdapterManifest, is_adapter_dir

VERSIONS_DIR = ".versions"


@dataclass(frozen=True, slots=True)
class AdapterVersion:
    name: str
    version: int
    path: Path
    active: bool
    manifest: AdapterManifest


def versions_root(adapters_root: Path, name: str) -> Path:
    return Path(adapters_root) / VERSIONS_DIR / name


def list_versions(adapters_root: Path, name: str) -> list[AdapterVersion]:
    """Every kept version of ``name``, oldest first; the active one marked."""
    active_dir = Path(adapters_root) / name
    active = AdapterManifest.read(active_dir)
    found: dict[int, AdapterVersion] = {}
    folder = versions_root(adapters_root, name)
    if folder.is_dir():
        for p in folder.iterdir():
            manifest = AdapterManifest.read(p) if p.name.startswith("v") and is_adapter_dir(p) else None
            if manifest is not None:
                found[manifest.version] = AdapterVersion(name, manifest.version, p, False, manifest)
    if active is not None:
        found[active.version] = AdapterVersion(name, active.version, active_dir, True, active)
    return [found[v] for v in sorted(found)]


def archive_active(adapters_root: Path, name: str) -> None:
    """Store the active version in the versions folder if it is not there yet."""
    active_dir = Path(adapters_root) / name
    manifest = AdapterManifest.read(active_dir)
    if manifest is None:
        return
    dest = versions_root(adapters_root, name) / f"v{manifest.version}"
    if not dest.exists():
        _copy_into_place(active_dir, dest)


def add_version(adapters_root: Path, name: str, folder: Path) -> Path:
    """Make ``folder`` (a finished run's adapter, its manifest written) the active version of
    ``name``; the version it replaces stays listed. ``folder`` is consumed."""
    archive_active(adapters_root, name)
    manifest = AdapterManifest.read(folder)
    assert manifest is not None
    stored = versions_root(adapters_root, name) / f"v{manifest.version}"
    _copy_into_place(folder, stored)
    _replace_active(adapters_root, name, folder)
    return Path(adapters_root) / name


def switch_version(adapters_root: Path, name: str, version: int) -> Path:
    """Make an earlier (or later) kept version of ``name`` the active one."""
    wanted = {v.version: v for v in list_versions(adapters_root, name)}
    if version not in wanted:
        have = ", ".join(str(v) for v in sorted(wanted)) or "none"
        raise ModelNotFound(f"The adapter {name} has no version {version} (versions: {have}).")
    if wanted[version].active:
        return wanted[version].path
    archive_active(adapters_root, name)
    tmp = Path(adapters_root) / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
    shutil.copytree(wanted[version].path, tmp)
    _replace_active(adapters_root, name, tmp)
    return Path(adapters_root) / name


def _copy_into_place(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".tmp-{dest.name}-{uuid.uuid4().hex[:8]}"
    try:
        shutil.copytree(src, tmp)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _replace_active(adapters_root: Path, name: str, new: Path) -> None:
    """Rename ``new`` to the active folder; the old active folder is removed only afterwards."""
    active = Path(adapters_root) / name
    old = Path(adapters_root) / f".tmp-old-{name}-{uuid.uuid4().hex[:8]}"
    if active.exists():
        os.replace(active, old)
    os.replace(new, active)
    shutil.rmtree(old, ignore_errors=True)

"""Install and remove the desktop integration (menu entry, file-manager actions, Windows verbs,
macOS Quick Actions) for the current user, idempotently, keeping a record of every file, folder
and registry key written, so that uninstall removes exactly that and nothing else."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core import paths
from desktop.core.atomic import atomic_write_bytes, atomic_write_text
from desktop.integration import dolphin, freedesktop, macos, nautilus, nemo, windows
from desktop.integration.plan import Plan
from desktop.integration.windows import Registry

log = logging.getLogger(__name__)
RECORD_VERSION = 1


@dataclass(slots=True)
class Outcome:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: files Precis wrote that someone edited since: left in place, named in the report
    kept: list[str] = field(default_factory=list)
    registry_keys: list[str] = field(default_factory=list)


def record_path() -> Path:
    return paths.data_dir() / "desktop-integration.json"


def plan_for(platform: str, launcher: str, home: Path | None = None) -> Plan:
    """Everything to write on ``platform`` ("linux", "win32", "darwin") for ``launcher``."""
    home = home or Path.home()
    if platform == "win32":
        return windows.entries(launcher, windows.sendto_dir())
    if platform == "darwin":
        return macos.entries(home, launcher)
    base = freedesktop.data_home()
    plan = freedesktop.entries(base, launcher)
    for module in (nautilus, nemo, dolphin):
        plan.extend(module.entries(base, launcher))
    return plan


def read_record() -> dict:
    try:
        data = json.loads(record_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": RECORD_VERSION, "files": {}, "dirs": [], "registry_keys": []}
    data.setdefault("files", {})
    data.setdefault("dirs", [])
    data.setdefault("registry_keys", [])
    return data


def is_installed() -> bool:
    record = read_record()
    return bool(record["files"] or record["registry_keys"])


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def install(plan: Plan, *, dry_run: bool = False, registry: Registry | None = None) -> Outcome:
    """Write ``plan``; a file already holding the same bytes is left alone. The record is
    updated before and after, so even an interrupted install can be undone."""
    outcome = Outcome()
    record = read_record()
    for entry in plan.files:
        key = str(entry.path)
        try:
            same = entry.path.read_bytes() == entry.data and (entry.path.stat().st_mode & 0o777) == entry.mode
        except OSError:
            same = False
        (outcome.unchanged if same else outcome.written).append(key)
        if dry_run or same:
            record["files"][key] = _digest(entry.data)
            continue
        for parent in reversed(entry.path.parents):
            if not parent.exists():
                parent.mkdir()
                record["dirs"].append(str(parent))
        record["files"][key] = _digest(entry.data)
        _save(record)
        atomic_write_bytes(entry.path, entry.data)
        if os.name == "posix":
            os.chmod(entry.path, entry.mode)
    if plan.registry:
        outcome.registry_keys = list(plan.registry_keys)
        if not dry_run:
            target = registry if registry is not None else windows.WinRegistry()
            record["registry_keys"] = sorted(set(record["registry_keys"]) | set(plan.registry_keys))
            _save(record)
            for value in plan.registry:
                target.set_value(value.key, value.name, value.value)
    if not dry_run:
        _save(record)
        if sys.platform not in ("win32", "darwin") and not plan.registry:
            freedesktop.refresh_caches(freedesktop.data_home())
    return outcome


def uninstall(*, dry_run: bool = False, registry: Registry | None = None) -> Outcome:
    """Remove what the record names: files (unless edited since), the folders Precis created
    (when empty) and the registry keys; then the record itself."""
    outcome = Outcome()
    record = read_record()
    for key, digest in sorted(record["files"].items()):
        path = Path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError:
            data = b""
        if _digest(data) != digest:
            outcome.kept.append(key)
            continue
        outcome.removed.append(key)
        if not dry_run:
            path.unlink()
    if record["registry_keys"]:
        outcome.registry_keys = list(record["registry_keys"])
        if not dry_run:
            target = registry if registry is not None else windows.WinRegistry()
            for reg_key in record["registry_keys"]:
                target.delete_tree(reg_key)
    if dry_run:
        return outcome
    for folder in sorted(record["dirs"], key=lambda d: -len(d)):
        try:
            Path(folder).rmdir()  # only when empty: a user's own scripts stay, and their folder
        except OSError:
            pass
    try:
        record_path().unlink()
    except FileNotFoundError:
        pass
    if sys.platform not in ("win32", "darwin"):
        freedesktop.refresh_caches(freedesktop.data_home())
    return outcome


def _save(record: dict) -> None:
    record["version"] = RECORD_VERSION
    record["dirs"] = sorted(set(record["dirs"]))
    atomic_write_text(record_path(), json.dumps(record, indent=2, sort_keys=True))

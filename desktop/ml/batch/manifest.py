"""The batch manifest (``DIR/manifest.jsonl``): one JSON line per unit outcome, what makes a batch resumable.

An output file's existence proves nothing (it may be stale or from other settings), so a unit
counts as done only when its latest row says ``done`` for the same content sha256 and settings
key. Rows are appended one line at a time with fsync, after the unit's outputs were written
atomically; a ``kill -9`` can lose at most the row of the unit being recorded, which the next run
then redoes into the same output paths. Opening the manifest compacts it (the latest row per
unit, written atomically), drops a torn last line, and takes a lock so two runs never share a folder.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Self

from desktop.core.atomic import atomic_open
from desktop.core.errors import BatchError

try:  # POSIX only; elsewhere two runs into one folder are the user's business
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.jsonl"
LOCK_NAME = ".manifest.lock"
STATUSES = ("done", "failed", "skipped")
#: Temporary files ``atomic_open`` leaves behind when the process is killed mid-write
#: (``.<name>.<random>.tmp``); only our own output kinds, so nothing of the user's is touched.
_TEMP_RE = re.compile(r"^\..+\.(md|json|jsonl)\.[A-Za-z0-9_]+\.tmp$")


@dataclass(slots=True)
class Row:
    """One unit's outcome. ``key`` is the unit's path relative to the source root (a folder unit
    ends with ``/``); ``outputs`` are relative to the output folder."""

    key: str
    sources: list[str]
    sha256: str
    settings_key: str
    status: str
    error: str | None = None
    message: str | None = None
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    #: Typed errors of single files inside a folder unit that was still summarized.
    file_errors: list[dict[str, str]] = field(default_factory=list)
    attempts: int = 1
    run: str = ""
    finished: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Row:
        known = cls.__slots__  # type: ignore[attr-defined]
        row = cls(**{k: v for k, v in d.items() if k in known})
        if row.status not in STATUSES:
            raise ValueError(f"unknown status {row.status!r}")
        return row


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Manifest:
    """The latest row per unit, plus an append handle; use as a context manager."""

    def __init__(self, out_dir: Path | str) -> None:
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / MANIFEST_NAME
        self.rows: dict[str, Row] = {}
        self._fh: IO[str] | None = None
        self._lock: IO[str] | None = None

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._take_lock()
            removed = sweep_temp_files(self.out_dir)
            if removed:
                log.info("removed %d unfinished temporary file(s) from an interrupted run", removed)
            lines, torn = self._read()
            if torn or len(lines) != len(self.rows):
                self._compact()
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for appends
        except OSError as exc:
            self.close()
            raise BatchError(f"Precis cannot write to {self.out_dir}: {exc.strerror or exc}.") from exc

    def _take_lock(self) -> None:
        self._lock = open(self.out_dir / LOCK_NAME, "a", encoding="utf-8")  # noqa: SIM115
        if fcntl is None:
            return
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._lock.close()
            self._lock = None
            raise BatchError(f"Another batch run is writing to {self.out_dir}; wait for it to finish "
                             "or choose another --out folder.") from exc

    def _read(self) -> tuple[list[str], bool]:
        """Load rows; returns the non-empty lines and whether any line was unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [], False
        lines = [ln for ln in text.splitlines() if ln.strip()]
        torn = bool(text) and not text.endswith("\n")
        for ln in lines:
            try:
                row = Row.from_dict(json.loads(ln))
            except (ValueError, TypeError, KeyError):
                # A line cut short by a kill or a full disk: that unit is simply not recorded.
                torn = True
                continue
            self.rows[row.key] = row
        return lines, torn

    def _compact(self) -> None:
        with atomic_open(self.path, "w", encoding="utf-8") as fh:
            for key in sorted(self.rows):
                fh.write(self.rows[key].to_json() + "\n")

    def get(self, key: str) -> Row | None:
        return self.rows.get(key)

    def append(self, row: Row) -> None:
        """Record a unit's outcome durably (one line, flushed and fsynced) before the next one."""
        if self._fh is None:
            raise RuntimeError("manifest is not open")
        row.finished = row.finished or now_iso()
        try:
            self._fh.write(row.to_json() + "\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise BatchError(f"Precis could not record progress in {self.path}: {exc.strerror or exc}.") from exc
        self.rows[row.key] = row

    def close(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
            self._fh = None
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self._lock.close()  # closing the file releases the flock
            self._lock = None


def sweep_temp_files(out_dir: Path) -> int:
    """Remove our own temporary files that a killed run left half-written; returns how many."""
    removed = 0
    for root, _dirs, files in os.walk(out_dir):
        for name in files:
            if _TEMP_RE.match(name):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(root, name))
                    removed += 1
    return removed


def read_rows(out_dir: Path | str) -> list[dict[str, Any]]:
    """Every parseable line of a manifest, in order (for reports and tests; no lock taken)."""
    path = Path(out_dir) / MANIFEST_NAME
    out = []
    for ln in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):
            out.append(json.loads(ln))
    return out

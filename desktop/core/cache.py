"""The summary cache: SQLite, keyed by everything that determines a generated text.

A key hashes (model identity, backend, quantization, prompt template id, generation settings,
prompt text), so re-summarizing an unchanged document costs almost nothing and an edited one
recomputes only the chunks whose text changed. The cache is an optimisation, never a source
of truth: a damaged database is moved aside and rebuilt, a locked one (a second Precis) is
bypassed for the rest of the job, and both are reported through ``notices``.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from desktop.core.sqlite_files import in_use, set_aside

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outputs (
    key TEXT PRIMARY KEY,
    output TEXT NOT NULL,
    template TEXT,
    created REAL NOT NULL
)
"""


def cache_key(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class SummaryCache:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.notices: list[str] = []
        self.hits = 0
        self.misses = 0
        self._memory: dict[str, str] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = self._open(path)

    def _open(self, path: Path) -> sqlite3.Connection | None:
        for attempt in range(2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=2.0, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
                db.execute("SELECT count(*) FROM outputs LIMIT 1").fetchone()
                return db
            except sqlite3.OperationalError as exc:
                if in_use(exc):
                    self.notices.append("The summary cache is in use by another Precis window; this job runs without it.")
                    return None
                if attempt == 0 and self._move_aside(path, exc):
                    continue
                self.notices.append(f"The summary cache could not be opened ({exc}); this job runs without it.")
                return None
            except sqlite3.DatabaseError as exc:
                if attempt == 0 and self._move_aside(path, exc):
                    continue
                self.notices.append("The summary cache is damaged and could not be rebuilt; this job runs without it.")
                return None
        return None

    def _move_aside(self, path: Path, exc: Exception) -> bool:
        log.warning("summary cache %s is damaged (%s); rebuilding it", path, exc)
        if not set_aside(path):
            return False
        self.notices.append("The summary cache was damaged; it was set aside and rebuilt (summaries are recomputed).")
        return True

    def get(self, key: str) -> str | None:
        value = self._memory.get(key)
        if value is None and self._db is not None:
            try:
                row = self._db.execute("SELECT output FROM outputs WHERE key = ?", (key,)).fetchone()
                value = row[0] if row else None
            except sqlite3.Error as exc:
                self._disable(exc)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: str, output: str, template: str = "") -> None:
        self._memory[key] = output
        if self._db is None:
            return
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO outputs (key, output, template, created) VALUES (?, ?, ?, ?)",
                (key, output, template, time.time()),
            )
        except sqlite3.Error as exc:
            self._disable(exc)

    def put_many(self, items: Iterable[tuple[str, str, str]]) -> None:
        for key, output, template in items:
            self.put(key, output, template)

    def _disable(self, exc: Exception) -> None:
        log.warning("summary cache disabled for this job: %s", exc)
        self.notices.append("The summary cache stopped working during this job; results were kept in memory.")
        self.close()

    def __len__(self) -> int:
        if self._db is None:
            return len(self._memory)
        try:
            return int(self._db.execute("SELECT count(*) FROM outputs").fetchone()[0])
        except sqlite3.Error:
            return len(self._memory)

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

"""Past digests: one JSON file per digest (the truth) plus a SQLite index (for listing and search).

Writing the JSON atomically first means an entry, once saved, survives anything that happens to
the index: a damaged index is set aside and rebuilt from the files, and a locked one (a second
Precis window) is bypassed by reading the files directly.
"""

from __future__ import annotations

import builtins
import json
import logging
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core import paths
from desktop.core.atomic import atomic_write_text
from desktop.core.digest import Digest
from desktop.core.sqlite_files import in_use, set_aside

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    title TEXT NOT NULL,
    paths TEXT NOT NULL,
    engine TEXT,
    labels TEXT,
    query TEXT,
    searchable TEXT
)
"""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: str
    created: float
    title: str
    paths: tuple[str, ...]
    engine: str
    labels: dict[str, str]
    query: str | None

    @property
    def label_text(self) -> str:
        return ", ".join(self.labels.values())


class History:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or (paths.data_dir() / "history")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.notices: list[str] = []
        self._db = self._open_index()

    # ------------------------------------------------------------ index
    def _open_index(self) -> sqlite3.Connection | None:
        db_path = self.folder / "index.sqlite3"
        for attempt in range(2):
            try:
                db = sqlite3.connect(db_path, timeout=1.0, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
                # Ids, not counts: a delete and an add made while the index was bypassed balance out.
                indexed = {row[0] for row in db.execute("SELECT id FROM entries")}
                if indexed != {f.stem for f in self._files()}:
                    self._rebuild(db)
                return db
            except sqlite3.OperationalError as exc:
                if in_use(exc):
                    self.notices.append("History is in use by another Precis window; showing the saved files directly.")
                    return None
                if attempt == 0 and self._set_aside(db_path):
                    continue
                return None
            except sqlite3.DatabaseError:
                if attempt == 0 and self._set_aside(db_path):
                    continue
                self.notices.append("The history index is damaged; showing the saved files directly.")
                return None
        return None

    def _set_aside(self, db_path: Path) -> bool:
        if not set_aside(db_path):
            return False
        self.notices.append("The history index was damaged; it was rebuilt from the saved digests (none were lost).")
        return True

    def _rebuild(self, db: sqlite3.Connection) -> None:
        db.execute("DELETE FROM entries")
        for f in self._files():
            entry = self._read_entry(f)
            if entry is not None:
                self._index(db, *entry)

    @staticmethod
    def _index(db: sqlite3.Connection, entry: HistoryEntry, markdown: str) -> None:
        db.execute(
            "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.id, entry.created, entry.title, json.dumps(list(entry.paths)), entry.engine,
             json.dumps(entry.labels), entry.query, (entry.title + "\n" + markdown).lower()),
        )

    # ------------------------------------------------------------ files
    def _files(self) -> builtins.list[Path]:
        return sorted(self.folder.glob("*.json"))

    def _read_entry(self, f: Path) -> tuple[HistoryEntry, str] | None:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
            digest = data["digest"]
            entry = HistoryEntry(
                id=data["id"], created=float(data["created"]), title=digest.get("title", ""),
                paths=tuple(data.get("paths", [])), engine=digest.get("engine", ""),
                labels=dict(digest.get("labels", {})), query=digest.get("query"),
            )
            return entry, data.get("markdown", "")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("history file %s unreadable: %s", f.name, exc)
            return None

    # ------------------------------------------------------------ public
    def add(self, digest: Digest, source_paths: builtins.list[str], markdown: str, *,
            mail: dict[str, Any] | None = None) -> HistoryEntry:
        """Keep a digest. ``mail`` is the selection its mail stores were read with
        (``MailOptions.to_plain()``), so a reopened digest's messages are read again the same way."""
        entry_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]
        created = time.time()
        payload = {"id": entry_id, "created": created, "paths": source_paths, "digest": digest.to_dict(), "markdown": markdown}
        if mail:
            payload["mail"] = mail
        atomic_write_text(self.folder / f"{entry_id}.json", json.dumps(payload, ensure_ascii=False))
        entry = HistoryEntry(entry_id, created, digest.title, tuple(source_paths), digest.engine, digest.labels(), digest.query)
        if self._db is not None:
            try:
                self._index(self._db, entry, markdown)
            except sqlite3.Error as exc:
                self._drop_index(exc)
        return entry

    def update(self, entry_id: str, digest: Digest, markdown: str) -> None:
        """Replace an entry's digest (after the user edited it); the old file is replaced atomically."""
        f = self.folder / f"{entry_id}.json"
        data = json.loads(f.read_text(encoding="utf-8"))
        data["digest"] = digest.to_dict()
        data["markdown"] = markdown
        atomic_write_text(f, json.dumps(data, ensure_ascii=False))
        entry = self._read_entry(f)
        if entry and self._db is not None:
            try:
                self._index(self._db, *entry)
            except sqlite3.Error as exc:
                self._drop_index(exc)

    def list(self, search: str = "", label: str | None = None) -> builtins.list[HistoryEntry]:
        needle = search.lower().strip()
        rows = None
        if self._db is not None:
            try:
                rows = self._db.execute(
                    "SELECT id, created, title, paths, engine, labels, query FROM entries "
                    "WHERE searchable LIKE ? ORDER BY created DESC",
                    (f"%{needle}%",),
                ).fetchall()
            except sqlite3.Error as exc:
                self._drop_index(exc)
        if rows is not None:
            entries = [HistoryEntry(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4] or "", json.loads(r[5] or "{}"), r[6]) for r in rows]
        else:
            found = [e for e in (self._read_entry(f) for f in self._files()) if e is not None]
            entries = [e for e, md in found if needle in (e.title + "\n" + md).lower()]
            entries.sort(key=lambda e: -e.created)
        if label:
            entries = [e for e in entries if label in e.labels.values()]
        return entries

    def labels(self) -> builtins.list[str]:
        return sorted({v for e in self.list() for v in e.labels.values()})

    def load(self, entry_id: str) -> tuple[Digest, str]:
        data = json.loads((self.folder / f"{entry_id}.json").read_text(encoding="utf-8"))
        return Digest.from_dict(data["digest"]), data.get("markdown", "")

    def mail_selection(self, entry_id: str) -> dict[str, Any] | None:
        """The mail selection the entry's digest was made with (None: none was kept, or no mail)."""
        try:
            data = json.loads((self.folder / f"{entry_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        mail = data.get("mail") if isinstance(data, dict) else None
        return mail if isinstance(mail, dict) else None

    def delete(self, entry_id: str) -> None:
        (self.folder / f"{entry_id}.json").unlink(missing_ok=True)
        if self._db is not None:
            try:
                self._db.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
            except sqlite3.Error as exc:
                self._drop_index(exc)

    def _drop_index(self, exc: Exception) -> None:
        """The index failed after opening (another window holds its write lock): the files are the
        truth, so read them directly from now on; the next start rebuilds the index from them."""
        log.warning("history index bypassed: %s", exc)
        self.notices.append("History is in use by another Precis window; showing the saved files directly.")
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

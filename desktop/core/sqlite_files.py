"""What the summary cache and History share about their SQLite files: telling a database another
Precis holds from a damaged one, and setting a damaged one aside (with its WAL and shared-memory
files) so it can be rebuilt, never deleted."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

log = logging.getLogger(__name__)

#: The files SQLite keeps for a database in WAL mode.
_SUFFIXES = ("", "-wal", "-shm")


def in_use(exc: sqlite3.OperationalError) -> bool:
    """Whether the database is locked or busy (another Precis window holds it), not damaged."""
    return "locked" in str(exc) or "busy" in str(exc)


def set_aside(path: Path) -> bool:
    """Rename the database and its WAL and shared-memory files to ``<name>.damaged-<time>``; False
    when the disk would not let us (the caller then goes on without it)."""
    stamp = int(time.time())
    try:
        for suffix in _SUFFIXES:
            p = Path(str(path) + suffix)
            if p.exists():
                p.replace(Path(f"{path}.damaged-{stamp}{suffix}"))
    except OSError as exc:
        log.warning("could not set %s aside: %s", path, exc)
        return False
    return True

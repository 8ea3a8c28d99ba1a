"""Keeping the IMAP cache within its size (``Limits.max_imap_cache_bytes``, the setting
``imap_cache_mb``): when every account's cached messages together pass the cap, the least
recently used go first (a cached message's modification time is its last use: written, or read
by a digest or a reopened one) until the cache is at nine tenths of the cap, so it is not trimmed
again on every read. Messages used in the last ``GRACE_S`` seconds are never removed: a digest
or the watcher may be about to read what it just fetched, so a read larger than the cap leaves
the cache over it until the next trim. Half-written files a crash left behind go too."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: Seconds a message stays, whatever the cap, after it was fetched or read.
GRACE_S = 600.0
_LOW_WATER = 0.9


@dataclass(slots=True)
class Trimmed:
    """What one trim found and did."""

    total: int = 0
    removed: int = 0
    removed_bytes: int = 0


def trim(root: Path, cap: int, *, grace_s: float = GRACE_S) -> Trimmed:
    """Remove the least recently used cached messages under ``root`` while they hold more than
    ``cap`` bytes (down to nine tenths of it), and empty set-aside folders."""
    now = time.time()
    out = Trimmed()
    entries: list[tuple[float, int, str]] = []
    for top, dirs, files in os.walk(root):
        for name in files:
            if not name.endswith((".eml", ".tmp")):
                continue
            path = os.path.join(top, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            if name.endswith(".tmp"):
                if st.st_mtime < now - grace_s:  # a write a crash cut short
                    with contextlib.suppress(OSError):
                        os.unlink(path)
                continue
            out.total += st.st_size
            entries.append((st.st_mtime, st.st_size, path))
    if out.total > cap:
        target = int(cap * _LOW_WATER)
        left = out.total
        for used, size, path in sorted(entries):
            if left <= target or used > now - grace_s:
                break
            try:
                os.unlink(path)
            except OSError:
                continue
            left -= size
            out.removed += 1
            out.removed_bytes += size
        log.info("IMAP cache over %d bytes: %d messages (%d bytes) removed", cap, out.removed, out.removed_bytes)
    _drop_empty_aside(root)
    return out


def _drop_empty_aside(root: Path) -> None:
    """Set-aside folders (``.damaged-*``) the trim emptied."""
    for aside in root.rglob(".damaged-*"):
        with contextlib.suppress(OSError):
            aside.rmdir()  # only when empty

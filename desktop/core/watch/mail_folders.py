"""The folders a watched mailbox has seen, kept between runs (``marks/folders*.json``, one per
choice of watched folders), so a folder that appears after watching began (made in the mail
client, or by a filter, even while Precis was closed) is told from one that was there all along:
the very first listing of a newly watched mailbox only sets what is known (adding a watch never
summarizes years of mail), while a folder that appears later is new, and the mail that arrived
in it since the last listing without it is summarized. A folder's name stays known after it is gone (a folder that comes back is not new);
its marks are dropped once two listings in a row have not had it."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.core.atomic import atomic_write_text
from desktop.core.watch.mail_marks import FolderMarks, MarksStore, private_dir

log = logging.getLogger(__name__)

#: The listing time is written at most this often when nothing else changed (it only bounds how
#: far back a new folder's mail counts as new).
STAMP_EVERY_S = 3600.0
VERSION = 1


@dataclass(slots=True)
class FolderChanges:
    #: Folders never listed before, and when the mailbox was last listed without them.
    appeared: list[str]
    since: float
    #: Folders missing from this listing and the one before: their marks can go.
    gone: list[str]


class KnownFolders:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._known: set[str] | None = None
        self._present: set[str] = set()
        self._listed = 0.0
        self._loaded = False

    def _load(self) -> None:
        self._loaded = True
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            # Damaged: the next listing sets what is known again (no folder is taken as new).
            log.warning("the watched folders in %s could not be read (%s); starting from what is there now", self.path, exc)
            return
        if not isinstance(data, dict):
            return
        known, present, listed = data.get("known"), data.get("present"), data.get("listed")
        self._known = {k for k in known if isinstance(k, str)} if isinstance(known, list) else set()
        self._present = {k for k in present if isinstance(k, str)} if isinstance(present, list) else set(self._known)
        self._listed = float(listed) if isinstance(listed, int | float) and listed > 0 else time.time()

    def update(self, folders: list[str], now: float | None = None) -> FolderChanges:
        """Compare a listing with what is known; ``commit`` once the new folders' marks are saved."""
        if not self._loaded:
            self._load()
        now = time.time() if now is None else now
        listed = set(folders)
        if self._known is None:  # the mailbox's first listing: every folder is already there
            self._known, self._present, self._listed = set(), listed, 0.0
            return FolderChanges([], now, [])
        appeared = [f for f in folders if f not in self._known]
        gone = sorted(f for f in self._known - listed if f not in self._present)
        return FolderChanges(appeared, self._listed or now, gone)

    def commit(self, folders: list[str], now: float | None = None) -> None:
        """This listing is what is known now (written when it changed, or hourly for its time)."""
        now = time.time() if now is None else now
        listed = set(folders)
        known = (self._known or set()) | listed
        if known == self._known and listed == self._present and now - self._listed < STAMP_EVERY_S and self.path.exists():
            return
        self._known, self._present, self._listed = known, listed, now
        private_dir(self.path.parent)
        atomic_write_text(self.path, json.dumps({"version": VERSION, "known": sorted(known), "present": sorted(listed),
                                                 "listed": now}, separators=(",", ":")))


def note_folders(known: KnownFolders, paths: list[str], store: MarksStore, marks: dict[str, FolderMarks],
                 pending: dict[str, dict]) -> None:
    """A folder never listed before (made since watching began, maybe while Precis was closed)
    starts with marks that take what arrived in it since then as new, saved before the folder is
    known (a crash in between leaves it new); a folder gone from two listings in a row loses its
    marks (``marks`` and ``pending`` are the source's, by folder path)."""
    changes = known.update(paths)
    for path in changes.appeared:
        if not store.exists(path):
            marks[path] = FolderMarks(started=True, since=changes.since)
            store.save(path, marks[path])
    for path in changes.gone:
        marks.pop(path, None)
        pending.pop(path, None)
        store.drop(path)
    known.commit(paths)

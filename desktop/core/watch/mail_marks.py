"""What a watched mailbox knows of each folder, kept between runs: the messages already there when
watching began or already recorded (short hashes of their ids), an IMAP folder's UIDVALIDITY and
the UID up to which all is known, an mbox file's size and last bytes when nothing in it was new.
The manifest stays the judge of what is done; these marks only spare re-listing and re-reading."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.atomic import atomic_write_text

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^\w.@+-]", re.UNICODE)
VERSION = 1


def short_id(text: str) -> str:
    """A message id as 16 hex digits: what the marks and the manifest keys hold."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def slug(text: str, limit: int = 60) -> str:
    """A name as one safe path segment, readable where it can be, unique by a hash suffix."""
    readable = _UNSAFE.sub("_", text).strip("._") or "mail"
    return f"{readable[:limit]}-{short_id(text)[:8]}"


def private_dir(path: Path) -> Path:
    """Owner-only: these folders hold copies of mail."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)
    return path


@dataclass(slots=True)
class FolderMarks:
    #: Short ids of the messages known: there before watching began, or recorded since.
    known: set[str] = field(default_factory=set)
    #: IMAP: the folder's UIDVALIDITY, and the UID up to which every message is known.
    uidvalidity: int = 0
    uid: int = 0
    #: An mbox file: its size and the hash of its last bytes when the whole of it was known.
    size: int = 0
    tail: str = ""
    #: False until the folder's first look: what is in it then is taken as already there.
    started: bool = False
    #: A folder that appeared after watching began (``mail_folders.py``): the time it was last
    #: known absent; what arrived in it since then is new, not taken as already there. Cleared
    #: once its first messages are recorded.
    since: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {"version": VERSION, "known": sorted(self.known), "uidvalidity": self.uidvalidity, "uid": self.uid,
                "size": self.size, "tail": self.tail, "since": self.since}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> FolderMarks:
        known = data.get("known", [])
        return cls(known={k for k in known if isinstance(k, str)} if isinstance(known, list) else set(),
                   uidvalidity=_int(data.get("uidvalidity")), uid=_int(data.get("uid")), size=_int(data.get("size")),
                   tail=str(data.get("tail", "")), started=True, since=_seconds(data.get("since")))


def prune_known(marks: FolderMarks, listed: set[str], missing_before: set[str]) -> tuple[set[str], bool]:
    """Forget the marks of messages gone from the folder (deleted, expunged, compacted away) once
    two whole listings in a row (``listed``) have missed them, so a message a client is moving
    (from new/ to cur/ between two reads of one listing) is never taken for gone. Returns what
    this listing missed for the first time, and whether any mark was dropped."""
    missing = marks.known - listed
    gone = missing & missing_before
    marks.known -= gone
    return missing - gone, bool(gone)


def _int(value: object) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def _seconds(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else 0.0


class MarksStore:
    """One small JSON file per folder under the source's own folder, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, folder_path: str) -> Path:
        return self.folder / f"{slug(folder_path or 'top')}.json"

    def load(self, folder_path: str) -> FolderMarks:
        try:
            data = json.loads(self.path(folder_path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return FolderMarks()
        except (OSError, ValueError) as exc:
            # Damaged: taken as a first look (nothing old is summarized; the manifest still rules).
            log.warning("the watch marks of %s could not be read (%s); starting from what is there now", folder_path, exc)
            return FolderMarks()
        return FolderMarks.from_dict(data) if isinstance(data, dict) else FolderMarks()

    def save(self, folder_path: str, marks: FolderMarks) -> None:
        private_dir(self.folder)
        atomic_write_text(self.path(folder_path), json.dumps(marks.to_dict(), separators=(",", ":")))

    def exists(self, folder_path: str) -> bool:
        return self.path(folder_path).is_file()

    def drop(self, folder_path: str) -> None:
        """A folder gone from the mailbox: what it knew is of no more use."""
        with contextlib.suppress(FileNotFoundError):
            self.path(folder_path).unlink()

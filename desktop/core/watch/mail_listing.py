"""How a watched mail folder on disk is looked at, cheaply: a Maildir by the names in new/ and cur/
(only when either folder's modification time moved), a folder of saved messages or an Apple Mail
mailbox by its file names, a Thunderbird mbox file by its size and time and then only the bytes
appended since the last look. Each look gives the folder's messages with ids that stay the same
while the message does (a Maildir file's unique name without its flags, a file's name, an mbox
message's Message-ID), so a message moved from new/ to cur/ or marked read is not new again."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.mailstores.folders import Folder
from desktop.core.mailstores.mboxfile import iter_mbox, mozilla_flags
from desktop.core.mailstores.options import DEFAULT_MAIL
from desktop.core.mailstores.store import MailStore
from desktop.core.watch.mail_marks import FolderMarks, short_id

#: Seconds between listings of a folder whose modification time did not move (a change within
#: the file system's time granularity, or on a share that does not update it).
RELIST_S = 60.0
#: Seconds an mbox file must keep its size and time before its new bytes are read (a message
#: still being appended is not read half-written).
MBOX_SETTLE_S = 2.0
_MAILDIR_INFO = re.compile(r"[:!;]2,[^:!;]*$")
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(<[^>\r\n]{1,500}>|[^\r\n]{1,500})", re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_VOLATILE = re.compile(rb"^(x-mozilla-[a-z0-9-]*|status|x-status|x-keywords|x-uid|lines|content-length):[^\n]*\n"
                       rb"(?:[ \t][^\n]*\n)*", re.IGNORECASE | re.MULTILINE)


@dataclass(slots=True)
class NewMessage:
    """A message a look found: its id (``short_id`` of what names it for good), a name for
    sentences, how to load its bytes, and a stamp that changes while it is still being written."""

    id: str
    name: str
    load: Callable[[], bytes]
    size: int | None = None
    stamp: tuple[int, ...] = ()
    #: IMAP: its UID.
    uid: int = 0
    #: When the store says it arrived (seconds), where it says so: a new folder's old mail is not new.
    received: float | None = None
    #: The bytes, once loaded (kept until it is recorded; a look's new messages are few).
    data: bytes | None = field(default=None, repr=False)


def message_sha(data: bytes) -> str:
    """The message's content hash without the headers mail clients rewrite (Thunderbird's status,
    mbox Status lines): marking a message read does not make it a changed message."""
    end = _HEADER_END.search(data, 0, 256 * 1024)
    split = end.end() if end else 0
    head = _VOLATILE.sub(b"", data[:split].replace(b"\r\n", b"\n"))
    return hashlib.sha256(head + data[split:]).hexdigest()


def message_id(data: bytes) -> str | None:
    end = _HEADER_END.search(data, 0, 256 * 1024)
    match = _MESSAGE_ID.search(data, 0, end.start() if end else min(len(data), 256 * 1024))
    return match.group(1).decode("latin-1").strip() if match else None


def maildir_unique(name: str) -> str:
    """A Maildir file's unique part: its name without the ":2,FLAGS" a client changes."""
    return _MAILDIR_INFO.sub("", name)


class Lister:
    """A folder looked at by listing it whole (``complete``: what is not listed any more is gone)."""

    complete = True

    def __init__(self, store: MailStore, folder: Folder) -> None:
        self.store = store
        self.folder = folder
        self._stamp: object = None
        self._listed_at = 0.0
        #: The ids the last look saw whole (None when it saw only a part, or nothing): marks of
        #: messages missing from it may be gone from the store.
        self.listed: set[str] | None = None

    def stamp(self) -> object:
        """What moves when the folder's listing may have changed (None: list every time)."""
        return None

    def message_id(self, key: str) -> str:
        return key

    def look(self, marks: FolderMarks, *, force: bool = False) -> list[NewMessage] | None:
        """Every message in the folder now, or None when nothing can have changed since the last look."""
        stamp = self.stamp()
        now = time.monotonic()
        self.listed = None
        if not force and stamp is not None and stamp == self._stamp and now - self._listed_at < RELIST_S:
            return None
        self._stamp, self._listed_at = stamp, now
        found = [NewMessage(short_id(self.message_id(m.key)), m.key, m.load, m.size, self.message_stamp(m.key),
                            received=m.received.timestamp() if m.received else None)
                 for m in self.store.messages(self.folder, DEFAULT_MAIL)]
        self.listed = {m.id for m in found}
        return found

    def message_stamp(self, key: str) -> tuple[int, ...]:
        return ()

    def refresh(self, pending: dict[str, NewMessage]) -> None:
        """A fresh stamp for messages not yet summarized (a saved message still being copied)."""

    def begin(self, marks: FolderMarks, found: list[NewMessage]) -> None:
        """The folder's first look: what is there now was there before watching began."""
        marks.known = {m.id for m in found}

    def done(self, marks: FolderMarks, ids: set[str], pending_left: bool) -> None:
        marks.known |= ids
        if not pending_left:
            marks.since = 0.0  # a new folder's first mail is recorded: from here on it is like any other


def _mtime(path: Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


class MaildirLister(Lister):
    """new/ and cur/ by name; a message keeps its unique name when a client moves it or flags it."""

    def stamp(self) -> object:
        base = Path(self.folder.ref)
        return _mtime(base / "new"), _mtime(base / "cur")

    def message_id(self, key: str) -> str:
        return maildir_unique(key)


class SavedMessagesLister(Lister):
    """A folder of .eml/.emlx files: their names; each one's size and time while it is new, so a
    file still being copied in is summarized only once it has stopped changing."""

    def stamp(self) -> object:
        return _mtime(Path(self.folder.ref))

    def message_stamp(self, key: str) -> tuple[int, ...]:
        try:
            st = os.stat(Path(self.folder.ref) / key)
        except OSError:
            return ()
        return st.st_size, st.st_mtime_ns

    def refresh(self, pending: dict[str, NewMessage]) -> None:
        for message in pending.values():
            message.stamp = self.message_stamp(message.name)


class AppleMailLister(Lister):
    """An Apple Mail mailbox: its .emlx files under Messages/ folders, by name."""

    def stamp(self) -> object:
        stamps = []
        for top, dirs, _files in os.walk(Path(self.folder.ref)):
            dirs[:] = sorted(d for d in dirs if not d.endswith(".mbox") and not d.startswith("."))
            stamps.append(_mtime(Path(top)))
        return tuple(stamps)


class MboxLister(Lister):
    """A Thunderbird folder (an mbox file): mail is appended, so once the file has kept its size
    and time for ``MBOX_SETTLE_S``, only the bytes after the last look are read. A file that shrank
    or whose bytes before that point changed (Thunderbird compacted it) is read whole again, its
    messages known by Message-ID."""

    def __init__(self, store: MailStore, folder: Folder) -> None:
        super().__init__(store, folder)
        self.path = Path(folder.ref)
        self._read_to: int | None = None
        self._tail = ""
        self._seen: tuple[tuple[int, int], float] | None = None

    def look(self, marks: FolderMarks, *, force: bool = False) -> list[NewMessage] | None:
        self.listed = None
        st = os.stat(self.path)
        stamp = (st.st_size, st.st_mtime_ns)
        now = time.monotonic()
        if self._seen is None or self._seen[0] != stamp:
            self._seen = (stamp, now)
            if marks.started:
                return None  # it changed: read it once it has settled
        elif stamp == self._stamp and not force or marks.started and now - self._seen[1] < MBOX_SETTLE_S:
            return None
        size = st.st_size
        start = self._read_to if self._read_to is not None else (marks.size if marks.started else 0)
        expected = self._tail if self._read_to is not None else marks.tail
        # Read whole (and its messages replace those pending) unless the bytes up to ``start`` are
        # still the ones read before: then only what was appended is read.
        self.complete = start == 0 or start > size or _tail_hash(self.path, start) != expected
        found = self._read(0 if self.complete else start)
        self._stamp, self._read_to, self._tail = stamp, size, _tail_hash(self.path, size)
        self.listed = {m.id for m in found} if self.complete else None
        return found

    def _read(self, start: int) -> list[NewMessage]:
        out: list[NewMessage] = []
        seen: dict[str, int] = {}
        with open(self.path, "rb") as fh:  # read-only, shared: Thunderbird may have it open too
            fh.seek(start)
            for entry in iter_mbox(fh, self.store.limits.max_message_bytes):
                data = entry.data
                if data is not None:
                    flags = mozilla_flags(data)
                    if flags is not None and flags & 0x0008:
                        continue  # deleted in Thunderbird, not yet compacted away
                    ident = message_id(data) or message_sha(data)
                else:
                    ident = f"oversized {entry.separator!r} {entry.size}"
                seen[ident] = seen.get(ident, 0) + 1
                if seen[ident] > 1:
                    ident = f"{ident} #{seen[ident]}"  # the same Message-ID twice in one folder
                out.append(NewMessage(short_id(ident), ident, _kept(data), entry.size, data=data))
        return out

    def begin(self, marks: FolderMarks, found: list[NewMessage]) -> None:
        super().begin(marks, found)
        marks.size, marks.tail = self._read_to or 0, self._tail

    def done(self, marks: FolderMarks, ids: set[str], pending_left: bool) -> None:
        super().done(marks, ids, pending_left)
        if not pending_left and self._read_to is not None:
            marks.size, marks.tail = self._read_to, self._tail


def _kept(data: bytes | None) -> Callable[[], bytes]:
    def load() -> bytes:
        if data is None:
            raise OSError("the message is over the size limit")
        return data
    return load


def _tail_hash(path: Path, end: int) -> str:
    """A hash of the 256 bytes before ``end``: whether the file up to there is still the one read."""
    if end <= 0:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, end - 256))
            return hashlib.sha256(fh.read(min(256, end))).hexdigest()[:16]
    except OSError:
        return "?"


def lister_for(store: MailStore, folder: Folder) -> Lister:
    """The way to look at one of a local store's folders, by what its ``ref`` is on disk."""
    ref = Path(folder.ref)
    if ref.is_file():
        return MboxLister(store, folder)
    if (ref / "cur").is_dir() and (ref / "new").is_dir():
        return MaildirLister(store, folder)
    if store.kind == "apple-mail":
        return AppleMailLister(store, folder)
    return SavedMessagesLister(store, folder)

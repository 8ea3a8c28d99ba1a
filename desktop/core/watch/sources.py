"""Sources a watcher watches. A source says what it holds now (``scan``: cheap, called every poll)
as items with a stable key and a change stamp; the watcher decides what has settled and is new.

Folders are polled with ``os.scandir``: between full scans only each folder's modification time
is looked at (benchmarks/README.md, *Watched folders*: why polling, not inotify). A mailbox
(``core/watch/mailbox.py``) is a ``GroupedSource``: its items are the new messages, keyed by
what names a message for good (``imaps://user@host:993/INBOX;UIDVALIDITY=7;UID=42``, a Maildir
file's unique name, a Message-ID), each with the ``group`` of its folder; the watcher checks each
against the manifest, then asks the source to ``bundle`` a folder's new messages into one file to
summarize (one digest per folder per poll) and records a manifest row per message.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from desktop.core.ingest import SUPPORTED_EXTENSIONS
from desktop.core.watch.ignore import IGNORE_FILE, IgnoreRules


@dataclass(frozen=True, slots=True)
class SourceItem:
    #: Unique among all sources and stable across restarts: the manifest's key.
    key: str
    #: What citations and History show: the file's path, or the message's name.
    name: str
    #: Changes whenever the item does (size and modification time for a file).
    stamp: tuple[int, ...]
    #: The file on disk, or None when ``WatchSource.content`` gives the bytes.
    path: Path | None = None
    #: Items of one group (a mail folder) are summarized together: one digest per group per poll.
    group: str | None = None
    #: A bundle's members (the messages it holds), each recorded in the manifest on its own.
    parts: tuple[SourceItem, ...] = ()


class WatchSource(Protocol):
    #: What the Watched list shows.
    label: str
    #: Seconds an item must stay unchanged before it is summarized; None: the watcher's default.
    settle_s: float | None

    def scan(self) -> Iterator[SourceItem]:
        """Everything the source holds now."""
        ...

    def changes(self, pending: Iterable[str] = ()) -> Iterator[SourceItem]:
        """What may have changed since the last look, cheaply, and a fresh look at ``pending``
        keys; ``scan`` still runs now and then to catch the rest (a mailbox may simply scan)."""
        ...

    def content(self, item: SourceItem) -> bytes | None:
        """The item's bytes, or None to read ``item.path``."""
        ...


@runtime_checkable
class GroupedSource(WatchSource, Protocol):
    """A source whose items are parts of a group (a mailbox's messages, grouped by folder).

    ``attach`` comes first (where the source keeps what it knows: ``DIR/mail/...``); ``scan``
    yields the items not yet recorded. A settled group's new items become one ``bundle`` (an item
    whose ``path`` is the file to summarize and whose ``parts`` are the members, or None when
    they cannot be read now); ``recorded`` is told what the manifest holds (done, failed, or done
    before), so they are not listed again."""

    def attach(self, state_dir: Path) -> None: ...

    def fingerprint(self, item: SourceItem) -> str:
        """What the manifest compares (a message's content, not the flags a mail client changes)."""
        ...

    def bundle(self, items: list[SourceItem]) -> list[SourceItem]: ...

    def recorded(self, items: Iterable[SourceItem]) -> None: ...

    def owns(self, key: str) -> bool: ...

    def take_notices(self) -> list[str]:
        """Sentences for the user since the last call (said once each: a password missing, a
        server gone, a message that could not be read)."""
        ...

    def close(self) -> None: ...


class FolderSource:
    """A folder and (``recursive``) its subfolders: the files Precis reads, minus ignored ones."""

    settle_s: float | None = None

    def __init__(self, root: Path | str, *, recursive: bool = True) -> None:
        self.root = Path(root).expanduser().resolve()
        self.label = str(self.root)
        self.recursive = recursive
        self.rules = IgnoreRules(self.root)
        #: Entries listed by the last scan: its cost grows with them (the watcher paces full scans).
        self.entries = 0
        #: Every folder walked, with its modification time at the last look.
        self._dirs: dict[Path, int] = {}

    def scan(self) -> Iterator[SourceItem]:
        """Everything, folder by folder; each folder's modification time is kept for ``changes``."""
        self.entries = 0
        self._dirs = {}
        yield from self._walk(self.root, recursive=self.recursive)

    def changes(self, pending: Iterable[str] = ()) -> Iterator[SourceItem]:
        """The cheap look between full scans: one stat per folder, and a listing only of folders
        whose modification time moved (a file added, removed or renamed in them), plus a fresh
        stat of ``pending`` items (still settling). A file rewritten in place, which moves no
        folder's time, waits for the next full scan."""
        for folder, stamp in list(self._dirs.items()):
            try:
                now = os.stat(folder).st_mtime_ns
            except OSError:
                self._dirs.pop(folder, None)
                continue
            if now != stamp:
                # New subfolders are walked whole; known ones get their own turn in this loop.
                yield from self._walk(folder, recursive=self.recursive, known=True)
        for key in pending:
            path = Path(key)
            if path.parent in self._dirs or path.parent == self.root:
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                yield SourceItem(path.as_posix(), str(path), (st.st_size, st.st_mtime_ns), path)

    def _walk(self, top: Path, *, recursive: bool, known: bool = False) -> Iterator[SourceItem]:
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                stamp = os.stat(folder).st_mtime_ns
                with os.scandir(folder) as it:
                    entries = list(it)
            except OSError:
                self.rules.forget(folder)
                self._dirs.pop(folder, None)
                continue  # gone or unreadable now; it may come back
            self._dirs[folder] = stamp
            self.entries += len(entries)
            for e in entries:
                if e.name == IGNORE_FILE:
                    try:
                        self.rules.load(folder, e.stat().st_mtime_ns)
                    except OSError:
                        pass
            for e in sorted(entries, key=lambda e: e.name):
                try:
                    if e.is_dir(follow_symlinks=False):
                        sub = Path(e.path)
                        if recursive and not self.rules.ignored(sub, True) and not (known and sub in self._dirs):
                            stack.append(sub)
                        continue
                    # The cheap tests first: most of a big folder's entries end here, unstat'ed.
                    if os.path.splitext(e.name)[1].lower() not in SUPPORTED_EXTENSIONS or not e.is_file():
                        continue
                    path = Path(e.path)
                    if self.rules.ignored(path):
                        continue
                    st = e.stat()
                except OSError:
                    continue  # removed between the listing and the stat
                yield SourceItem(path.as_posix(), e.path, (st.st_size, st.st_mtime_ns), path)

    def content(self, item: SourceItem) -> bytes | None:
        return None

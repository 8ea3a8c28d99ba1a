"""Sources a watcher watches. A source says what it holds now (``scan``: cheap, called every poll)
as items with a stable key and a change stamp; the watcher decides what has settled and is new.

Folders are polled with ``os.scandir`` (benchmarks/README.md, *Watched folders*: why polling, not
inotify). A mailbox source (Maildir, Thunderbird, IMAP) implements the same protocol: its items'
keys name the message (``imap://user@host/INBOX;UIDVALIDITY=7;UID=42``), the stamp is what changes
when the message does (UIDVALIDITY and UID, or a Maildir file's name), ``settle_s`` is 0 (a
delivered message is complete), ``path`` is None and ``content`` returns the message's bytes,
which the watcher hands to the worker as a file named ``name`` (``batch/task.py`` ``blobs``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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


class WatchSource(Protocol):
    #: What the Watched list shows.
    label: str
    #: Seconds an item must stay unchanged before it is summarized; None: the watcher's default.
    settle_s: float | None

    def scan(self) -> Iterator[SourceItem]: ...

    def content(self, item: SourceItem) -> bytes | None:
        """The item's bytes, or None to read ``item.path``."""
        ...


class FolderSource:
    """A folder and (``recursive``) its subfolders: the files Precis reads, minus ignored ones."""

    settle_s: float | None = None

    def __init__(self, root: Path | str, *, recursive: bool = True) -> None:
        self.root = Path(root).expanduser().resolve()
        self.label = str(self.root)
        self.recursive = recursive
        self.rules = IgnoreRules(self.root)
        #: Entries stat'ed by the last scan: its cost grows with them (the watcher paces its polls).
        self.entries = 0

    def scan(self) -> Iterator[SourceItem]:
        self.entries = 0
        stack = [self.root]
        while stack:
            folder = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = list(it)
            except OSError:
                self.rules.forget(folder)
                continue  # gone or unreadable now; it may come back
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
                        if self.recursive and not self.rules.ignored(Path(e.path), True):
                            stack.append(Path(e.path))
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

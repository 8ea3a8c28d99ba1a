"""What the Watched list holds: one entry per watched source named in the settings (a folder
today; a mailbox once it has a maker), each with the ``WatchSource`` the watcher polls or the one
sentence saying why it cannot be watched now (a folder that is gone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core.watch.sources import FolderSource, WatchSource

#: Makers of sources from a settings string, tried in order before the folder maker; a mailbox
#: (``imap://…``, a Maildir) registers one here and returns None for strings that are not its own.
SOURCE_MAKERS: list[Callable[[str], WatchSource | None]] = []


@dataclass(slots=True)
class SourceEntry:
    #: The string kept in ``Settings.watched``.
    spec: str
    #: What the list shows (a folder's name) and its detail (the full path).
    name: str
    detail: str
    #: "folder" or "mailbox": the list's icon.
    kind: str = "folder"
    source: WatchSource | None = None
    #: Why it is not watched now ("" when it is).
    problem: str = ""

    def owns(self, key: str) -> bool:
        """Is the watched item ``key`` (a path, or a message's address) one of this source's?"""
        root = getattr(self.source, "root", None)
        if root is not None:
            return key.startswith(root.as_posix().rstrip("/") + "/")
        return bool(self.spec) and key.startswith(self.spec)


def make_entry(spec: str) -> SourceEntry:
    for maker in SOURCE_MAKERS:
        source = maker(spec)
        if source is not None:
            return SourceEntry(spec, source.label, spec, "mailbox", source)
    path = Path(spec).expanduser()
    name = path.name or str(path)
    if not path.is_dir():
        return SourceEntry(spec, name, str(path), problem="Folder not found; it is watched again once it is back.")
    return SourceEntry(spec, name, str(path), source=FolderSource(path))


def make_entries(watched: list[str]) -> list[SourceEntry]:
    """An entry per distinct watched string, in the settings' order."""
    return [make_entry(spec) for spec in dict.fromkeys(s for s in watched if s.strip())]


def same_folder(a: str, b: str) -> bool:
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except OSError:
        return a == b

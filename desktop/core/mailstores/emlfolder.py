"""A folder of saved messages (.eml, and Apple Mail's .emlx) read as one mailbox, its subfolders
as folders: how mail exported from most clients, or saved one by one, is kept."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from desktop.core.mailstores.applemail import emlx_message
from desktop.core.mailstores.folders import Folder, add_child, visible_subdirs
from desktop.core.mailstores.options import MailOptions
from desktop.core.mailstores.store import MailStore, StoredMessage

MESSAGE_SUFFIXES = (".eml", ".emlx")


def holds_messages(path: Path) -> bool:
    """A folder with saved messages in it (or in a folder inside it)."""
    try:
        for top, dirs, files in os.walk(path):
            if any(f.lower().endswith(MESSAGE_SUFFIXES) for f in files):
                return True
            if top.count(os.sep) - str(path).count(os.sep) >= 2:
                dirs[:] = []
    except OSError:
        return False
    return False


class EmlFolderStore(MailStore):
    kind = "eml-folder"
    label = "a folder of saved messages"

    def folders(self) -> Folder:
        root = Folder(name=self.name, path="", selectable=False)
        seen = [0]
        top = add_child(root, self.name, self.location, self.limits, seen, count=len(_messages_in(self.location)))
        if top is not None:
            self._level(self.location, top, seen, 0)
        return root

    def _level(self, base: Path, node: Folder, seen: list[int], depth: int) -> None:
        if depth > 16:
            return
        for sub in visible_subdirs(base):
            if not holds_messages(sub):
                continue
            child = add_child(node, sub.name, sub, self.limits, seen, count=len(_messages_in(sub)))
            if child is None:
                return
            self._level(sub, child, seen, depth + 1)

    def messages(self, folder: Folder, options: MailOptions) -> Iterator[StoredMessage]:
        for path in _messages_in(Path(folder.ref)):
            if path.name.lower().endswith(".emlx"):
                yield emlx_message(path, options.unseen)
                continue
            yield StoredMessage(key=path.name, load=path.read_bytes, size=_size(path), received=_mtime(path))


def _messages_in(folder: Path) -> list[Path]:
    try:
        return sorted((Path(e.path) for e in os.scandir(folder)
                       if e.name.lower().endswith(MESSAGE_SUFFIXES) and not e.name.startswith(".") and e.is_file()),
                      key=lambda p: p.name)
    except OSError:
        return []


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, ValueError, OverflowError):
        return None

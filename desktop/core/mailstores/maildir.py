"""Maildir, read in place: cur/ and new/ of each folder, the flags from the file names ("...:2,S"
is seen, "T" trashed), subfolders in Maildir++ (".Work.Projects") or nested (Dovecot's
LAYOUT=fs, which the IMAP cache uses too). Nothing is moved from new/ to cur/, nothing renamed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from desktop.core.mailstores.folders import Folder, add_child
from desktop.core.mailstores.options import MailOptions
from desktop.core.mailstores.store import MailStore, StoredMessage
from desktop.core.mailstores.utf7 import decode as decode_name

#: The separators between a Maildir file's unique name and its flags: ':' on Unix, '!' or ';'
#: where a file system forbids ':' (mbsync, Windows tools).
_INFO_SEPARATORS = (":2,", "!2,", ";2,")
INBOX = "INBOX"


def is_maildir_folder(path: Path) -> bool:
    """A folder holding mail the Maildir way: cur/ and new/ folders in it."""
    return (path / "cur").is_dir() and (path / "new").is_dir()


def looks_like_maildir(path: Path) -> bool:
    """A Maildir: its top is the INBOX, so it holds cur/ and new/ itself in every layout."""
    return is_maildir_folder(path)


def _holds_maildir_folders(path: Path) -> bool:
    try:
        return any(is_maildir_folder(Path(e.path)) for e in os.scandir(path) if e.is_dir())
    except OSError:
        return False


class MaildirStore(MailStore):
    kind = "maildir"
    label = "a Maildir"

    def folders(self) -> Folder:
        root = Folder(name=self.name, path="", ref=None, selectable=False)
        seen = [0]
        if is_maildir_folder(self.location):
            add_child(root, INBOX, self.location, self.limits, seen)
        self._plus_folders(root, seen)
        self._nested(self.location, root, seen, depth=0)
        for folder in root.walk():
            if folder.ref is not None:
                folder.count, folder.unread = maildir_counts(Path(folder.ref))
        return root

    def _plus_folders(self, root: Folder, seen: list[int]) -> None:
        """Maildir++: ".Work.Projects" beside cur/ is the folder Work/Projects."""
        try:
            entries = sorted(e.name for e in os.scandir(self.location) if e.name.startswith(".") and e.is_dir())
        except OSError:
            return
        for name in entries:
            if name in (".", "..") or not is_maildir_folder(self.location / name):
                continue
            node = root
            for part in (decode_name(p) for p in name[1:].split(".") if p):
                existing = next((c for c in node.children if c.name == part), None)
                if existing is None:
                    existing = add_child(node, part, None, self.limits, seen, selectable=False)
                    if existing is None:
                        return
                node = existing
            node.ref, node.selectable = self.location / name, True

    def _nested(self, folder_dir: Path, node: Folder, seen: list[int], depth: int) -> None:
        """Nested layout: a folder under the top holding cur/ and new/ (or holding such folders)."""
        if depth > 32:
            return
        try:
            entries = sorted(e.name for e in os.scandir(folder_dir) if e.is_dir() and not e.name.startswith("."))
        except OSError:
            return
        for name in entries:
            if name in ("cur", "new", "tmp"):
                continue
            sub = folder_dir / name
            if not is_maildir_folder(sub) and not _holds_maildir_folders(sub):
                continue
            child = next((c for c in node.children if c.name == decode_name(name)), None) or add_child(
                node, decode_name(name), sub if is_maildir_folder(sub) else None, self.limits, seen,
                selectable=is_maildir_folder(sub))
            if child is not None:
                self._nested(sub, child, seen, depth + 1)

    def messages(self, folder: Folder, options: MailOptions) -> Iterator[StoredMessage]:
        yield from maildir_messages(Path(folder.ref), unseen_only=options.unseen)


def maildir_counts(folder_dir: Path) -> tuple[int, int]:
    """(messages, unread) in a Maildir folder from its file names alone: new/ is unread, cur/
    without "S" too; trashed ("T") messages are not counted, as they are not read."""
    count = unread = 0
    for sub in ("new", "cur"):
        try:
            names = [e.name for e in os.scandir(folder_dir / sub) if not e.name.startswith(".")]
        except OSError:
            continue
        for name in names:
            flags = _flags(name) if sub == "cur" else ""
            if "T" in flags:
                continue
            count += 1
            unread += "S" not in flags
    return count, unread


def maildir_messages(folder_dir: Path, *, unseen_only: bool = False) -> Iterator[StoredMessage]:
    """new/ then cur/, oldest delivery first; trashed ("T") messages are left out, as a mail
    client hides them until it expunges them."""
    found: list[tuple[float, str, Path, bool]] = []
    for sub in ("new", "cur"):
        try:
            entries = list(os.scandir(folder_dir / sub))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file():
                continue
            flags = _flags(entry.name) if sub == "cur" else ""
            if "T" in flags:
                continue
            seen = "S" in flags
            if unseen_only and seen:
                continue
            found.append((_delivered(entry), entry.name, Path(entry.path), seen))
    found.sort()
    for stamp, name, path, seen in found:
        yield StoredMessage(key=name, load=_loader(path), size=_size(path), seen=seen,
                            received=datetime.fromtimestamp(stamp, UTC) if stamp > 0 else None)


def _flags(name: str) -> str:
    for sep in _INFO_SEPARATORS:
        if sep in name:
            return name.rsplit(sep, 1)[1]
    return ""


def _delivered(entry: os.DirEntry[str]) -> float:
    """The delivery time Maildir puts at the start of the name ("1700000000.M1P2.host"), else the file's time."""
    head = entry.name.split(".", 1)[0]
    if head.isdigit() and len(head) <= 12:
        return float(head)
    try:
        return entry.stat().st_mtime
    except OSError:
        return 0.0


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _loader(path: Path):  # -> Callable[[], bytes]
    def load() -> bytes:
        with open(path, "rb") as fh:  # read-only; a Maildir has no locks to take
            return fh.read()
    return load

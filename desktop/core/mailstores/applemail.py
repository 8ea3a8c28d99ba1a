"""Apple Mail's folders: each mailbox a "Name.mbox" folder (nested ones inside it), its messages
.emlx files under Messages/ folders, attachments of a .partial.emlx beside them in Attachments/.
A mailbox exported from Apple Mail (a "Name.mbox" folder holding one mbox file) is read as mbox."""

from __future__ import annotations

import os
import plistlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from desktop.core.errors import CorruptFile
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.eml import parse
from desktop.core.ingest.emlx import is_read, restore_attachments, split_emlx
from desktop.core.mailstores.folders import Folder, add_child, visible_subdirs
from desktop.core.mailstores.mboxfile import iter_mbox, kept, mbox_counts
from desktop.core.mailstores.options import MailOptions
from desktop.core.mailstores.store import MailStore, StoredMessage

_MAILBOX = ".mbox"
_COUNT_LINE = re.compile(rb"\A[ \t]*(\d{1,12})[ \t]*\r?\n")
#: The most of an .emlx's end read for its flags (a property list is about a kilobyte).
_PLIST_TAIL = 64 * 1024
#: The .emlx files one listing opens for their flags (10,000 take about 0.4 s); mailboxes beyond
#: it show how many messages they hold, not how many are unread.
FLAG_BUDGET = 50_000


def _is_mailbox_dir(path: Path) -> bool:
    return path.name.endswith(_MAILBOX) and path.is_dir()


def looks_like_apple_mail(path: Path, depth: int = 0) -> bool:
    """An Apple Mail mailbox ("Name.mbox" folder), or a folder holding some (an account, V10/)."""
    if _is_mailbox_dir(path):
        return True
    if depth >= 2:
        return False
    try:
        subdirs = [Path(e.path) for e in os.scandir(path) if e.is_dir() and not e.name.startswith(".")]
    except OSError:
        return False
    return any(_is_mailbox_dir(d) for d in subdirs) or any(looks_like_apple_mail(d, depth + 1) for d in subdirs[:50])


class AppleMailStore(MailStore):
    kind = "apple-mail"
    label = "Apple Mail's folders"

    def folders(self) -> Folder:
        root = Folder(name=self.name, path="", selectable=False)
        seen = [0]
        if _is_mailbox_dir(self.location):
            node = add_child(root, self.location.name[: -len(_MAILBOX)], self.location, self.limits, seen)
            if node is not None:
                self._level(self.location, node, seen, 0)
        else:
            self._level(self.location, root, seen, 0)
        return root

    def _level(self, base: Path, node: Folder, seen: list[int], depth: int) -> None:
        if depth > 16:
            return
        for sub in visible_subdirs(base):
            if _is_mailbox_dir(sub):
                child = add_child(node, sub.name[: -len(_MAILBOX)], sub, self.limits, seen)
                if child is None:
                    return
                self._level(sub, child, seen, depth + 1)
            elif node.path == "" and looks_like_apple_mail(sub):
                # An account folder (named by its id) under V10/: a node that holds mailboxes.
                child = add_child(node, sub.name, None, self.limits, seen, selectable=False)
                if child is None:
                    return
                self._level(sub, child, seen, depth + 1)

    def fill_counts(self, root: Folder) -> None:
        """Each mailbox's messages and unread ones from the flags in each .emlx's property list
        (two small reads per message: the byte count line, then what follows the message); an
        exported mailbox (one mbox file) records no flags and gets its count only."""
        left = FLAG_BUDGET
        for folder in root.walk():
            if folder.ref is None:
                continue
            mailbox = Path(folder.ref)
            exported = mailbox / "mbox"
            try:
                if exported.is_file():
                    folder.count = mbox_counts(exported).count
                    continue
            except (OSError, ValueError):
                continue
            files = _emlx_files(mailbox)
            folder.count = len(files)
            if len(files) > left:
                left = 0
                continue
            left -= len(files)
            flags = [emlx_read_flag(path) for path in files]
            if any(read is not None for read in flags):
                folder.unread = sum(not read for read in flags)

    def messages(self, folder: Folder, options: MailOptions) -> Iterator[StoredMessage]:
        mailbox = Path(folder.ref)
        exported = mailbox / "mbox"
        if exported.is_file():
            with open(exported, "rb") as fh:
                for number, entry in enumerate(iter_mbox(fh, self.limits.max_message_bytes), 1):
                    yield StoredMessage(key=str(number), load=kept(entry.data), size=entry.size)
            return
        for path in _emlx_files(mailbox):
            yield emlx_message(path, options.unseen)


def _emlx_files(mailbox: Path) -> list[Path]:
    """The mailbox's .emlx files, in message number order, not those of mailboxes inside it."""
    found: list[tuple[int, str, Path]] = []
    for top, dirs, files in os.walk(mailbox):
        dirs[:] = sorted(d for d in dirs if not d.endswith(_MAILBOX) and d != "Attachments" and not d.startswith("."))
        for name in files:
            if name.endswith(".emlx") and not name.startswith("."):
                head = name.split(".", 1)[0]
                found.append((int(head) if head.isdigit() else 0, name, Path(top) / name))
    found.sort()
    return [p for _, _, p in found]


def emlx_read_flag(path: Path) -> bool | None:
    """Whether Apple Mail marked the message read (its property list's "flags", bit 0), reading
    the count line and the end of the file only; None when that is not recorded or not readable."""
    try:
        with open(path, "rb") as fh:
            match = _COUNT_LINE.match(fh.read(32))
            if not match:
                return None
            fh.seek(match.end() + int(match.group(1)))
            tail = fh.read(_PLIST_TAIL).strip()
        info = plistlib.loads(tail) if tail.startswith((b"<?xml", b"<plist", b"bplist")) else None
    except Exception:  # noqa: BLE001 - OSError, and plistlib's InvalidFileException, ExpatError, ValueError...
        return None
    return is_read(info) if isinstance(info, dict) else None


def emlx_message(path: Path, unseen: bool) -> StoredMessage:
    """A message whose flags are read now when "unread only" needs them, else when it is loaded."""
    try:
        size = path.stat().st_size
    except OSError:
        size = None
    seen: bool | None = None
    received = None
    if unseen and size is not None and size < 64 * 1024 * 1024:
        try:
            _, info = split_emlx(path.read_bytes(), path.name)
            seen = is_read(info)
            stamp = info.get("date-received")
            received = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int | float) and stamp > 0 else None
        except (OSError, CorruptFile):
            pass
    stored = StoredMessage(key=path.name, load=lambda: b"", size=size, seen=seen, received=received)

    def load() -> bytes:
        message, _ = split_emlx(path.read_bytes(), path.name)
        return message

    def rebuild(data: bytes, ctx: ReadContext):  # -> Message
        return restore_attachments(parse(data, ctx), path, ctx, stored.notes)

    stored.load = load
    if path.name.lower().endswith(".partial.emlx"):
        stored.parse = rebuild
    return stored

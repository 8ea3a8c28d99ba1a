"""Outlook data files (.pst, .ost), read through libpff's Python bindings (pypff, LGPL, linked
dynamically as a Python extension): the folders under the data file's top, each message rebuilt as
RFC 822 bytes for the one message reader. libpff opens the file read-only and never writes it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import desktop.core.mailstores.outlook_props as p
from desktop.core.errors import CorruptFile, UnsupportedFormat
from desktop.core.limits import Limits
from desktop.core.mailstores.folders import Folder, add_child
from desktop.core.mailstores.options import MailOptions
from desktop.core.mailstores.outlook_message import message_bytes
from desktop.core.mailstores.store import MailStore, StoredMessage

log = logging.getLogger(__name__)

#: "!BDN": the first four bytes of every PST and OST file (MS-PST 2.2.2.6).
MAGIC = b"!BDN"
#: Message classes that are mail (and meeting requests, posts, delivery reports); contacts,
#: appointments, tasks, notes and journal entries are not messages to summarize.
_MAIL_CLASSES = ("ipm.note", "ipm.post", "ipm.schedule.meeting", "report.ipm.note", "ipm.outlook.recall")


#: wVer (MS-PST 2.2.2.6) of the 4 KB-page files Outlook 2013 and later write for Exchange (.ost).
_4K_PAGE_VERSIONS = (36, 37)


def _format_version(location: Path, data: bytes | None) -> int | None:
    try:
        if data is not None:
            head = data[:12]
        else:
            with open(location, "rb") as fh:
                head = fh.read(12)
    except OSError:
        return None
    return int.from_bytes(head[10:12], "little") if len(head) >= 12 else None


class OutlookStore(MailStore):
    kind = "outlook"
    label = "an Outlook data file"

    def __init__(self, location: Path, limits: Limits, data: bytes | None = None, name: str | None = None) -> None:
        super().__init__(location, limits, name=name)
        try:
            import pypff
        except ImportError as exc:
            raise UnsupportedFormat(f"{self.name} is an Outlook data file; reading it needs libpff-python, "
                                    "which this installation lacks.", location) from exc
        self._file = pypff.file()
        try:
            if data is not None:
                self._file.open_file_object(io.BytesIO(data))
            else:
                self._file.open(str(location), "r")
        except Exception as exc:  # libpff raises IOError/OSError on a damaged or unknown header
            log.info("libpff could not open %s: %s", location.name, type(exc).__name__)
            if _format_version(location, data) in _4K_PAGE_VERSIONS:
                raise UnsupportedFormat(f"{self.name} is an offline data file of Outlook 2013 or later, whose layout "
                                        "libpff cannot read; export the folders to a .pst in Outlook.", location) from exc
            raise CorruptFile(f"{self.name} is a damaged Outlook data file and could not be opened.", location) from exc
        self._trash: int | None = None

    def close(self) -> None:
        p.safe(self._file.close)

    def folders(self) -> Folder:
        root = Folder(name=self.name, path="", selectable=False)
        top_folder = p.safe(self._file.get_root_folder)
        if top_folder is None:
            raise CorruptFile(f"{self.name} is a damaged Outlook data file: it has no folders.", self.location)
        store = p.safe(self._file.get_message_store)
        ipm = p.entry_nid(p.binary(store, p.IPM_SUBTREE_ENTRYID)) if store is not None else None
        self._trash = p.entry_nid(p.binary(store, p.WASTEBASKET_ENTRYID)) if store is not None else None
        subtree = self._find(top_folder, ipm) if ipm is not None else None
        seen = [0]
        if subtree is None:
            # No usable store record: every folder under the root but the search folders.
            subtree = top_folder
        if (p.safe(lambda: subtree.number_of_sub_messages, 0) or 0) > 0:
            top = add_child(root, p.safe(lambda: subtree.name) or "Top", subtree, self.limits, seen,
                            count=p.safe(lambda: subtree.number_of_sub_messages))
            if top is not None:
                top.unread = _unread(subtree, top.count)
        self._children(subtree, root, seen, depth=0)
        return root

    def _find(self, folder: Any, nid: int) -> Any | None:
        for index in range(min(p.safe(lambda: folder.number_of_sub_folders, 0) or 0, 1000)):
            sub = p.call(folder.get_sub_folder, index)
            if sub is not None and p.attr(sub, "identifier") == nid:
                return sub
        return None

    def _children(self, folder: Any, node: Folder, seen: list[int], depth: int) -> None:
        if depth > 64:
            return
        for index in range(min(p.safe(lambda: folder.number_of_sub_folders, 0) or 0, self.limits.max_folders)):
            sub = p.call(folder.get_sub_folder, index)
            if sub is None:
                continue
            name = (p.attr(sub, "name") or f"Folder {index + 1}").replace("/", "∕")
            child = add_child(node, name, sub, self.limits, seen, count=p.attr(sub, "number_of_sub_messages"))
            if child is None:
                return
            child.special = p.attr(sub, "identifier") == self._trash
            child.unread = _unread(sub, child.count)
            self._children(sub, child, seen, depth + 1)

    def messages(self, folder: Folder, options: MailOptions) -> Iterator[StoredMessage]:
        items = folder.ref
        count = p.safe(lambda: items.number_of_sub_messages, 0) or 0
        for index in range(count):
            item = p.call(items.get_sub_message, index)
            if item is None:
                self.warnings.append(f"Message {index + 1} of {folder.path} in {self.name} is damaged and was skipped.")
                continue
            kind = (p.string(item, p.MESSAGE_CLASS) or "ipm.note").lower()
            if not kind.startswith(_MAIL_CLASSES):
                continue
            flags = p.integer(item, p.MESSAGE_FLAGS)
            stored = StoredMessage(key=str(index), load=lambda: b"", seen=bool(flags & p.MSGFLAG_READ) if flags is not None else None,
                                   received=p.when(item))
            stored.load = _loader(item, self.limits, stored, f"{folder.path} of {self.name}")
            yield stored


def _unread(folder: Any, count: int | None) -> int | None:
    """The folder's own count of unread items (a property Outlook keeps, so nothing is opened);
    None where the file lacks it or it cannot be right (more than the folder holds)."""
    unread = p.integer(folder, p.CONTENT_UNREAD)
    return unread if unread is not None and 0 <= unread <= (count or 0) else None


def _loader(item: Any, limits: Limits, stored: StoredMessage, where: str):  # -> Callable[[], bytes]
    def load() -> bytes:
        try:
            return message_bytes(item, limits, stored.notes, where)
        except Exception as exc:  # a damaged item: libpff or the email package raise various types
            log.info("Outlook message not rebuilt: %s", type(exc).__name__)
            raise CorruptFile(f"A message in {where} is damaged and was skipped.") from exc
    return load

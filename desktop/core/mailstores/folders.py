"""A store's folders as a tree, and choosing the ones a user asked for by name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import FileUnreadable
from desktop.core.limits import Limits

#: Folder names that hold deleted mail or spam in the mail clients Precis reads.
_TRASH_AND_JUNK = frozenset({
    "trash", "deleted items", "deleted messages", "deleted", "junk", "junk e-mail", "junk email", "spam", "bulk mail",
})


@dataclass(slots=True)
class Folder:
    """One mail folder. ``path`` joins the names from the store's top with '/' ("Work/Projects");
    the top of the tree is the store itself (``path`` ""). ``ref`` is what the store needs to open
    it (a folder on disk, an mbox file, an Outlook folder's id, an IMAP name); ``count`` the number
    of messages when the store knows it without reading them."""

    name: str
    path: str
    ref: Any = None
    count: int | None = None
    #: How many of them are unread, where the store knows that without reading them (a Maildir).
    unread: int | None = None
    #: False for a node that only holds other folders (an IMAP \\Noselect name, Apple Mail's parent).
    selectable: bool = True
    #: Trash or junk: left out when the whole store is read, read when chosen by name.
    special: bool = False
    children: list[Folder] = field(default_factory=list)

    def walk(self) -> Iterator[Folder]:
        """This folder, then the folders under it, depth-first in order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "path": self.path}
        if self.count is not None:
            out["count"] = self.count
        if self.unread is not None:
            out["unread"] = self.unread
        if not self.selectable:
            out["selectable"] = False
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


def add_child(parent: Folder, name: str, ref: Any, limits: Limits, seen: list[int], *,
              count: int | None = None, selectable: bool = True) -> Folder | None:
    """Append a folder under ``parent`` unless the store already shows ``limits.max_folders``
    (``seen`` is a one-item counter the store's walk shares)."""
    if seen[0] >= limits.max_folders:
        return None
    seen[0] += 1
    child = Folder(name=name, path=f"{parent.path}/{name}" if parent.path else name, ref=ref, count=count,
                   selectable=selectable, special=name.casefold() in _TRASH_AND_JUNK)
    parent.children.append(child)
    return child


def visible_subdirs(base: Path) -> list[Path]:
    """The folders inside ``base`` on disk, hidden ones left out, sorted as people sort names;
    none when it cannot be listed."""
    try:
        return sorted((Path(e.path) for e in os.scandir(base) if e.is_dir() and not e.name.startswith(".")),
                      key=lambda p: p.name.casefold())
    except OSError:
        return []


def _under_special(folder: Folder, every: list[Folder]) -> bool:
    """Trash or junk, or a folder kept inside one."""
    return any(f.special and (folder.path == f.path or folder.path.startswith(f.path + "/")) for f in every)


def find_path(root: Folder, path: str) -> Folder | None:
    return next((f for f in root.walk() if f.path == path), None)


def select(root: Folder, names: tuple[str, ...], store_name: str, location: object) -> list[Folder]:
    """The folders to read: every selectable one, or those named and the folders under them.

    A name matches a folder's path exactly, else ignoring case ("inbox" is "INBOX"), else its last
    part when that is unique ("Projects" for "Work/Projects"). An unknown name is one sentence
    that lists what there is.
    """
    every = [f for f in root.walk() if f.path]
    if not names:
        return [f for f in every if f.selectable and not _under_special(f, every)]
    chosen: dict[str, Folder] = {}
    for raw in names:
        name = raw.strip("/")
        match = (next((f for f in every if f.path == name), None)
                 or next((f for f in every if f.path.casefold() == name.casefold()), None))
        if match is None:
            by_leaf = [f for f in every if f.name.casefold() == name.casefold()]
            match = by_leaf[0] if len(by_leaf) == 1 else None
        if match is None:
            known = ", ".join(f.path for f in every[:12]) + (", ..." if len(every) > 12 else "")
            raise FileUnreadable(f"{store_name} has no folder named “{raw}”; its folders are: {known or 'none'}.",
                                 location if isinstance(location, str | Path) else None)
        for folder in match.walk():
            if folder.selectable:
                chosen.setdefault(folder.path, folder)
    return list(chosen.values())

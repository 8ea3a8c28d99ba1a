"""What the Watched list holds: one entry per watched source named in the settings (a folder, or
a mailbox through a maker in ``SOURCE_MAKERS``), each with the ``WatchSource`` the watcher polls
or the one sentence saying why it cannot be watched now (a folder that is gone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import PrecisError
from desktop.core.mailstores.mailboxes import Mailbox, local_mailbox
from desktop.core.watch.mailbox import MailboxSource, parse_watch_spec
from desktop.core.watch.sources import FolderSource, GroupedSource, WatchSource

#: Makers of sources from a settings string, tried in order before the folder maker; a mailbox's
#: maker (``use_mailboxes``) knows ``mailbox:LOCATION#FOLDER`` and returns None for other strings.
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
    #: What it is, in words: "Folder", "Maildir", "IMAP account"...
    kind_name: str = "Folder"

    def owns(self, key: str) -> bool:
        """Is the watched item ``key`` (a path, or a message's address) one of this source's?"""
        if isinstance(self.source, GroupedSource):
            return self.source.owns(key)
        root = getattr(self.source, "root", None)
        if root is not None:
            return key.startswith(root.as_posix().rstrip("/") + "/")
        return bool(self.spec) and key.startswith(self.spec)


def make_entry(spec: str) -> SourceEntry:
    for maker in SOURCE_MAKERS:
        try:
            source = maker(spec)
        except PrecisError as exc:  # a mailbox that cannot be watched (an Outlook file): said on its row
            return SourceEntry(spec, spec, spec, "mailbox", problem=exc.message, kind_name="Mailbox")
        if source is not None:
            kind_name = getattr(source, "kind_name", "Mailbox")
            return SourceEntry(spec, source.label, _detail(source), "mailbox", source, kind_name=kind_name)
    path = Path(spec).expanduser()
    name = path.name or str(path)
    if not path.is_dir():
        return SourceEntry(spec, name, str(path), problem="Folder not found; it is watched again once it is back.")
    return SourceEntry(spec, name, str(path), source=FolderSource(path))


def _detail(source: WatchSource) -> str:
    if isinstance(source, MailboxSource):
        where = source.account.label if source.account is not None else source.location
        return f"{source.kind_name}: {where}" + (f" › {', '.join(source.folders)}" if source.folders else " (all its mail)")
    return source.label


def make_entries(watched: list[str]) -> list[SourceEntry]:
    """An entry per distinct watched string, in the settings' order."""
    return [make_entry(spec) for spec in dict.fromkeys(s for s in watched if s.strip())]


def same_folder(a: str, b: str) -> bool:
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except OSError:
        return a == b


def mailbox_maker(mailboxes: Callable[[], list[Mailbox]]) -> Callable[[str], WatchSource | None]:
    """The maker of watched mailboxes: ``mailbox:LOCATION#FOLDER`` as a ``MailboxSource``, with the
    kind, name and IMAP connection settings of the mailbox the Mail tab keeps (``mailboxes()``)."""

    def make(spec: str) -> WatchSource | None:
        parsed = parse_watch_spec(spec)
        if parsed is None:
            return None
        location, folder = parsed
        box = next((b for b in mailboxes() if b.location == location), None)
        if box is None and not location.lower().startswith(("imap://", "imaps://")):
            box = local_mailbox(location)  # removed from the Mail tab: still a store on disk
        options = box.options() if box is not None else None
        return MailboxSource(location, kind=box.kind if box is not None else None, folders=(folder,) if folder else (),
                             options=options, name=box.name if box is not None else "")

    make.precis_mailboxes = True  # type: ignore[attr-defined]
    return make


def use_mailboxes(mailboxes: Callable[[], list[Mailbox]]) -> None:
    """Register the mailbox maker in ``SOURCE_MAKERS`` (in place of an earlier window's)."""
    SOURCE_MAKERS[:] = [m for m in SOURCE_MAKERS if not getattr(m, "precis_mailboxes", False)]
    SOURCE_MAKERS.append(mailbox_maker(mailboxes))

"""Mail where it lives: Maildir, folders of saved messages, Thunderbird profiles, Apple Mail,
Outlook data files (.pst/.ost) and IMAP servers, each a source of Documents, never a new format.

A store is a tree of folders (``list_folders``); reading it (``read_mail``), as a whole or by
folder, date range or unread mail (``MailOptions``), gives one Document whose children are the
folders, each read by the one message reader (``ingest/eml.py`` through ``ingest/mbox.py``) into
blocks located by message index, sender and date, attachments included. Stores are read-only:
nothing is written, moved, locked or marked read; only an IMAP server the user named is contacted.
"""

from __future__ import annotations

from pathlib import Path

from desktop.core.document import Document
from desktop.core.errors import FileUnreadable, UnsupportedFormat
from desktop.core.events import CancelToken, EventCallback
from desktop.core.limits import DEFAULT_LIMITS, Limits
from desktop.core.mailstores.folders import Folder
from desktop.core.mailstores.locate import fingerprint, store_in_listing, store_kind
from desktop.core.mailstores.options import DEFAULT_MAIL, MailOptions, parse_day
from desktop.core.mailstores.store import MailStore, StoredMessage

#: The kinds ``store_kind`` recognises on its own, and the one it takes only when asked.
KINDS = ("outlook", "thunderbird", "maildir", "apple-mail", "eml-folder", "imap")


def is_imap(location: object) -> bool:
    return isinstance(location, str) and location.lower().startswith(("imap://", "imaps://"))


def open_store(location: Path | str, *, kind: str | None = None, limits: Limits = DEFAULT_LIMITS,
               options: MailOptions = DEFAULT_MAIL, password: str | None = None) -> MailStore:
    """The store at ``location`` (a path, or an ``imap://``/``imaps://`` address), opened
    read-only. Raises ``UnsupportedFormat`` when it is no store Precis knows."""
    if is_imap(location):
        from desktop.core.mailstores.imap_store import ImapStore

        return ImapStore(str(location), limits, options, password=password)
    path = Path(location)
    if not path.exists():
        raise FileUnreadable(f"{path.name or path} does not exist (it may have been moved or deleted).", path)
    kind = kind or store_kind(path, saved_messages=True)
    if kind == "outlook":
        from desktop.core.mailstores.outlook import OutlookStore

        return OutlookStore(path, limits)
    if kind == "thunderbird":
        from desktop.core.mailstores.thunderbird import ThunderbirdStore

        return ThunderbirdStore(path, limits)
    if kind == "maildir":
        from desktop.core.mailstores.maildir import MaildirStore

        return MaildirStore(path, limits)
    if kind == "apple-mail":
        from desktop.core.mailstores.applemail import AppleMailStore

        return AppleMailStore(path, limits)
    if kind == "imap-cache":
        from desktop.core.mailstores.imap_cache import CachedAccountStore

        return CachedAccountStore(path, limits)
    if kind == "eml-folder":
        from desktop.core.mailstores.emlfolder import EmlFolderStore

        return EmlFolderStore(path, limits)
    raise UnsupportedFormat(f"{path.name or path} is not a mail store Precis knows (a Maildir, a Thunderbird profile, "
                            "Apple Mail's folders, an Outlook data file or a folder of .eml files).", path)


def list_folders(location: Path | str, *, kind: str | None = None, limits: Limits = DEFAULT_LIMITS,
                 options: MailOptions = DEFAULT_MAIL, password: str | None = None) -> Folder:
    """The store's folders as a tree (its top is the store; ``Folder.path`` names a folder for
    ``MailOptions.folders``), with the counts of messages and unread ones the store knows cheaply."""
    with open_store(location, kind=kind, limits=limits, options=options, password=password) as store:
        root = store.folders()
        store.fill_counts(root)
        return root


def read_mail(location: Path | str, options: MailOptions = DEFAULT_MAIL, *, kind: str | None = None,
              limits: Limits = DEFAULT_LIMITS, password: str | None = None, on_event: EventCallback | None = None,
              cancel: CancelToken | None = None) -> Document:
    """The chosen part of a store as one Document: the store on top, a child per folder."""
    from desktop.core.mailstores.reading import read_store

    with open_store(location, kind=kind, limits=limits, options=options, password=password) as store:
        return read_store(store, options, on_event=on_event, cancel=cancel)


__all__ = [
    "KINDS", "Folder", "MailOptions", "MailStore", "StoredMessage", "fingerprint", "is_imap", "list_folders",
    "open_store", "parse_day", "read_mail", "store_in_listing", "store_kind",
]

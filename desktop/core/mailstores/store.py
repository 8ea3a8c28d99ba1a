"""What every mail store is: a tree of folders, each a stream of stored messages (bytes on demand
and what the store knows without reading them), opened read-only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from pathlib import Path

from desktop.core.ingest.context import ReadContext
from desktop.core.limits import DEFAULT_LIMITS, Limits
from desktop.core.mailstores.folders import Folder
from desktop.core.mailstores.options import MailOptions


@dataclass(slots=True)
class StoredMessage:
    """One message as a store holds it. ``load`` returns its RFC 822 bytes (raising OSError or a
    DocumentError); ``size`` is known first so an oversized message is never loaded; ``seen`` is
    None where the store does not record it; ``received`` stands in for a missing Date header."""

    key: str
    load: Callable[[], bytes]
    size: int | None = None
    seen: bool | None = None
    received: datetime | None = None
    #: Set by a store that already matched the message to MailOptions' dates itself (an IMAP
    #: server's SEARCH): the reader does not judge it again.
    dates_checked: bool = False
    #: Turns the loaded bytes into the parsed message where the store must finish it first
    #: (a .partial.emlx whose attachments lie beside it); None: the reader parses the bytes.
    parse: Callable[[bytes, ReadContext], Message] | None = None
    #: What ``load`` had to leave out (an attachment over the limit), said once the message is read.
    notes: list[str] = field(default_factory=list)


class MailStore:
    """Base of the stores. A store never writes, locks or moves anything in what it reads."""

    #: "maildir", "eml-folder", "thunderbird", "apple-mail", "outlook", "imap".
    kind = ""
    #: What a user calls it ("a Maildir", "a Thunderbird profile"), for sentences.
    label = "a mail store"

    def __init__(self, location: Path, limits: Limits = DEFAULT_LIMITS, *, name: str | None = None) -> None:
        self.location = location
        self.limits = limits
        self.warnings: list[str] = []
        self._name = name

    @property
    def name(self) -> str:
        """What sentences and titles call it: the folder's or file's name, or the one given."""
        return self._name or self.location.name or str(self.location)

    def selection(self, options: MailOptions) -> MailOptions:
        """The options as this store reads them (an IMAP address may name its folder)."""
        return options

    def folders(self) -> Folder:
        """The folder tree; its top is the store itself (path "")."""
        raise NotImplementedError

    def fill_counts(self, root: Folder) -> None:
        """Set ``count`` and ``unread`` on the folders where the store can learn them cheaply and
        as "unread only" would choose (flags in headers, a property list, a folder property, an
        IMAP STATUS): for the Mail tab's tree, not for a read, so reading never pays for it."""

    def messages(self, folder: Folder, options: MailOptions) -> Iterator[StoredMessage]:
        """The folder's messages in the store's order. A store may apply ``options`` itself where
        it can do so cheaply (unread flags in file names, an IMAP search); the reader checks again."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the store holds open (an Outlook file, a server connection)."""

    def __enter__(self) -> MailStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""A mailbox the user added: a mail store (a folder, a Thunderbird profile, an Outlook data file)
or an IMAP account, kept in the settings as plain data so the window, the watcher and the CLI
read the same list. Never its password: that is in the keyring or this session's memory
(``credentials``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from desktop.core.errors import UnsupportedFormat
from desktop.core.mailstores.imap_account import IMAP_PORT, IMAPS_PORT, ImapAccount, parse_address
from desktop.core.mailstores.locate import store_kind
from desktop.core.mailstores.options import MailOptions

#: What a user calls each kind, for titles and sentences.
KIND_NAMES = {
    "maildir": "Maildir", "eml-folder": "Folder of saved messages", "apple-mail": "Apple Mail",
    "thunderbird": "Thunderbird", "outlook": "Outlook data file", "imap": "IMAP account",
}


@dataclass(frozen=True, slots=True)
class Mailbox:
    """``location`` is the store's path, or for IMAP its account address
    (``imaps://user@server:993``; ``imap://`` means STARTTLS, required). ``cafile`` and
    ``timeout`` are the IMAP connection's (a certificate authority to trust besides the system's,
    for a server with a certificate of its own making; seconds one exchange may take)."""

    kind: str
    location: str
    name: str = ""
    cafile: str | None = None
    timeout: float = 30.0

    @property
    def is_imap(self) -> bool:
        return self.kind == "imap"

    @property
    def account(self) -> ImapAccount | None:
        return parse_address(self.location) if self.is_imap else None

    @property
    def title(self) -> str:
        """What the list shows: the name given, else 'alice@mail.example.com' or the folder's name."""
        if self.name:
            return self.name
        if self.is_imap:
            return parse_address(self.location).label
        path = Path(self.location)
        return path.name or str(path)

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, "Mail store")

    def options(self, folders: Iterable[str] = (), *, since: date | None = None, until: date | None = None,
                unseen: bool = False) -> MailOptions:
        """The selection to read from this mailbox, with its connection's settings."""
        return MailOptions(folders=tuple(folders), since=since, until=until, unseen=unseen, cafile=self.cafile,
                           timeout=self.timeout)

    def to_plain(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "location": self.location}
        if self.name:
            out["name"] = self.name
        if self.cafile:
            out["cafile"] = self.cafile
        if self.timeout != 30.0:
            out["timeout"] = self.timeout
        return out

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> Mailbox:
        """The inverse of ``to_plain``; ValueError when ``data`` is not a mailbox."""
        kind, location = data.get("kind"), data.get("location")
        if kind not in KIND_NAMES or not isinstance(location, str) or not location:
            raise ValueError(f"not a mailbox: {data!r}")
        if kind == "imap":
            parse_address(location)  # UnsupportedFormat on an address that is not one
        cafile = data.get("cafile")
        return cls(kind=kind, location=location, name=str(data.get("name", "")),
                   cafile=cafile if isinstance(cafile, str) and cafile else None,
                   timeout=float(data.get("timeout", 30.0)))


def local_mailbox(path: Path | str, *, name: str = "") -> Mailbox:
    """A store on disk as a mailbox, its kind known by its layout or first bytes (as a job knows
    it; a folder of .eml files counts). One sentence when it is no store Precis knows."""
    where = Path(path).expanduser()
    if not where.exists():
        raise UnsupportedFormat(f"{where.name or where} does not exist (it may have been moved or deleted).", where)
    kind = store_kind(where, saved_messages=True)
    if kind is None:
        raise UnsupportedFormat(f"{where.name or where} is not a mail store Precis knows (a Maildir, a Thunderbird "
                                "profile, Apple Mail's folders, an Outlook data file or a folder of .eml files).", where)
    return Mailbox(kind=kind, location=str(where), name=name)


def imap_mailbox(server: str, user: str, *, port: int | None = None, starttls: bool = False, cafile: str | None = None,
                 name: str = "", timeout: float = 30.0) -> Mailbox:
    """An IMAP account as a mailbox: TLS from the first byte (IMAPS, port 993) or STARTTLS
    (required, port 143). One sentence when the server or user cannot be an address."""
    server, user = server.strip(), user.strip()
    if not server:
        raise UnsupportedFormat("Name the mail server (for example imap.example.com).")
    if not user:
        raise UnsupportedFormat("Name the user to log in as (often your email address).")
    host = f"[{server}]" if ":" in server and not server.startswith("[") else server
    usual = IMAP_PORT if starttls else IMAPS_PORT
    address = f"{'imap' if starttls else 'imaps'}://{quote(user, safe='@')}@{host}:{port or usual}"
    parse_address(address)
    if cafile and not Path(cafile).expanduser().is_file():
        raise UnsupportedFormat(f"The certificate authority file {Path(cafile).name} does not exist.", cafile)
    return Mailbox(kind="imap", location=address, name=name,
                   cafile=str(Path(cafile).expanduser()) if cafile else None, timeout=timeout)


def load_mailboxes(entries: Iterable[Any]) -> list[Mailbox]:
    """The mailboxes kept in the settings; an entry that is not one (edited by hand) is skipped."""
    out: list[Mailbox] = []
    for entry in entries:
        try:
            box = Mailbox.from_plain(entry) if isinstance(entry, dict) else None
        except (ValueError, TypeError, UnsupportedFormat):
            box = None
        if box is not None and all(b.location != box.location for b in out):
            out.append(box)
    return out


def dump_mailboxes(boxes: Iterable[Mailbox]) -> list[dict[str, Any]]:
    return [b.to_plain() for b in boxes]

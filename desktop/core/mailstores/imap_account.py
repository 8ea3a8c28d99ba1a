"""An IMAP address as a user writes it (``imaps://alice@example.com@mail.example.com/INBOX``,
RFC 5092's form with ``imaps://`` for TLS from the first byte) and the account it names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from desktop.core.errors import UnsupportedFormat

IMAPS_PORT, IMAP_PORT = 993, 143
_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$")


@dataclass(frozen=True, slots=True)
class ImapAccount:
    """``implicit_tls``: imaps:// (TLS from the first byte, port 993); else imap:// with STARTTLS
    required (port 143). ``folder`` is the folder the address names, if any ("/"-separated)."""

    host: str
    port: int
    user: str
    implicit_tls: bool
    folder: str | None = None

    @property
    def key(self) -> str:
        """The account without a folder: what a password is kept under."""
        scheme = "imaps" if self.implicit_tls else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}"

    @property
    def label(self) -> str:
        """'alice@mail.example.com' (with the port when it is not the usual one)."""
        usual = IMAPS_PORT if self.implicit_tls else IMAP_PORT
        host = self.host if self.port == usual else f"{self.host}:{self.port}"
        return f"{self.user}@{host}"


def parse_address(address: str) -> ImapAccount:
    """Parse ``imap[s]://user@host[:port][/folder]``; one sentence when it is not one."""
    match = re.match(r"^(imaps?)://([^/?#]*)(/[^?#]*)?", address.strip(), re.IGNORECASE)
    if not match:
        raise UnsupportedFormat(f"{address} is not an IMAP address; write it as imaps://user@server/Folder.")
    scheme, authority, path = match.group(1).lower(), match.group(2), match.group(3) or ""
    if "@" not in authority:
        raise UnsupportedFormat(f"{address} names no user; write it as {scheme}://user@server/Folder.")
    user_part, _, hostport = authority.rpartition("@")  # a user may be an address with its own @
    user = unquote(user_part.split(";", 1)[0])  # ";AUTH=..." (RFC 5092) is not used
    host, port = _host_port(hostport, address)
    implicit = scheme == "imaps"
    if port is None:
        port = IMAPS_PORT if implicit else IMAP_PORT
    folder = unquote(path.strip("/")) or None
    if not user or not host:
        raise UnsupportedFormat(f"{address} is not an IMAP address; write it as imaps://user@server/Folder.")
    return ImapAccount(host=host, port=port, user=user, implicit_tls=implicit, folder=folder)


def _host_port(hostport: str, address: str) -> tuple[str, int | None]:
    host, port = hostport, None
    if hostport.startswith("["):
        end = hostport.find("]")
        host, rest = hostport[:end + 1], hostport[end + 1:]
        if rest.startswith(":"):
            port = _port(rest[1:], address)
    elif ":" in hostport:
        host, raw = hostport.rsplit(":", 1)
        port = _port(raw, address)
    if not _HOST.match(host):
        raise UnsupportedFormat(f"{address} does not name a server Precis can reach.")
    return host.strip("[]"), port


def _port(raw: str, address: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise UnsupportedFormat(f"{address} has a port that is not a number from 1 to 65535.")
    return int(raw)


def account_key(address: str) -> str:
    return parse_address(address).key

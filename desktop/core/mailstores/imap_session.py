"""One read-only IMAP session: TLS first (IMAPS, or STARTTLS before the password), LOGIN, folders
(LIST), EXAMINE (never SELECT: nothing can change), UID SEARCH and UID FETCH with BODY.PEEK[], so
no message is marked read. Every failure becomes one sentence: a wrong password
(``PasswordRequired``), or a server that cannot be reached, refuses TLS, drops the connection,
stops answering or sends more than Precis accepts (``MailServerError``)."""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from desktop.core.errors import MailServerError, PasswordRequired
from desktop.core.limits import Limits
from desktop.core.mailstores.imap_account import ImapAccount
from desktop.core.mailstores.imap_wire import BoundedIMAP4, BoundedIMAP4_SSL, WireProblem

_MAX_LINE = 4 * 1024 * 1024
_COMMAND_BUDGET = 16 * 1024 * 1024
_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>"(?:\\.|[^"\\])*"|NIL) ?(?P<name>.*)$', re.DOTALL)
_FETCH_UID = re.compile(rb"\bUID (\d+)")
_FETCH_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_FETCH_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_UIDVALIDITY = re.compile(rb"\d+")
_STATUS_ITEM = re.compile(rb"\b(MESSAGES|UNSEEN) (\d+)", re.IGNORECASE)


@dataclass(slots=True)
class ListedFolder:
    name: str  # as the server spells it (modified UTF-7)
    delimiter: str | None
    flags: frozenset[str]


class ImapSession:
    """Connected and logged in on construction; use as a context manager to log out."""

    def __init__(self, account: ImapAccount, password: str, limits: Limits, *, cafile: str | None = None,
                 timeout: float = 30.0) -> None:
        self.account = account
        self.timeout = timeout
        self.limits = limits
        self._conn: imaplib.IMAP4 | None = None
        #: The UIDNEXT of the folder last opened, where the server gave it.
        self.uidnext: int | None = None
        context = ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        max_literal = limits.max_message_bytes + 65536
        try:
            if account.implicit_tls:
                self._conn = BoundedIMAP4_SSL(account.host, account.port, context=context, idle=timeout,
                                              max_line=_MAX_LINE, max_literal=max_literal)
            else:
                self._conn = BoundedIMAP4(account.host, account.port, idle=timeout, max_line=_MAX_LINE,
                                          max_literal=max_literal)
                self._conn.arm(timeout * 4, _COMMAND_BUDGET)
                self._conn.starttls(context)
        except Exception as exc:  # ssl, socket, imaplib and the wire's own errors: each is explained
            self.close(graceful=False)
            raise self._explain(exc, "connecting") from exc
        self._login(password)

    # -- errors -------------------------------------------------------------------------------
    def _explain(self, exc: BaseException, doing: str) -> MailServerError:
        where = self.account.label
        if isinstance(exc, WireProblem):
            if str(exc) == "offers no encryption (STARTTLS)":
                return MailServerError(f"{self.account.host} offers no encrypted connection (STARTTLS); Precis never "
                                       "sends a password unencrypted. Use an imaps:// address if the server has a TLS port.")
            return MailServerError(f"While {doing}, the mail server {where} {exc}; Precis closed the connection.")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return MailServerError(f"The certificate of {self.account.host} could not be verified "
                                   f"({exc.verify_message or 'untrusted'}); Precis did not send the password.")
        if isinstance(exc, ssl.SSLError):
            return MailServerError(f"The encrypted connection to {where} failed ({exc.reason or 'TLS error'}).")
        if isinstance(exc, socket.gaierror):
            return MailServerError(f"The mail server {self.account.host} could not be found (check its name).")
        if isinstance(exc, ConnectionRefusedError):
            return MailServerError(f"{self.account.host} refused the connection on port {self.account.port}.")
        if isinstance(exc, TimeoutError | socket.timeout):
            return MailServerError(f"The mail server {where} did not answer within {self.timeout:.0f} seconds.")
        if isinstance(exc, imaplib.IMAP4.abort | OSError | EOFError):
            return MailServerError(f"The connection to {where} was dropped while {doing}.")
        if isinstance(exc, imaplib.IMAP4.error):
            return MailServerError(f"The mail server {where} refused {doing}: {_short(exc)}.")
        return MailServerError(f"The mail server {where} answered in a way Precis does not understand while {doing}.")

    def _run(self, doing: str, budget: int, fn, *args, expected: int = 0):  # -> imaplib's (typ, data)
        """Run an imaplib command with a deadline (the idle timeout, four times over, plus time for
        the bytes ``expected`` at 256 KB/s) and ``budget`` bytes of replies at most."""
        if self._conn is None:
            raise MailServerError(f"The connection to {self.account.label} is closed.")
        conn = self._conn
        conn.arm(self.timeout * 4 + expected / (256 * 1024), budget)  # type: ignore[attr-defined]
        try:
            typ, data = fn(*args)
        except Exception as exc:  # ssl, socket, imaplib and the wire's own errors: each is explained
            self.close(graceful=False)
            raise self._explain(exc, doing) from exc
        if typ != "OK":
            raise MailServerError(f"The mail server {self.account.label} refused {doing}: {_short(data)}.")
        return typ, data

    # -- commands -----------------------------------------------------------------------------
    def _login(self, password: str) -> None:
        conn = self._conn
        assert conn is not None
        if "LOGINDISABLED" in conn.capabilities:
            self.close()
            raise MailServerError(f"{self.account.host} does not accept a password login on this connection.")
        conn.arm(self.timeout * 4, _COMMAND_BUDGET)  # type: ignore[attr-defined]
        try:
            conn.login(self.account.user, password)
        except imaplib.IMAP4.error as exc:
            if isinstance(exc, imaplib.IMAP4.abort):
                self.close(graceful=False)
                raise self._explain(exc, "logging in") from exc
            self.close()
            raise PasswordRequired(f"{self.account.host} did not accept the password for {self.account.user}.",
                                   wrong_password=True) from exc
        except Exception as exc:  # ssl, socket, imaplib and the wire's own errors: each is explained
            self.close(graceful=False)
            raise self._explain(exc, "logging in") from exc

    def list_folders(self) -> list[ListedFolder]:
        _, data = self._run("listing the folders", _COMMAND_BUDGET, self._conn.list)  # type: ignore[union-attr]
        out: list[ListedFolder] = []
        for item in data:
            line = item[0] + b" " + item[1] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            match = _LIST_LINE.match(line)
            if not match:
                continue
            flags = frozenset(f.lower() for f in match.group("flags").decode("ascii", "replace").split())
            delim = match.group("delim")
            delimiter = None if delim == b"NIL" else _unquote(delim).decode("utf-8", "replace")
            raw = match.group("name")
            name = (_unquote(raw) if raw.startswith(b'"') else (item[1] if isinstance(item, tuple) else raw)).decode(
                "utf-8", "replace")
            out.append(ListedFolder(name=name, delimiter=delimiter, flags=flags))
        return out

    def examine(self, name: str) -> int:
        """Open a folder read-only (EXAMINE); its UIDVALIDITY (and ``uidnext``, the UID the next
        message will get, where the server says it: a watcher's cheap test for new mail)."""
        self._run(f"opening {name}", _COMMAND_BUDGET, lambda: self._conn.select(_quote(name), readonly=True))  # type: ignore[union-attr]
        self.uidnext = self._response_number("UIDNEXT") or None
        return self._response_number("UIDVALIDITY")

    def status(self, name: str) -> dict[str, int]:
        """A folder's MESSAGES and UNSEEN from STATUS (RFC 3501 6.3.10): asked without opening it,
        so nothing changes and nothing is marked read. Keys as the server gave them, in capitals."""
        _, data = self._run(f"asking about {name}", _COMMAND_BUDGET,
                            lambda: self._conn.status(_quote(name), "(MESSAGES UNSEEN)"))  # type: ignore[union-attr]
        parts = [p for d in data for p in (d if isinstance(d, tuple) else (d,)) if isinstance(p, bytes)]
        return {m.group(1).upper().decode(): int(m.group(2)) for m in _STATUS_ITEM.finditer(b" ".join(parts))}

    def _response_number(self, code: str) -> int:
        _, values = self._conn.response(code)  # type: ignore[union-attr]
        value = values[-1] if values and values[-1] else b"0"
        match = _UIDVALIDITY.search(value if isinstance(value, bytes) else b"0")
        return int(match.group()) if match else 0

    def search(self, criteria: list[str]) -> list[int]:
        _, data = self._run("searching", _COMMAND_BUDGET, lambda: self._conn.uid("SEARCH", *criteria))  # type: ignore[union-attr]
        uids: list[int] = []
        for line in data:
            if isinstance(line, bytes):
                uids += [int(x) for x in line.split() if x.isdigit()]
        return sorted(set(uids))

    def sizes(self, uids: list[int]) -> dict[int, tuple[int, bool]]:
        """UID -> (RFC822.SIZE, seen), in batches."""
        out: dict[int, tuple[int, bool]] = {}
        for start in range(0, len(uids), 500):
            batch = uids[start:start + 500]
            _, data = self._run("listing messages", _COMMAND_BUDGET, lambda b=batch: self._conn.uid(  # type: ignore[union-attr]
                "FETCH", _uid_set(b), "(UID RFC822.SIZE FLAGS)"))
            for line in data:
                meta = line[0] if isinstance(line, tuple) else line
                if not isinstance(meta, bytes):
                    continue
                uid, size, flags = _FETCH_UID.search(meta), _FETCH_SIZE.search(meta), _FETCH_FLAGS.search(meta)
                if uid and size:
                    out[int(uid.group(1))] = (int(size.group(1)), bool(flags and b"\\seen" in flags.group(1).lower()))
        return out

    def fetch(self, uids: list[int], expected: int) -> Iterator[tuple[int, bytes]]:
        """(UID, the message's bytes) for each UID, fetched with BODY.PEEK[] (never marks read)."""
        _, data = self._run("fetching messages", expected + _COMMAND_BUDGET, lambda: self._conn.uid(  # type: ignore[union-attr]
            "FETCH", _uid_set(uids), "(UID BODY.PEEK[])"), expected=expected)
        waiting: bytes | None = None  # a body whose UID comes after it (some servers order it so)
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                uid = _FETCH_UID.search(item[0])
                if uid:
                    yield int(uid.group(1)), item[1]
                    waiting = None
                else:
                    waiting = item[1]
            elif isinstance(item, bytes) and waiting is not None:
                uid = _FETCH_UID.search(item)
                if uid:
                    yield int(uid.group(1)), waiting
                waiting = None

    @property
    def closed(self) -> bool:
        """True once the session logged out or gave up on the connection."""
        return self._conn is None

    def close(self, *, graceful: bool = True) -> None:
        """Log out; after a failure (``graceful`` False) just close the socket: a server that
        misbehaved gets no further command to misbehave on."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if not graceful:
            with contextlib.suppress(Exception):
                conn.shutdown()
            return
        try:
            conn.arm(5.0, 65536)  # type: ignore[attr-defined]
            if conn.state == "SELECTED":
                conn.close()  # CLOSE after EXAMINE expunges nothing: the folder was opened read-only
            conn.logout()
        except Exception:  # noqa: BLE001 - leaving a server that already went away
            with contextlib.suppress(Exception):
                conn.shutdown()

    def __enter__(self) -> ImapSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _uid_set(uids: list[int]) -> str:
    """'1:4,7,9:10' for [1, 2, 3, 4, 7, 9, 10]."""
    out: list[str] = []
    start = prev = None
    for uid in sorted(uids):
        if start is None:
            start = prev = uid
        elif uid == prev + 1:  # type: ignore[operator]
            prev = uid
        else:
            out.append(f"{start}:{prev}" if start != prev else str(start))
            start = prev = uid
    if start is not None:
        out.append(f"{start}:{prev}" if start != prev else str(start))
    return ",".join(out)


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(raw: bytes) -> bytes:
    if raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2:
        return re.sub(rb"\\(.)", rb"\1", raw[1:-1])
    return raw


def _short(value: object) -> str:
    if isinstance(value, list):
        value = b" ".join(v for v in value if isinstance(v, bytes))
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = " ".join(text.split())
    return (text[:160] + "…") if len(text) > 160 else (text or "no reason given")

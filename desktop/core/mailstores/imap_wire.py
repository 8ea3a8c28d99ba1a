"""The bytes an IMAP server sends, read under bounds: no line longer than ``max_line``, no literal
larger than ``max_literal``, no more than ``budget`` bytes per command, and no command longer than
its deadline (a server that trickles a byte at a time is stopped too). imaplib's own ``read`` and
``readline`` are replaced by these; everything else of imaplib is used as it is."""

from __future__ import annotations

import imaplib
import socket
import ssl
import time


class WireProblem(Exception):
    """What went wrong on the wire, as the end of a sentence ("stopped answering for 30 seconds")."""


class _Bounded:
    """Mixed into imaplib.IMAP4 / IMAP4_SSL before them, so these ``read``/``readline`` win."""

    sock: socket.socket

    def _bounds(self, *, idle: float, max_line: int, max_literal: int) -> None:
        self._buf = bytearray()
        self._idle = idle
        self._max_line = max_line
        self._max_literal = max_literal
        self._deadline = time.monotonic() + idle
        self._budget = max_line * 4
        self._spent = 0

    def arm(self, seconds: float, budget: int) -> None:
        """Give the next command ``seconds`` in all and ``budget`` bytes of replies."""
        self._deadline = time.monotonic() + seconds
        self._budget = budget
        self._spent = 0

    def _fill(self) -> None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise WireProblem("took longer than Precis waits for one answer")
        self.sock.settimeout(min(self._idle, remaining))
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError as exc:
            if remaining < self._idle:
                raise WireProblem("took longer than Precis waits for one answer") from exc
            raise WireProblem(f"stopped answering for {self._idle:g} seconds") from exc
        except ssl.SSLError as exc:
            raise WireProblem(f"broke the encrypted connection ({exc.reason or 'TLS error'})") from exc
        except OSError as exc:
            raise WireProblem("dropped the connection") from exc
        if not chunk:
            raise WireProblem("closed the connection")
        self._spent += len(chunk)
        if self._spent > self._budget:
            raise WireProblem(f"sent more than {self._budget / 2**20:,.0f} MB in answer to one command")
        self._buf += chunk

    def readline(self) -> bytes:
        start = 0
        while True:
            at = self._buf.find(b"\n", start)
            if at >= 0:
                line = bytes(self._buf[: at + 1])
                del self._buf[: at + 1]
                return line
            if len(self._buf) > self._max_line:
                raise WireProblem(f"sent a line longer than {self._max_line / 2**20:,.0f} MB")
            start = len(self._buf)
            self._fill()

    def read(self, size: int) -> bytes:
        if size > self._max_literal:
            raise WireProblem(f"announced {size:,} bytes at once, more than the {self._max_literal / 2**20:,.0f} MB "
                              "Precis accepts")
        while len(self._buf) < size:
            self._fill()
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data


class BoundedIMAP4(_Bounded, imaplib.IMAP4):
    """Plain IMAP, used only to say STARTTLS before anything else is sent."""

    def __init__(self, host: str, port: int, *, idle: float, max_line: int, max_literal: int) -> None:
        self._bounds(idle=idle, max_line=max_line, max_literal=max_literal)
        super().__init__(host, port, timeout=idle)


class BoundedIMAP4_SSL(_Bounded, imaplib.IMAP4_SSL):
    def __init__(self, host: str, port: int, *, context: ssl.SSLContext, idle: float, max_line: int,
                 max_literal: int) -> None:
        self._bounds(idle=idle, max_line=max_line, max_literal=max_literal)
        super().__init__(host, port, ssl_context=context, timeout=idle)


def _starttls(conn: BoundedIMAP4, context: ssl.SSLContext) -> None:
    """imaplib's STARTTLS, but refusing a server that sends anything between its OK and the TLS
    handshake (bytes injected there would be read as if they had come encrypted)."""
    if "STARTTLS" not in conn.capabilities:
        raise WireProblem("offers no encryption (STARTTLS)")
    typ, _ = conn._simple_command("STARTTLS")
    if typ != "OK":
        raise WireProblem("refused to start encryption")
    if conn._buf:
        raise WireProblem("sent data before the encryption began")
    conn.sock = context.wrap_socket(conn.sock, server_hostname=conn.host)
    conn.file = conn.sock.makefile("rb")
    conn._tls_established = True  # type: ignore[attr-defined]
    conn._get_capabilities()


BoundedIMAP4.starttls = _starttls  # type: ignore[method-assign, assignment]

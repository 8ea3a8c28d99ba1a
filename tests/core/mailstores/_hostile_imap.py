"""A small IMAP server that misbehaves on purpose, over TLS like a real one (Precis talks to no
other kind): it greets, accepts any login, then answers a chosen command with an enormous literal,
a line without end, a trickle of bytes, a flood of untagged lines, or a closed connection."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from pathlib import Path

GREETING = b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hostile ready\r\n"


class HostileServer:
    """``behaviour``: "literal", "endless", "trickle", "flood", "drop", "silent" (no greeting),
    "no-starttls" (plain port without STARTTLS), "inject" (bytes sent before the TLS handshake)."""

    def __init__(self, behaviour: str, cert: Path, key: Path, *, when: str = "LIST") -> None:
        self.behaviour = behaviour
        self.when = when.upper()
        self.plain = behaviour in ("no-starttls", "inject")
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(OSError):
            self.sock.close()
        self.thread.join(timeout=10)

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                raw, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with contextlib.suppress(OSError, ssl.SSLError):
                self._session(raw)
            with contextlib.suppress(OSError):
                raw.close()

    def _session(self, raw: socket.socket) -> None:
        raw.settimeout(30)
        if self.behaviour == "silent":
            self.stop.wait(30)
            return
        if self.plain:
            caps = b"IMAP4rev1 STARTTLS" if self.behaviour == "inject" else b"IMAP4rev1 AUTH=PLAIN"
            raw.sendall(b"* OK [CAPABILITY " + caps + b"] plain\r\n")
            conn = raw.makefile("rwb")
            for line in conn:
                tag = line.split(b" ", 1)[0]
                if b"STARTTLS" in line.upper():
                    # the injection: a tagged OK followed by a forged answer in the same packet
                    raw.sendall(tag + b" OK begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
                    self.stop.wait(5)
                    return
                if b"CAPABILITY" in line.upper():
                    raw.sendall(b"* CAPABILITY " + caps + b"\r\n" + tag + b" OK done\r\n")
                elif b"LOGOUT" in line.upper():
                    raw.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
                    return
                else:
                    raw.sendall(tag + b" NO not here\r\n")
            return
        tls = self.context.wrap_socket(raw, server_side=True)
        tls.sendall(GREETING)
        reader = tls.makefile("rb")
        while not self.stop.is_set():
            line = reader.readline(65536)
            if not line:
                return
            tag, _, rest = line.partition(b" ")
            command = rest.split(b" ", 1)[0].strip().upper()
            if command == b"UID":
                command = rest.split(b" ", 2)[1].strip().upper()
            if command.decode() == self.when:
                self._misbehave(tls, tag)
                return
            if command == b"LOGIN":
                tls.sendall(tag + b" OK logged in\r\n")
            elif command == b"CAPABILITY":
                tls.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
            elif command == b"LIST":
                tls.sendall(b'* LIST () "/" INBOX\r\n' + tag + b" OK done\r\n")
            elif command in (b"EXAMINE", b"SELECT"):
                tls.sendall(b"* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n" + tag + b" OK [READ-ONLY] done\r\n")
            elif command == b"SEARCH":
                tls.sendall(b"* SEARCH 1\r\n" + tag + b" OK done\r\n")
            elif command == b"FETCH" and b"RFC822.SIZE" in line:
                tls.sendall(b"* 1 FETCH (UID 1 RFC822.SIZE 20 FLAGS ())\r\n" + tag + b" OK done\r\n")
            elif command == b"LOGOUT":
                tls.sendall(b"* BYE\r\n" + tag + b" OK done\r\n")
                return
            else:
                tls.sendall(tag + b" OK done\r\n")

    def _misbehave(self, tls: ssl.SSLSocket, tag: bytes) -> None:
        if self.behaviour == "literal":
            tls.sendall(b"* 1 FETCH (UID 1 BODY[] {99999999999}\r\nxxxx")
            self.stop.wait(5)
        elif self.behaviour == "endless":
            chunk = b"A" * 65536
            with contextlib.suppress(OSError, ssl.SSLError):
                tls.sendall(b"* OK ")
                while not self.stop.is_set() and self.sent < 64 * 1024 * 1024:
                    tls.sendall(chunk)
                    self.sent += len(chunk)
        elif self.behaviour == "flood":
            line = b"* OK " + b"x" * 1000 + b"\r\n"
            with contextlib.suppress(OSError, ssl.SSLError):
                while not self.stop.is_set() and self.sent < 64 * 1024 * 1024:
                    tls.sendall(line * 64)
                    self.sent += len(line) * 64
        elif self.behaviour == "trickle":
            with contextlib.suppress(OSError, ssl.SSLError):
                while not self.stop.is_set():
                    tls.sendall(b"*")
                    self.sent += 1
                    time.sleep(0.3)
        elif self.behaviour == "drop":
            tls.close()

"""One Precis window per user: the running window listens on a local socket; a second launch hands
its files over (``desktop.integration.handoff``) and exits, or opens its own window when nothing
answers in time.

The server reads each client on its own (a silent or slow client never blocks another), drops a
client that sends more than the size limit or takes longer than the read timeout, logs what it
rejects and answers one JSON line, so the window keeps working whatever a local program sends.
"""

from __future__ import annotations

import json
import logging
import time

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

from desktop.integration import handoff as protocol
from desktop.integration.handoff import Handoff, HandoffRejected

log = logging.getLogger(__name__)

DELIVERED, ABSENT, NO_ANSWER, REFUSED = "delivered", "absent", "no-answer", "refused"
_GONE = (QLocalSocket.LocalSocketError.ServerNotFoundError, QLocalSocket.LocalSocketError.ConnectionRefusedError)


def send_to_running(message: Handoff, name: str, timeout_s: float = protocol.ANSWER_TIMEOUT_S) -> str:
    """Hand ``message`` to the window listening on ``name``: DELIVERED when it queued it, ABSENT
    when nothing listens (a crashed instance's socket file counts as nothing), NO_ANSWER when it
    did not answer in ``timeout_s``, REFUSED when it rejected the message. Blocking; runs before
    the QApplication exists."""
    deadline = time.monotonic() + timeout_s
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(_ms_left(deadline)):
        return ABSENT if sock.error() in _GONE else NO_ANSWER
    sock.write(protocol.encode(message))
    answer = bytearray()
    while b"\n" not in answer and time.monotonic() < deadline:
        if sock.bytesToWrite() and not sock.waitForBytesWritten(_ms_left(deadline)):
            break
        ready = sock.waitForReadyRead(_ms_left(deadline))
        answer += bytes(sock.readAll().data())  # the answer may come with the hang-up
        if not ready and sock.state() != QLocalSocket.LocalSocketState.ConnectedState:
            break
    sock.abort()
    if b"\n" not in answer:
        return NO_ANSWER
    try:
        reply = json.loads(answer.split(b"\n", 1)[0])
    except ValueError:
        return NO_ANSWER
    if isinstance(reply, dict) and reply.get("ok") is True:
        return DELIVERED
    log.warning("the running Precis refused the hand-over: %s", reply.get("error") if isinstance(reply, dict) else reply)
    return REFUSED


def _ms_left(deadline: float) -> int:
    return max(1, int((deadline - time.monotonic()) * 1000))


class InstanceServer(QObject):
    """Listens on ``name``; emits ``received(Handoff)`` for every valid message."""

    received = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None, *,
                 read_timeout_s: float = protocol.READ_TIMEOUT_S) -> None:
        super().__init__(parent)
        self.name = name
        self.read_timeout_ms = int(read_timeout_s * 1000)
        self.server = QLocalServer(self)
        # Owner-only where the platform supports it (the pipe's ACL on Windows, the file's mode
        # on Unix); on Unix the private folder around the socket is the real guard.
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_new_connection)
        self.rejected = 0
        #: connections being read (each drops itself when its socket disconnects)
        self.clients: set[_Client] = set()

    def listen(self) -> bool:
        """Take the name, unless a live instance answers on it (False: that one owns it). Qt's
        ``listen`` with socket options replaces an existing socket file even when a live server
        owns it, so a connection probe comes first; a file left by a crashed instance is removed."""
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if probe.waitForConnected(300):
            probe.abort()
            log.warning("another Precis window already listens on %s", self.name)
            return False
        if self.server.listen(self.name):
            return True
        if self.server.serverError() == QAbstractSocket.SocketError.AddressInUseError:
            log.info("removing the stale socket %s left by an instance that stopped", self.name)
            QLocalServer.removeServer(self.name)
            if self.server.listen(self.name):
                return True
        log.warning("Precis cannot listen on %s (%s); later launches will open their own window",
                    self.name, self.server.errorString())
        return False

    def close(self) -> None:
        self.server.close()

    def _on_new_connection(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            if sock is not None:
                _Client(sock, self)

    def _reject(self, sock: QLocalSocket, reason: str, *, answer: bool = True) -> None:
        self.rejected += 1
        log.warning("hand-over rejected: %s", reason)
        if answer:
            _answer(sock, {"ok": False, "error": reason})
        else:
            sock.abort()


class _Client:
    """One connection: reads one line within the limits, then answers and closes. A plain object
    the server holds until the socket is gone (the socket stays the server's Qt child)."""

    def __init__(self, sock: QLocalSocket, server: InstanceServer) -> None:
        self.sock = sock
        self.server = server
        self.buffer = bytearray()
        self.done = False
        server.clients.add(self)
        sock.readyRead.connect(self._read)
        sock.disconnected.connect(self._on_disconnected)
        self.timer = QTimer(sock)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._timed_out)
        self.timer.start(server.read_timeout_ms)
        self._read()

    def _read(self) -> None:
        if self.done:
            return
        self.buffer += bytes(self.sock.readAll().data())
        newline = self.buffer.find(b"\n")
        if newline < 0 and len(self.buffer) > protocol.MAX_MESSAGE_BYTES:
            self.done = True
            self.server._reject(self.sock, f"more than {protocol.MAX_MESSAGE_BYTES} bytes without an end of line",
                                answer=False)
        elif newline >= 0:
            self._handle(bytes(self.buffer[:newline]))

    def _handle(self, line: bytes) -> None:
        self.done = True
        self.buffer.clear()
        try:
            message = protocol.decode(line)
        except HandoffRejected as exc:
            self.server._reject(self.sock, exc.message)
            return
        _answer(self.sock, {"ok": True})
        self.server.received.emit(message)

    def _on_disconnected(self) -> None:
        if not self.done and self.buffer:
            self._handle(bytes(self.buffer))  # a client may close instead of ending the line
        self.done = True
        self.timer.stop()
        if self in self.server.clients:
            self.server.clients.discard(self)
            self.sock.deleteLater()

    def _timed_out(self) -> None:
        if not self.done:
            self.done = True
            self.server._reject(self.sock, f"no whole message within {self.server.read_timeout_ms} ms", answer=False)


def _answer(sock: QLocalSocket, reply: dict[str, object]) -> None:
    if sock.state() == QLocalSocket.LocalSocketState.ConnectedState:
        sock.write(json.dumps(reply).encode("utf-8") + b"\n")
        sock.flush()
        sock.disconnectFromServer()

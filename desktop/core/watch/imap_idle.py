"""Instant news of a watched IMAP folder (RFC 2177 IDLE): one more connection per watched IMAP
source, on a thread of its own, held in IDLE on one folder opened read-only (EXAMINE, so nothing
is ever marked read). When the server says the folder grew (``* n EXISTS``) the source is told to
look now; the looking itself (UID SEARCH, BODY.PEEK) stays on the source's own connection
(``imap_poll.py``). IDLE is re-issued every ``RENEW_S`` (servers may drop an idle client after
30 minutes). A server without IDLE leaves the source polling; a connection that drops is said in
one sentence (``problem``) while the source polls and this reconnects, waiting longer each time.
``stop`` returns within a second: the thread waits in ``select`` on the socket and a wake-up
pipe, never in a read without end."""

from __future__ import annotations

import contextlib
import logging
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable

from desktop.core.errors import MailServerError, PasswordRequired, PrecisError
from desktop.core.limits import Limits
from desktop.core.mailstores.imap_account import ImapAccount
from desktop.core.mailstores.imap_session import ImapSession
from desktop.core.mailstores.options import MailOptions

log = logging.getLogger(__name__)

#: Seconds in IDLE before DONE and IDLE again: under the 29 minutes RFC 2177 advises.
RENEW_S = 25 * 60.0
#: Seconds before each new try after the connection dropped (the last one repeats).
BACKOFF_S = (2.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0)
#: Seconds between a source's own looks while IDLE holds its only folder (in case a server's
#: notice is lost); never less often than the source would poll without IDLE.
SAFETY_S = 300.0
_GREW = re.compile(rb"^\* \d+ (EXISTS|RECENT)\b", re.IGNORECASE)
_LINE_BUDGET = 1 << 20


class IdleSession(ImapSession):
    """An ``ImapSession`` that can also wait in IDLE (a subclass, so the read-only session's own
    commands stay as they are)."""

    _idle_tag: bytes | None = None

    def offers_idle(self) -> bool:
        """Asked after login: servers announce more (or other) capabilities once logged in."""
        _, data = self._run("asking what it offers", _LINE_BUDGET, self._conn.capability)  # type: ignore[union-attr]
        words = b" ".join(d for d in data if isinstance(d, bytes)).upper().split()
        return b"IDLE" in words

    def idle(self) -> bool:
        """Send IDLE and wait for the server's go-ahead; True when it already said the folder grew."""
        conn = self._live()
        grew = False
        try:
            conn.arm(self.timeout * 4, _LINE_BUDGET)  # type: ignore[attr-defined]
            tag = conn._new_tag()
            conn.send(tag + b" IDLE\r\n")
            while True:
                line = conn.readline()
                if line.startswith(b"+"):
                    break
                if line.startswith(tag + b" "):
                    conn.tagged_commands.pop(tag, None)
                    raise MailServerError(f"The mail server {self.account.label} refused to wait for new mail (IDLE).")
                grew = grew or bool(_GREW.match(line))
        except PrecisError:
            raise
        except Exception as exc:  # ssl, socket and the wire's own errors: each is explained
            raise self._fail(exc) from exc
        self._idle_tag = tag
        return grew

    def news(self, wait_s: float, wake: socket.socket) -> bool | None:
        """Wait up to ``wait_s`` for a line from the server: True when it says the folder grew,
        False for anything else (its "still here") or nothing; None when ``wake`` was written to."""
        conn = self._live()
        sock = conn.sock
        buffered = bool(conn._buf) or (isinstance(sock, ssl.SSLSocket) and sock.pending() > 0)  # type: ignore[attr-defined]
        if not buffered:
            ready, _, _ = select.select([sock, wake], [], [], max(0.0, wait_s))
            if wake in ready:
                return None
            if sock not in ready:
                return False
        try:
            conn.arm(self.timeout * 4, _LINE_BUDGET)  # type: ignore[attr-defined]
            line = conn.readline()
        except Exception as exc:  # ssl, socket and the wire's own errors: each is explained
            raise self._fail(exc) from exc
        if line.upper().startswith(b"* BYE"):
            self.close(graceful=False)
            raise MailServerError(f"The mail server {self.account.label} closed the connection.")
        return bool(_GREW.match(line))

    def done(self) -> bool:
        """End IDLE (DONE) and read up to its tagged answer; True when the server said the folder grew."""
        conn, tag = self._live(), self._idle_tag
        self._idle_tag = None
        grew = False
        try:
            conn.arm(self.timeout * 4, _LINE_BUDGET)  # type: ignore[attr-defined]
            conn.send(b"DONE\r\n")
            while tag is not None:
                line = conn.readline()
                if line.startswith(tag + b" "):
                    conn.tagged_commands.pop(tag, None)
                    break
                grew = grew or bool(_GREW.match(line))
        except Exception as exc:  # ssl, socket and the wire's own errors: each is explained
            raise self._fail(exc) from exc
        return grew

    def leave(self) -> None:
        """Say DONE and LOGOUT without waiting for answers, and close: stopping never waits on the server."""
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.send((b"DONE\r\n" if self._idle_tag else b"") + conn._new_tag() + b" LOGOUT\r\n")
        self.close(graceful=False)

    def _live(self):  # -> the bounded imaplib connection
        if self._conn is None:
            raise MailServerError(f"The connection to {self.account.label} is closed.")
        return self._conn

    def _fail(self, exc: BaseException) -> MailServerError:
        self.close(graceful=False)
        return self._explain(exc, "waiting for new mail")


class IdleWatch:
    """The thread that keeps one connection in IDLE on ``folder`` (the server's name for it).
    ``take_news`` says (once) that the folder may have grown; ``live`` whether IDLE holds now."""

    def __init__(self, connect: Callable[[], IdleSession], folder: str, label: str, fallback_s: float, *,
                 renew_s: float | None = None, backoff_s: tuple[float, ...] | None = None) -> None:
        self.connect = connect
        self.folder = folder
        self.label = label
        self.fallback_s = fallback_s
        self.renew_s = renew_s if renew_s is not None else RENEW_S
        self.backoff_s = backoff_s or BACKOFF_S
        #: "starting", "live", "down" (reconnecting), "unsupported", "stopped".
        self.state = "starting"
        #: What the Watched row says while the connection is down ("" otherwise).
        self.problem = ""
        #: Times IDLE was entered on a fresh connection (1 once it first holds).
        self.connections = 0
        self._news = threading.Event()
        self._stop = threading.Event()
        self._notices: list[str] = []
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name=f"precis-imap-idle {label}", daemon=True)

    @property
    def live(self) -> bool:
        return self.state == "live"

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def take_news(self) -> bool:
        if self._news.is_set():
            self._news.clear()
            return True
        return False

    def take_notices(self) -> list[str]:
        with self._lock:
            out, self._notices = self._notices, []
        return out

    # ------------------------------------------------------------------ the thread
    def _run(self) -> None:
        try:
            self._hold()
        finally:
            if self.state != "unsupported":
                self.state = "stopped"
            for s in (self._wake_r, self._wake_w):
                s.close()

    def _hold(self) -> None:
        failures = 0
        while not self._stop.is_set():
            session: IdleSession | None = None
            try:
                session = self.connect()
                if not session.offers_idle():
                    log.info("%s offers no IDLE; it is polled", self.label)
                    self.state = "unsupported"
                    return
                session.examine(self.folder)
                session.idle()
                self.connections += 1
                self.state = "live"
                failures = 0
                self._say("")
                self._news.set()  # mail may have come while nothing listened: look once now
                self._serve(session)
            except PasswordRequired:
                self.state = "stopped"  # the source's own look asks for the password and says so
                return
            except (MailServerError, OSError) as exc:
                if self._stop.is_set():
                    break
                failures += 1
                self.state = "down"
                reason = (exc.message if isinstance(exc, PrecisError) else (exc.strerror or str(exc))).rstrip(".")
                reason = reason[:1].lower() + reason[1:]
                self._say(f"New mail in {self.label} is not noticed at once for now: {reason}; Precis looks every "
                          f"{self.fallback_s:g} s until it has reconnected.")
                self._news.set()  # looked at by polling meanwhile, starting now
            finally:
                if session is not None:
                    session.leave()
            self._stop.wait(self.backoff_s[min(failures, len(self.backoff_s)) - 1] if failures else 0.0)

    def _serve(self, session: IdleSession) -> None:
        renew_at = time.monotonic() + self.renew_s
        while not self._stop.is_set():
            left = renew_at - time.monotonic()
            if left <= 0:
                grew = session.done()
                grew = session.idle() or grew
                if grew:
                    self._news.set()
                renew_at = time.monotonic() + self.renew_s
                continue
            said = session.news(left, self._wake_r)
            if said is None:
                return
            if said:
                self._news.set()

    def _say(self, text: str) -> None:
        if text == self.problem:
            return
        with self._lock:
            if text:
                self._notices.append(text)
            elif self.problem:
                self._notices.append(f"New mail in {self.label} is noticed at once again.")
        self.problem = text


class IdleLink:
    """The IDLE side of one watched IMAP source: which folder it holds (the only one watched, else
    the inbox, else the first), (re)started after a good look, and how long the source may wait
    between its own looks while IDLE holds (``SAFETY_S``, a look now and then all the same)."""

    def __init__(self, account: ImapAccount, password: Callable[[], str | None], limits: Limits,
                 options: MailOptions, label: str, check_s: float) -> None:
        self.account, self.password, self.limits, self.options = account, password, limits, options
        self.label, self.check_s = label, check_s
        self.watch: IdleWatch | None = None
        self._covers_all = False

    def _session(self) -> IdleSession:
        password = self.password()
        if not password:
            raise PasswordRequired(f"Precis needs the password for {self.account.user} on {self.account.host}.")
        return IdleSession(self.account, password, self.limits, cafile=self.options.cafile, timeout=self.options.timeout)

    def after_look(self, folders: dict[str, str]) -> None:
        """``folders``: the watched folders (path -> the server's name). Starts or moves the thread."""
        if not folders:
            return
        path = next((p for p in folders if len(folders) == 1 or p.upper() == "INBOX"), next(iter(folders)))
        self._covers_all = len(folders) == 1
        watch = self.watch
        if watch is not None and watch.folder == folders[path] and (watch.alive or watch.state == "unsupported"):
            return
        if watch is not None:
            watch.stop(0.0)
        self.watch = IdleWatch(self._session, folders[path], self.label, self.check_s)
        self.watch.start()

    def news(self) -> bool:
        return self.watch is not None and self.watch.take_news()

    def wait_s(self, check_s: float) -> float:
        """Seconds until the source's next look of its own (``check_s`` without IDLE)."""
        if self.watch is not None and self.watch.live and self._covers_all:
            return max(check_s, SAFETY_S)
        return check_s

    @property
    def problem(self) -> str:
        return self.watch.problem if self.watch is not None and self.watch.alive else ""

    def take_notices(self) -> list[str]:
        return self.watch.take_notices() if self.watch is not None else []

    def close(self) -> None:
        watch, self.watch = self.watch, None
        if watch is not None:
            watch.stop()

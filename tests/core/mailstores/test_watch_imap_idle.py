"""A watched IMAP folder held in IDLE (RFC 2177) against a real Dovecot on 127.0.0.1: a message
APPENDed by another client is looked at within seconds although the source's own poll is a
minute away; a server that does not offer IDLE (Dovecot told so by ``imap_capability``) leaves
the source polling; a connection the server drops is said in one sentence and comes back; IDLE
is re-issued on time; stopping takes well under a second."""

from __future__ import annotations

import imaplib
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.core.mailstores import MailOptions
from desktop.core.watch import imap_idle
from desktop.core.watch.mailbox import MailboxSource
from desktop.core.watch.sources import SourceItem
from tests.core.mailstores._dovecot import PASSWORD, USER, Dovecot
from tests.core.mailstores.conftest import running
from tests.core.mailstores.test_imap import _flags

pytestmark = pytest.mark.xdist_group("dovecot")

#: The source's own poll: far longer than any test waits, so only IDLE can explain a quick look.
POLL_S = 120.0
# Capabilities as Dovecot 2.3 says them after login, less IDLE.
NO_IDLE = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ SORT THREAD=REFERENCES MULTIAPPEND UNSELECT "
           "CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS "
           "BINARY MOVE")


class NoIdleDovecot(Dovecot):
    def config(self) -> Path:
        path = super().config()
        path.write_text(path.read_text() + f"protocol imap {{\n  imap_capability = {NO_IDLE}\n}}\n")
        return path


@pytest.fixture
def own_dovecot() -> Iterator[Dovecot]:
    """A server of this test's own (its users are kicked)."""
    yield from running()


@pytest.fixture
def no_idle_dovecot() -> Iterator[Dovecot]:
    yield from running(NoIdleDovecot)


def _source(server: Dovecot, folder: str, state: Path) -> MailboxSource:
    source = MailboxSource(server.address(folder), options=MailOptions(cafile=str(server.cert), timeout=10),
                           password=PASSWORD, check_s=POLL_S)
    source.attach(state)
    return source


def _append(server: Dovecot, folder: str, subject: str) -> float:
    """APPEND over a second connection, as another mail client or a delivery would; when it was done."""
    conn = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port, ssl_context=ssl.create_default_context(cafile=str(server.cert)))
    try:
        conn.login(USER, PASSWORD)
        conn.create(folder)
        message = (f"From: Carol <carol@example.com>\r\nTo: {USER}@example.com\r\nSubject: {subject}\r\n"
                   "Date: Tue, 05 Mar 2024 10:00:00 +0100\r\n\r\nThe launch moves to March.\r\n").encode()
        typ, _ = conn.append(folder, None, None, message)
        assert typ == "OK"
        return time.monotonic()
    finally:
        conn.logout()


def _until(what: Callable[[], object], seconds: float) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(0.05)
    return what()


def _scan_until_new(source: MailboxSource, seconds: float) -> list[SourceItem]:
    return _until(lambda: list(source.scan()), seconds) or []  # type: ignore[return-value]


def _live(source: MailboxSource) -> bool:
    return bool(_until(lambda: source._idle is not None and source._idle.watch is not None and source._idle.watch.live, 10))


def test_mail_appended_by_another_client_is_looked_at_within_seconds_and_stays_unread(
        dovecot: Dovecot, tmp_path: Path) -> None:
    folder = "IdleHere"
    _append(dovecot, folder, "Before")
    source = _source(dovecot, folder, tmp_path / "state")
    try:
        assert list(source.scan()) == []  # the first look: what is there was there before
        assert _live(source)
        assert list(source.scan()) == []  # IDLE's first word (look once now) found nothing new
        sent = _append(dovecot, folder, "Launch")
        [item] = _scan_until_new(source, 10)
        waited = time.monotonic() - sent
        assert waited < 5.0, f"IDLE should bring the message in seconds, not at the {POLL_S:g} s poll ({waited:.1f} s)"
        assert item.key.endswith(";UID=2") and b"The launch moves to March." in (source.content(item) or b"")
        assert source.problem == "" and source._next_look - time.monotonic() > POLL_S / 2
        assert all(b"\\Seen" not in f for f in _flags(dovecot, folder)), "IDLE's EXAMINE and BODY.PEEK mark nothing read"
        started = time.monotonic()
    finally:
        source.close()
    assert time.monotonic() - started < 1.0
    assert source._idle is not None and source._idle.watch is None


def test_a_server_without_idle_is_polled(no_idle_dovecot: Dovecot, tmp_path: Path) -> None:
    server = no_idle_dovecot
    source = _source(server, "Polled", tmp_path / "state")
    source.check_s = 0.5
    _append(server, "Polled", "Before")
    try:
        assert list(source.scan()) == []
        watch = source._idle.watch if source._idle is not None else None
        assert watch is not None and _until(lambda: watch.state == "unsupported", 10)
        assert source.problem == "" and source.take_notices() == []  # polling is no problem to report
        _append(server, "Polled", "Polled message")
        [item] = _scan_until_new(source, 10)  # found by the source's own look
        assert item.key.endswith(";UID=2")
    finally:
        source.close()


def test_idle_is_issued_again_before_the_server_may_drop_it(dovecot: Dovecot, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imap_idle, "RENEW_S", 0.3)  # 25 minutes in use; DONE and IDLE again each time
    renewals: list[float] = []
    real = imap_idle.IdleSession.done
    monkeypatch.setattr(imap_idle.IdleSession, "done", lambda self: renewals.append(time.monotonic()) or real(self))
    folder = "Renewed"
    _append(dovecot, folder, "Before")
    source = _source(dovecot, folder, tmp_path / "state")
    try:
        assert list(source.scan()) == [] and _live(source)
        assert _until(lambda: len(renewals) >= 3, 10)
        watch = source._idle.watch  # type: ignore[union-attr]
        assert watch is not None and watch.live and watch.connections == 1  # the same connection throughout
        list(source.scan())
        _append(dovecot, folder, "Between renewals")
        [item] = _scan_until_new(source, 5)
        assert item.key.endswith(";UID=2")
    finally:
        source.close()


def test_a_dropped_idle_connection_is_said_once_polled_meanwhile_and_reconnected(
        own_dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imap_idle, "BACKOFF_S", (1.0,))
    source = _source(own_dovecot, "INBOX", tmp_path / "state")
    try:
        assert list(source.scan()) == [] and _live(source)
        watch = source._idle.watch  # type: ignore[union-attr]
        assert watch is not None and watch.connections == 1
        # The server drops every connection of the user (its own and the source's polling one).
        done = subprocess.run(["doveadm", "-c", str(own_dovecot.folder / "dovecot.conf"), "kick", USER],
                              check=False, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert _until(lambda: watch.state == "down", 5)
        said = source.problem
        assert said.startswith(f"New mail in {source.label} is not noticed at once for now: the mail server ")
        assert said.endswith(f"Precis looks every {POLL_S:g} s until it has reconnected.")
        assert _until(lambda: watch.connections == 2 and watch.live, 10), "IDLE reconnects by itself"
        assert source.problem == ""
        sent = _append(own_dovecot, "INBOX", "After the drop")
        items = _scan_until_new(source, 10)  # the polling connection was dropped too: it reconnects
        assert [i.key.rsplit(";", 1)[1] for i in items] == ["UID=1"] and time.monotonic() - sent < 10
        notices = source.take_notices()  # with the polling connection's own drop, said by the look
        again = f"New mail in {source.label} is noticed at once again."
        assert notices.count(said) == 1 and notices.index(said) < notices.index(again)
    finally:
        source.close()

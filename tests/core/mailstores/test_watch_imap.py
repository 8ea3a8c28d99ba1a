"""A watched IMAP folder against the real Dovecot on 127.0.0.1: the mail there when watching began
is not new, a delivered message is (its UID above the last one known, under the same
UIDVALIDITY), fetched with BODY.PEEK into the IMAP cache and left unread on the server; a restart
knows what was recorded; no password pauses it with one sentence until the session has one; a
wrong password and a server that is not there are one sentence each."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.mailstores import MailOptions, credentials
from desktop.core.mailstores.imap_account import parse_address
from desktop.core.watch.mailbox import MailboxSource
from tests.core.mailstores._dovecot import PASSWORD, USER, Dovecot, free_port
from tests.core.mailstores.test_imap import _flags

pytestmark = pytest.mark.xdist_group("dovecot")


def _source(address: str, state: Path, cafile: Path | None, **kw: object) -> MailboxSource:
    source = MailboxSource(address, options=MailOptions(cafile=str(cafile) if cafile else None, timeout=10),
                           check_s=0.0, **kw)  # type: ignore[arg-type]
    source.attach(state)
    return source


def _deliver(dovecot: Dovecot, folder: str, subject: str, body: str) -> None:
    dovecot.deliver("Carol Jones <carol@example.com>", subject, body, "Tue, 05 Mar 2024 10:00:00 +0100", folder=folder)


def test_a_new_message_in_a_watched_imap_folder_is_new_once_and_stays_unread(dovecot: Dovecot, tmp_path: Path) -> None:
    folder, state = "WatchMe", tmp_path / "state"
    _deliver(dovecot, folder, "Before", "This was there before watching began.")
    source = _source(dovecot.address(folder), state, dovecot.cert, password=PASSWORD)
    assert source.label == f"{USER}@127.0.0.1:{dovecot.imaps_port} › {folder}" and source.settle_s == 0.0
    assert list(source.scan()) == [] and source.problem == ""
    _deliver(dovecot, folder, "Launch", "The launch moves to March because the vendor is late.")
    [item] = source.scan()
    assert ";UIDVALIDITY=" in item.key and item.key.endswith(";UID=2") and source.owns(item.key)
    assert b"The launch moves to March" in (source.content(item) or b"")
    assert all(b"\\Seen" not in f for f in _flags(dovecot, folder)), "BODY.PEEK must leave messages unread"
    [bundle] = source.bundle([item])
    assert bundle.name.endswith(f"› {folder}: 1 new message")
    source.recorded(bundle.parts)
    assert list(source.scan()) == []
    source.close()

    # A restart: the password from this session, the recorded message known, what arrived while
    # it was not watching new.
    _deliver(dovecot, folder, "Budget", "Finance approved the budget.")
    again = _source(dovecot.address(folder), state, dovecot.cert)
    [late] = again.scan()
    assert late.key.endswith(";UID=3")
    again.close()


def test_without_a_password_the_source_waits_with_one_sentence_until_the_session_has_it(
        dovecot: Dovecot, tmp_path: Path) -> None:
    source = _source(dovecot.address("Waiting"), tmp_path / "state", dovecot.cert)
    assert list(source.scan()) == []
    [said] = source.take_notices()
    assert said == (f"Watching {USER}@127.0.0.1:{dovecot.imaps_port} › Waiting is paused until Precis has the "
                    f"password for {USER} on 127.0.0.1.")
    assert source.needs_password and source.problem == said
    assert list(source.scan()) == [] and source.take_notices() == []  # said once; no new login tried
    credentials.remember(parse_address(dovecot.address()).key, PASSWORD, keep=False)  # typed in the window
    _deliver(dovecot, "Waiting", "Arrived", "The first look after the password.")
    assert list(source.scan()) == []  # the folder's first look: what is there was there before
    assert not source.needs_password and source.take_notices() == [f"Watching {source.label} again."]
    source.close()


def test_a_wrong_password_and_a_missing_server_are_one_sentence_each(dovecot: Dovecot, tmp_path: Path) -> None:
    wrong = _source(dovecot.address("INBOX"), tmp_path / "a", dovecot.cert, password="wrong")
    assert list(wrong.scan()) == []
    assert wrong.take_notices() == [(f"Watching {wrong.label} is paused until Precis has the password for {USER} on "
                                     "127.0.0.1 (the one it had was refused).")]
    gone = _source(f"imaps://{USER}@127.0.0.1:{free_port()}/INBOX", tmp_path / "b", None, password=PASSWORD)
    assert list(gone.scan()) == []
    [said] = gone.take_notices()
    assert "refused the connection on port" in said and said.endswith("Precis tries again.")
    assert not gone.needs_password


def test_an_imap_folder_made_after_watching_began_has_its_new_mail_summarized(dovecot: Dovecot, tmp_path: Path) -> None:
    """Old mail moved or copied in keeps its INTERNALDATE: SINCE leaves it out; new mail is new."""
    import imaplib
    import ssl
    import time

    _deliver(dovecot, "Teams", "Before", "Watching the Teams folder and those under it begins.")
    source = _source(dovecot.address("Teams"), tmp_path / "state", dovecot.cert, password=PASSWORD)
    assert list(source.scan()) == []
    conn = imaplib.IMAP4_SSL("127.0.0.1", dovecot.imaps_port, ssl_context=ssl.create_default_context(cafile=str(dovecot.cert)))
    try:
        conn.login(USER, PASSWORD)
        assert conn.create("Teams.Design")[0] == "OK"
        old = b"From: Old <old@example.com>\r\nSubject: 2019\r\nDate: Mon, 01 Jul 2019 10:00:00 +0000\r\n\r\nFrom 2019.\r\n"
        new = b"From: New <new@example.com>\r\nSubject: Review\r\nDate: Tue, 05 Mar 2024 10:00:00 +0000\r\n\r\nThe review is on Friday.\r\n"
        assert conn.append("Teams.Design", None, imaplib.Time2Internaldate(time.mktime((2019, 7, 1, 10, 0, 0, 0, 0, -1))),
                           old)[0] == "OK"
        assert conn.append("Teams.Design", None, None, new)[0] == "OK"
    finally:
        conn.logout()
    source._folders_due = 0.0
    [item] = list(source.scan())
    assert item.group == "Teams/Design" and item.key.endswith(";UID=2")
    assert b"The review is on Friday." in (source.content(item) or b"")
    source.recorded(source.bundle([item])[0].parts)
    assert list(source.scan()) == []
    source.close()

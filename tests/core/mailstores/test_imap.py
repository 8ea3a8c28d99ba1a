"""The IMAP source against a real Dovecot on 127.0.0.1: TLS only (IMAPS, STARTTLS), read-only
(EXAMINE, BODY.PEEK: nothing marked read), folders and unread mail and date ranges chosen on the
server, a cache by UIDVALIDITY and UID so the next digest fetches only new mail, and one sentence
for a wrong password, an untrusted certificate or a server that is not there."""

from __future__ import annotations

import datetime as dt
import imaplib
import ssl

import pytest

from desktop.core.document import DocKind, Role
from desktop.core.errors import EmptyDocument, MailServerError, PasswordRequired
from desktop.core.ingest import iter_documents, read_document
from desktop.core.mailstores import MailOptions, list_folders, read_mail
from desktop.core.mailstores.imap_store import ImapStore
from desktop.core.mailstores.reading import read_store
from tests.core.mailstores._dovecot import PASSWORD, USER, Dovecot, free_port

pytestmark = pytest.mark.xdist_group("dovecot")


def _opts(dovecot: Dovecot, **kw: object) -> MailOptions:
    return MailOptions(cafile=str(dovecot.cert), timeout=10, **kw)  # type: ignore[arg-type]


def _flags(dovecot: Dovecot, folder: str) -> list[bytes]:
    """Every message's flags, asked the server directly (as a mail client would see them)."""
    conn = imaplib.IMAP4_SSL("127.0.0.1", dovecot.imaps_port, ssl_context=ssl.create_default_context(cafile=str(dovecot.cert)))
    try:
        conn.login(USER, PASSWORD)
        conn.select(folder, readonly=True)
        _, data = conn.fetch("1:*", "(FLAGS)")
        return [d for d in data if isinstance(d, bytes)]
    finally:
        conn.logout()


def test_folders_as_a_tree_over_imaps(dovecot: Dovecot) -> None:
    dovecot.deliver("Ann <ann@example.com>", "Tree", "A message for the tree.", "Mon, 01 Jan 2024 09:00:00 +0000",
                    folder="Projects.Alpha")
    tree = list_folders(dovecot.address(), options=_opts(dovecot), password=PASSWORD)
    paths = [f.path for f in tree.walk()]
    assert "INBOX" in paths and "Projects/Alpha" in paths
    projects = next(f for f in tree.children if f.name == "Projects")
    assert [c.name for c in projects.children] == ["Alpha"]


def test_a_folder_read_with_locators_and_nothing_marked_read(dovecot: Dovecot) -> None:
    folder = "Budget"
    dovecot.deliver("Carol Jones <carol@example.com>", "Travel budget", "We agreed to cut the travel budget by ten percent.",
                    "Tue, 05 Mar 2024 10:00:00 +0100", folder=folder)
    dovecot.deliver("Dan Wu <dan@example.com>", "Re: Travel budget", "Agreed. Finance will confirm by Friday.",
                    "Wed, 06 Mar 2024 11:30:00 +0100", folder=folder)
    doc = read_document(dovecot.address(folder), password=PASSWORD, mail=_opts(dovecot))
    assert doc.kind is DocKind.MAILBOX and doc.metadata["store"] == "imap"
    [box] = doc.children
    assert box.display_name.endswith(f"› {folder}") and box.metadata["message_count"] == 2
    body = [b for b in box.blocks if b.role is Role.PARAGRAPH]
    assert body[0].text == "We agreed to cut the travel budget by ten percent."
    assert (body[0].locator.message, body[0].locator.sender, body[0].locator.date) == (1, "Carol Jones", "2024-03-05T10:00:00+01:00")
    assert body[1].locator.message == 2 and body[1].locator.sender == "Dan Wu"
    assert all(b"\\Seen" not in f for f in _flags(dovecot, folder)), "BODY.PEEK must leave messages unread"


def test_unseen_and_dates_are_chosen_on_the_server(dovecot: Dovecot) -> None:
    folder = "Choose"
    dovecot.deliver("A <a@example.com>", "Old read", "Already read and old.", "Mon, 01 Jan 2024 09:00:00 +0000", folder=folder, seen=True)
    dovecot.deliver("B <b@example.com>", "New unread", "The vendor ships on Monday.", "Fri, 01 Mar 2024 09:00:00 +0000", folder=folder)
    dovecot.deliver("C <c@example.com>", "Later unread", "The launch is in April.", "Mon, 01 Apr 2024 09:00:00 +0000", folder=folder)
    unread = read_mail(dovecot.address(folder), _opts(dovecot, unseen=True), password=PASSWORD)
    assert [b.text for b in unread.children[0].blocks if b.role is Role.HEADING] == [
        "New unread — B, 2024-03-01 09:00", "Later unread — C, 2024-04-01 09:00"]
    march = read_mail(dovecot.address(folder), _opts(dovecot, since=dt.date(2024, 3, 1), until=dt.date(2024, 3, 31)),
                      password=PASSWORD)
    assert march.children[0].metadata["message_count"] == 1 and march.children[0].title == "New unread"
    with pytest.raises(EmptyDocument, match="no messages"):
        read_mail(dovecot.address(folder), _opts(dovecot, since=dt.date(2030, 1, 1)), password=PASSWORD)


def test_a_second_digest_fetches_only_new_mail(dovecot: Dovecot) -> None:
    folder = "Cached"
    for n in range(3):
        dovecot.deliver("Eve <eve@example.com>", f"Note {n}", f"Note number {n} about the roadmap.", f"Mon, 0{n + 1} Jan 2024 09:00:00 +0000", folder=folder)
    options = _opts(dovecot, folders=(folder,))
    with ImapStore(dovecot.address(), read_limits(), options, password=PASSWORD) as store:
        first = read_store(store, options)
        assert store.fetched == 3
    cached = sorted(p.name for p in store.location.rglob("*.eml"))
    assert len(cached) == 3 and all(oct(p.stat().st_mode & 0o777) == "0o600" for p in store.location.rglob("*.eml"))
    dovecot.deliver("Eve <eve@example.com>", "Note 3", "Note number 3: the roadmap is final.", "Thu, 04 Jan 2024 09:00:00 +0000", folder=folder)
    with ImapStore(dovecot.address(), read_limits(), options, password=PASSWORD) as store:
        second = read_store(store, options)
        assert store.fetched == 1, "only the new message is fetched; the rest come from the cache"
    assert first.children[0].metadata["message_count"] == 3 and second.children[0].metadata["message_count"] == 4


def test_starttls_on_the_plain_port(dovecot: Dovecot) -> None:
    dovecot.deliver("F <f@example.com>", "Over STARTTLS", "Encrypted before the password.", "Mon, 01 Jan 2024 09:00:00 +0000", folder="Tls")
    doc = read_mail(dovecot.address("Tls", tls="imap"), _opts(dovecot), password=PASSWORD)
    assert doc.children[0].title == "Over STARTTLS"


def test_a_wrong_password_is_one_sentence(dovecot: Dovecot) -> None:
    with pytest.raises(PasswordRequired) as err:
        read_mail(dovecot.address("INBOX"), _opts(dovecot), password="wrong")
    assert err.value.message == f"127.0.0.1 did not accept the password for {USER}." and err.value.wrong_password


def test_no_password_anywhere_is_one_sentence(dovecot: Dovecot) -> None:
    with pytest.raises(PasswordRequired, match=f"needs the password for {USER} on 127.0.0.1"):
        read_mail(dovecot.address("INBOX"), _opts(dovecot))


def test_an_untrusted_certificate_is_refused_before_the_password(dovecot: Dovecot) -> None:
    with pytest.raises(MailServerError, match="could not be verified.*did not send the password"):
        read_mail(dovecot.address("INBOX"), MailOptions(timeout=10), password=PASSWORD)


def test_no_server_listening_is_one_sentence() -> None:
    with pytest.raises(MailServerError, match="refused the connection on port"):
        read_mail(f"imaps://{USER}@127.0.0.1:{free_port()}/INBOX", MailOptions(timeout=5), password=PASSWORD)


def test_iter_documents_takes_an_address_and_its_password(dovecot: Dovecot) -> None:
    dovecot.deliver("G <g@example.com>", "Via the job", "Read through iter_documents.", "Mon, 01 Jan 2024 09:00:00 +0000", folder="Job")
    address = dovecot.address("Job")
    account = dovecot.address("")
    [outcome] = iter_documents([address], passwords={account: PASSWORD}, password="a PDF password, never sent",
                               mail=_opts(dovecot))
    assert outcome.error is None and outcome.path == address
    assert outcome.document.children[0].title == "Via the job"


def read_limits():
    from desktop.core.limits import Limits

    return Limits()


def test_the_password_is_asked_once_per_session(dovecot: Dovecot) -> None:
    dovecot.deliver("H <h@example.com>", "Session", "The password is kept for the session.", "Mon, 01 Jan 2024 09:00:00 +0000",
                    folder="Session")
    read_mail(dovecot.address("Session"), _opts(dovecot), password=PASSWORD)
    again = read_mail(dovecot.address("Session"), _opts(dovecot))  # no password given: this session's
    assert again.children[0].title == "Session"

"""A watched mailbox's folders over time, on a real Maildir written by Python's ``mailbox``: a
folder made after watching began (even while Precis was closed) has its new mail summarized,
while the first look at a newly watched mailbox only sets what is there; old mail moved into a
new folder is not new; the marks of messages deleted from the store, and of folders removed, are
dropped once two looks have missed them, and what is left is written atomically."""

from __future__ import annotations

import json
import mailbox
import time
from pathlib import Path

from desktop.core.watch.mail_marks import MarksStore
from desktop.core.watch.mailbox import MailboxSource
from desktop.core.watch.sources import SourceItem
from tests.core.mailstores._stores import maildir, message


def _source(store: Path, state: Path) -> MailboxSource:
    source = MailboxSource(str(store))
    source.attach(state)
    return source


def _new(source: MailboxSource, *, relist: bool = False) -> list[SourceItem]:
    if relist:
        source._folders_due = 0.0  # the folder list is read every five minutes; now, for the test
    return list(source.scan())


def _record(source: MailboxSource, items: list[SourceItem]) -> None:
    for bundle in source.bundle(items):
        source.recorded(bundle.parts)


def _known(source: MailboxSource, state: Path, folder: str) -> set[str]:
    path = MarksStore(source.home(state) / "marks").path(folder)
    return set(json.loads(path.read_text(encoding="utf-8"))["known"])


def _mail(subject: str, body: str) -> mailbox.MaildirMessage:
    return mailbox.MaildirMessage(message("Dan Wu <dan@example.com>", subject, body, "Wed, 06 Mar 2024 09:00:00 +0000"))


def test_the_first_look_at_a_newly_watched_mailbox_takes_every_folder_as_already_there(tmp_path: Path) -> None:
    store, state = maildir(tmp_path / "Maildir"), tmp_path / "state"
    mailbox.Maildir(store, create=False).add_folder("Later.Sub").add(_mail("Old", "Years of mail."))
    source = _source(store, state)
    assert _new(source) == [] and _new(source, relist=True) == []
    kept = json.loads((source.home(state) / "marks" / "folders.json").read_text(encoding="utf-8"))
    assert {"INBOX", "Work/Projects", "Later/Sub"} <= set(kept["known"])


def test_a_folder_made_after_watching_began_has_its_new_mail_summarized(tmp_path: Path) -> None:
    store, state = maildir(tmp_path / "Maildir"), tmp_path / "state"
    source = _source(store, state)
    assert _new(source) == []
    box = mailbox.Maildir(store, create=False)
    receipts = box.add_folder("Receipts")
    receipts.add(_mail("Order shipped", "Your order has shipped."))
    # Old mail a client moved in: its file keeps its delivery time (in its name), and a message
    # the INBOX already knows keeps its unique name.
    old = _mail("Old receipt", "Your order of 2019.")
    receipts_dir = store / ".Receipts"
    (receipts_dir / "cur" / "1500000000.M1P1.host:2,S").write_bytes(old.as_bytes())
    inbox_key = next(iter(box.keys()))
    moved = box.get_file(inbox_key)
    moved_name = Path(moved._file.name).name  # type: ignore[attr-defined]
    moved.close()
    (store / "cur" / moved_name if (store / "cur" / moved_name).exists() else store / "new" / moved_name).rename(
        receipts_dir / "cur" / moved_name)
    [item] = _new(source, relist=True)
    assert item.group == "Receipts"
    assert b"Your order has shipped." in (source.content(item) or b"")
    _record(source, [item])
    assert _new(source) == []
    marks = json.loads(MarksStore(source.home(state) / "marks").path("Receipts").read_text(encoding="utf-8"))
    assert marks["since"] == 0.0  # its first mail is recorded: from here on it is like any other folder


def test_a_folder_made_while_precis_was_closed_is_new_at_the_next_start(tmp_path: Path) -> None:
    store, state = maildir(tmp_path / "Maildir"), tmp_path / "state"
    source = _source(store, state)
    assert _new(source) == []
    source.close()
    time.sleep(0.01)
    mailbox.Maildir(store, create=False).add_folder("Travel").add(_mail("Tickets", "The train leaves at nine."))
    again = _source(store, state)
    [item] = _new(again)
    assert item.group == "Travel"
    assert b"The train leaves at nine." in (again.content(item) or b"")


def test_marks_of_deleted_messages_and_removed_folders_are_dropped_once_two_looks_missed_them(tmp_path: Path) -> None:
    store, state = maildir(tmp_path / "Maildir"), tmp_path / "state"
    source = _source(store, state)
    assert _new(source) == []
    inbox = mailbox.Maildir(store, create=False)
    before = _known(source, state, "INBOX")
    assert len(before) == 2  # the read one and the new one (the trashed one is not listed)
    key = inbox.add(_mail("Vendor", "The vendor ships the boards on Monday."))
    [item] = _new(source)
    _record(source, [item])
    assert len(_known(source, state, "INBOX")) == 3
    inbox.remove(key)  # deleted in the mail client
    source._listers["INBOX"]._stamp = None  # listed again now (not within the minute's re-listing)
    assert _new(source) == []
    assert len(_known(source, state, "INBOX")) == 3  # one look missed it: it may be being moved
    source._listers["INBOX"]._stamp = None
    assert _new(source) == []
    assert _known(source, state, "INBOX") == before
    # A whole folder removed: its marks go after two folder listings without it.
    marks_file = MarksStore(source.home(state) / "marks").path("Work/Projects")
    assert marks_file.is_file()
    for sub in ("new", "cur", "tmp"):
        for f in (store / ".Work.Projects" / sub).iterdir():
            f.unlink()
    inbox.remove_folder("Work.Projects")
    _new(source, relist=True)
    assert marks_file.is_file()
    _new(source, relist=True)
    assert not marks_file.exists()
    assert not list(marks_file.parent.glob(".*.tmp"))  # written atomically: no half-written files left

"""Watched mailboxes on disk, model-free (the source the watcher polls): a Maildir, a Thunderbird
profile and a folder of saved messages, written by real libraries and changed the way mail
clients change them. What was there when watching began is not new; a delivered message is, once;
a message moved from new/ to cur/, marked read or kept through a compaction is not new again; what
is known survives a restart; nothing in the store is written."""

from __future__ import annotations

import mailbox
import shutil
from pathlib import Path

import pytest

from desktop.core.errors import WatchError
from desktop.core.ingest import read_document
from desktop.core.watch import mail_listing
from desktop.core.watch.mailbox import MailboxSource, parse_watch_spec, watch_spec
from desktop.core.watch.sources import GroupedSource, SourceItem
from tests.core.mailstores._readonly import nothing_written
from tests.core.mailstores._stores import maildir, message, thunderbird_profile, write_mbox


def _source(location: Path | str, state: Path, **kw: object) -> MailboxSource:
    source = MailboxSource(str(location), **kw)  # type: ignore[arg-type]
    source.attach(state)
    return source


def _new(source: MailboxSource) -> list[SourceItem]:
    return list(source.scan())


def _deliver(root: Path, subject: str, body: str, *, folder: str | None = None) -> str:
    box = mailbox.Maildir(root, create=False)
    if folder:
        box = box.get_folder(folder)
    return box.add(message("Dan Wu <dan@example.com>", subject, body, "Wed, 06 Mar 2024 09:00:00 +0000"))


def test_a_message_delivered_to_a_maildir_is_new_once_and_known_after_a_restart(tmp_path: Path) -> None:
    store, state = maildir(tmp_path / "Maildir"), tmp_path / "state"
    source = _source(store, state)
    assert isinstance(source, GroupedSource) and source.settle_s == 0.0
    with nothing_written(store):
        assert _new(source) == []  # what is there at the first look was there before watching began
    unique = _deliver(store, "Vendor", "The vendor ships the boards on Monday.")
    with nothing_written(store):
        [item] = _new(source)
        assert item.group == "INBOX" and source.owns(item.key) and item.key.startswith(store.resolve().as_posix())
        assert _new(source) == [item]  # still new until the watcher records it
        [bundle] = source.bundle([item])
    assert bundle.parts == (item,) and bundle.path is not None and bundle.path.suffix == ".mbox"
    assert store not in bundle.path.parents  # set aside in the watcher's own folder
    doc = read_document(bundle.path)
    assert "The vendor ships the boards on Monday." in [b.text for b in doc.blocks]
    source.recorded(bundle.parts)
    assert _new(source) == []

    # A mail client moves it to cur/ and marks it read: the same message, not a new one.
    box = mailbox.Maildir(store, create=False)
    msg = box.get_message(unique)
    msg.set_subdir("cur")
    msg.add_flag("S")
    box[unique] = msg
    assert _new(source) == []

    # A restart: what was recorded stays known; what arrived while Precis was closed is new.
    source.close()
    _deliver(store, "Offsite", "The offsite is booked for May.", folder="Work.Projects")
    again = _source(store, state)
    [late] = _new(again)
    assert late.group == "Work/Projects"
    assert b"The offsite is booked for May." in (again.content(late) or b"")


def test_a_maildir_folder_can_be_watched_alone_and_its_spec_round_trips(tmp_path: Path) -> None:
    store = maildir(tmp_path / "Maildir")
    spec = watch_spec(str(store), "Work/Projects")
    assert parse_watch_spec(spec) == (str(store), "Work/Projects") and parse_watch_spec(str(store)) is None
    source = _source(store, tmp_path / "state", folders=("Work/Projects",))
    assert source.label == "Maildir › Work/Projects"
    assert _new(source) == []
    _deliver(store, "Elsewhere", "Delivered to the inbox, which is not watched here.")
    _deliver(store, "Roadmap v2", "The second roadmap is attached.", folder="Work.Projects")
    [item] = _new(source)
    assert item.group == "Work/Projects"


def test_an_unknown_folder_is_one_sentence_and_the_source_goes_on(tmp_path: Path) -> None:
    store = maildir(tmp_path / "Maildir")
    source = _source(store, tmp_path / "state", folders=("Nowhere",))
    assert _new(source) == []
    [notice] = source.take_notices()
    assert "has no folder named “Nowhere”" in notice and source.problem == notice
    assert _new(source) == [] and source.take_notices() == []  # said once


def test_an_outlook_file_is_refused_in_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(WatchError, match="Outlook data file"):
        MailboxSource(str(tmp_path / "mail.pst"), kind="outlook")


def test_mail_appended_to_a_thunderbird_folder_is_read_from_where_the_last_look_ended(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail_listing, "MBOX_SETTLE_S", 0.0)
    profile = thunderbird_profile(tmp_path / "profiles")
    inbox = profile / "Mail" / "Local Folders" / "Inbox"
    state = tmp_path / "state"
    source = _source(profile, state, folders=("Local Folders/Inbox",))
    assert _new(source) == []
    size = inbox.stat().st_size
    box = mailbox.mbox(inbox)  # appended as Thunderbird appends: a "From " line, then the message
    box.add(message("Kim <kim@example.org>", "Contract", "The contract renews in June.", "Mon, 08 Jan 2024 10:00:00 +0000"))
    box.close()
    assert _new(source) == []  # the file just changed: it is read once it has kept its size and time
    reads: list[int] = []
    real = mail_listing.MboxLister._read
    monkeypatch.setattr(mail_listing.MboxLister, "_read", lambda self, start: reads.append(start) or real(self, start))
    [item] = _new(source)
    assert reads == [size]  # only the appended bytes
    assert b"The contract renews in June." in (source.content(item) or b"")
    source.recorded(source.bundle([item])[0].parts)
    assert _new(source) == []

    # Thunderbird marks the message read (its status rewritten in place) and compacts the folder
    # (a deleted message removed, the file rewritten): nothing is new.
    data = inbox.read_bytes().replace(b"X-Mozilla-Status: 0000", b"X-Mozilla-Status: 0001")
    inbox.write_bytes(data)
    assert _new(source) == [] and _new(source) == []
    kept = mailbox.mbox(inbox)
    for key, msg in list(kept.items()):
        if msg["X-Mozilla-Status"] == "0009":
            kept.remove(key)
    kept.flush()
    kept.close()
    assert _new(source) == [] and _new(source) == []

    # A restart reads from where the folder was last known whole.
    source.close()
    reads.clear()
    again = _source(profile, state, folders=("Local Folders/Inbox",))
    end = inbox.stat().st_size
    assert _new(again) == [] and _new(again) == []
    assert reads == [end]


def test_a_message_copied_into_a_folder_of_saved_messages_settles_like_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "Saved"
    folder.mkdir()
    (folder / "old.eml").write_bytes(message("A <a@example.com>", "Old", "Already there.", None).as_bytes())
    source = _source(folder, tmp_path / "state", kind="eml-folder")
    assert source.settle_s is None  # the watcher's settle time: a file may still be being copied
    assert _new(source) == []
    data = message("B <b@example.com>", "Copied", "The minutes are attached.", "Tue, 02 Jan 2024 10:00:00 +0000").as_bytes()
    (folder / "new.eml").write_bytes(data[:40])
    [half] = _new(source)
    (folder / "new.eml").write_bytes(data)
    [whole] = _new(source)
    assert half.key == whole.key and half.stamp != whole.stamp
    assert source.content(whole) == data


def test_a_store_that_goes_away_is_said_once_and_watched_again_when_it_is_back(tmp_path: Path) -> None:
    store = maildir(tmp_path / "Maildir")
    source = _source(store, tmp_path / "state")
    assert _new(source) == []
    moved = tmp_path / "elsewhere"
    shutil.move(store, moved)
    source._next_look = 0.0
    assert _new(source) == []
    [gone] = source.take_notices()
    assert "cannot be watched now" in gone and "does not exist" in gone
    shutil.move(moved, store)
    _deliver(store, "Back", "The store is back.")
    source._next_look = 0.0
    assert len(_new(source)) == 1
    assert source.take_notices() == ["Watching Maildir again."] and source.problem == ""


def test_a_thunderbird_folder_made_after_watching_began_has_its_mail_summarized(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder created after watching began is new: its mail arrived since (an mbox file tells
    no arrival time, so all of it, less what another watched folder already knows)."""
    monkeypatch.setattr(mail_listing, "MBOX_SETTLE_S", 0.0)
    profile = thunderbird_profile(tmp_path / "profiles")
    source = _source(profile, tmp_path / "state")
    assert _new(source) == []
    write_mbox(profile / "Mail" / "Local Folders" / "Receipts", [
        (message("Shop <shop@example.com>", "Receipt", "Your order has shipped.", "Mon, 08 Jan 2024 10:00:00 +0000"), "0000"),
        (message("Eve Adams <eve@example.org>", "Meetings", "From here on we meet on Tuesdays at ten.",
                 "Mon, 01 Jan 2024 10:00:00 +0000"), "0001")])  # copied from the Inbox: known there
    source._folders_due = 0.0
    assert _new(source) == []  # listed; the new file is read once it has kept its size and time
    [item] = _new(source)
    assert item.group == "Local Folders/Receipts"
    assert b"Your order has shipped." in (source.content(item) or b"")

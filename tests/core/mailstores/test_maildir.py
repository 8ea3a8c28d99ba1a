"""Maildir read in place: folders from the layout (Maildir++ and nested), flags from the file
names, the same located Message blocks as an mbox, and nothing moved, renamed or written."""

from __future__ import annotations

import datetime as dt
import mailbox
from pathlib import Path

import pytest

from desktop.core.document import DocKind, Role
from desktop.core.errors import EmptyDocument, FileUnreadable
from desktop.core.ingest import expand_paths, iter_documents, read_document
from desktop.core.mailstores import MailOptions, list_folders, read_mail, store_kind
from tests.core.mailstores._readonly import nothing_written
from tests.core.mailstores._stores import maildir, message


@pytest.fixture
def box(tmp_path: Path) -> Path:
    return maildir(tmp_path / "Maildir")


def _headings(doc) -> list[str]:
    return [b.text for b in doc.blocks if b.role is Role.HEADING]


def test_folders_as_a_tree(box: Path) -> None:
    assert store_kind(box) == "maildir"
    tree = list_folders(box)
    assert [(f.path, f.selectable) for f in tree.walk()][1:] == [
        ("INBOX", True), ("Trash", True), ("Work", False), ("Work/Projects", True)]
    # Counted from the file names alone: one read, one new; the trashed one is not counted.
    assert tree.to_dict()["children"][0] == {"name": "INBOX", "path": "INBOX", "count": 2, "unread": 1}
    projects = next(f for f in tree.walk() if f.path == "Work/Projects")
    assert (projects.count, projects.unread) == (1, 1)


def test_the_whole_store_reads_like_mailboxes_with_locators(box: Path) -> None:
    with nothing_written(box):
        doc = read_document(box)
    assert doc.kind is DocKind.MAILBOX and doc.metadata["store"] == "maildir" and not doc.blocks
    assert [c.display_name for c in doc.children] == ["Maildir › INBOX", "Maildir › Work/Projects"], "Trash is left out"
    inbox = doc.children[0]
    assert inbox.metadata["message_count"] == 2 and inbox.metadata["folder"] == "INBOX"
    assert _headings(inbox) == ["Budget — Alice Smith, 2024-01-01 10:00", "Launch — Carol Jones, 2024-03-05 10:00"]
    first = next(b for b in inbox.blocks if b.role is Role.PARAGRAPH)
    assert first.text == "We agreed to cut the travel budget by ten percent."
    assert (first.locator.message, first.locator.sender, first.locator.date) == (1, "Alice Smith", "2024-01-01T10:00:00+00:00")
    assert all("deleted" not in b.text for c in doc.children for b in c.blocks), "a trashed (T) message is left out"
    assert doc.metadata["message_count"] == 3


def test_unread_only_reads_new_and_unflagged_mail(box: Path) -> None:
    doc = read_mail(box, MailOptions(unseen=True))
    assert [c.title for c in doc.children] == ["Launch", "Roadmap"]


def test_a_folder_comes_with_the_folders_under_it_and_trash_by_name(box: Path) -> None:
    assert [c.metadata["folder"] for c in read_mail(box, MailOptions(folders=("Work",))).children] == ["Work/Projects"]
    assert read_mail(box, MailOptions(folders=("trash",))).children[0].title == "Binned"
    assert read_mail(box, MailOptions(folders=("Projects",))).children[0].title == "Roadmap"


def test_an_unknown_folder_names_the_ones_there_are(box: Path) -> None:
    with pytest.raises(FileUnreadable, match="has no folder named “Archive”; its folders are: INBOX, Trash, Work, Work/Projects"):
        read_mail(box, MailOptions(folders=("Archive",)))


def test_a_date_range_and_the_delivery_time_of_an_undated_message(box: Path) -> None:
    march = read_mail(box, MailOptions(since=dt.date(2024, 3, 1), until=dt.date(2024, 3, 31)))
    assert [c.title for c in march.children] == ["Launch", "Roadmap"]
    undated = mailbox.Maildir(box).add(message("Zed <zed@example.com>", "No date", "A message without a Date header.", None))
    name = box / "new" / undated
    stamp = int(dt.datetime(2024, 2, 10, 12, tzinfo=dt.UTC).timestamp())
    name.rename(box / "new" / f"{stamp}.M1P1.host")
    feb = read_mail(box, MailOptions(since=dt.date(2024, 2, 1), until=dt.date(2024, 2, 28)))
    assert feb.children[0].title == "No date" and feb.children[0].metadata["message_count"] == 1
    with pytest.raises(EmptyDocument, match=r"holds no messages with text \(from 2030-01-01 to 2030-12-31\)"):
        read_mail(box, MailOptions(since=dt.date(2030, 1, 1), until=dt.date(2030, 12, 31)))


def test_the_nested_layout(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    mailbox.Maildir(root, create=True).add(message("A <a@example.com>", "Top", "Top of the store.", "Mon, 01 Jan 2024 10:00:00 +0000"))
    (root / "Archive").mkdir()
    mailbox.Maildir(root / "Archive" / "2023", create=True).add(
        message("B <b@example.com>", "Old", "An archived message.", "Mon, 01 May 2023 10:00:00 +0000"))
    assert [f.path for f in list_folders(root).walk()][1:] == ["INBOX", "Archive", "Archive/2023"]
    assert [c.title for c in read_mail(root).children] == ["Top", "Old"]


def test_a_folder_walk_keeps_a_store_whole(tmp_path: Path, box: Path) -> None:
    (tmp_path / "notes.txt").write_text("Some notes.")
    assert expand_paths([tmp_path]) == [tmp_path / "notes.txt", box]
    assert expand_paths([tmp_path], recursive=False) == [tmp_path / "notes.txt", box]
    outcomes = list(iter_documents([tmp_path]))
    assert [o.document.kind for o in outcomes] == [DocKind.TEXT, DocKind.MAILBOX]


def test_a_folder_that_is_no_store_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileUnreadable, match="is a folder, not a file or a mail store Precis knows"):
        read_document(tmp_path / "empty")


def test_the_read_only_check_can_fail(box: Path) -> None:
    # What a reader that "delivered" new mail into cur/ would do.
    with pytest.raises(AssertionError, match="opened for writing"), nothing_written(box), open(box / "new" / "x", "wb") as fh:
        fh.write(b"")

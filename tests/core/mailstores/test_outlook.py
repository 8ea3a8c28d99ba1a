"""Outlook data files (.pst, .ost) through libpff: real PSTs written by Outlook (tests/data/pst,
see SOURCES.md) read as stores of located messages with their attachments, never as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.document import DocKind, Role
from desktop.core.errors import CorruptFile, DocumentError
from desktop.core.ingest import Format, read_bytes, read_document, sniff
from desktop.core.ingest.context import ReadContext
from desktop.core.mailstores import MailOptions, list_folders, read_mail, store_kind
from tests.core.mailstores._readonly import nothing_written

pytest.importorskip("pypff")


@pytest.mark.parametrize(("name", "folder"), [("pstsdk-sample1-unicode.pst", "Sample1"), ("pstsdk-sample2-ansi.pst", "Sample2")])
def test_a_pst_reads_as_a_store_with_located_messages(pst_dir: Path, name: str, folder: str) -> None:
    path = pst_dir / name
    assert store_kind(path) == "outlook"
    with nothing_written(pst_dir):
        doc = read_document(path)
    assert doc.kind is DocKind.MAILBOX and doc.metadata["store"] == "outlook"
    [box] = doc.children
    assert box.display_name == f"{name} › {folder}" and box.title == "Here is a sample message"
    assert box.metadata["participants"] == ["Terry Mahaffey"] and box.metadata["attachments"] == ["leah_thumper.jpg"]
    heading, body = box.blocks[0], next(b for b in box.blocks if b.role is Role.PARAGRAPH)
    assert heading.text == "Here is a sample message — Terry Mahaffey, 2010-03-15 10:12"
    assert "With a sample attachment." in body.text and "daughter and our puppy" in body.text
    assert (body.locator.message, body.locator.sender, body.locator.date) == (1, "Terry Mahaffey", "2010-03-15T10:12:05-07:00")


def test_the_folders_as_a_tree(pst_dir: Path) -> None:
    tree = list_folders(pst_dir / "pstsdk-sample1-unicode.pst")
    assert [(f.path, f.count, f.special) for f in tree.walk()][1:] == [("Deleted Items", 0, True), ("Sample1", 1, False)]


def test_a_japanese_outlook_file_and_a_message_attached_inside_a_message(pst_dir: Path) -> None:
    doc = read_document(pst_dir / "ruby-msg-msgInMsg.pst")
    [box] = doc.children
    assert box.metadata["folder"] == "Outlook データ ファイルのトップ" and box.title == "I have attachments!"
    assert box.metadata["attachments"] == ["green.png"]
    assert any("Microsoft Outlook テスト メッセージ" in w and "was not read" in w for w in box.warnings)


def test_a_pst_is_never_text_whatever_its_name(pst_dir: Path, tmp_path: Path) -> None:
    data = (pst_dir / "pstsdk-sample1-unicode.pst").read_bytes()
    assert sniff(data, ReadContext(tmp_path / "notes.txt")) is Format.PST
    renamed = tmp_path / "notes.txt"
    renamed.write_bytes(data)
    doc = read_document(renamed)
    assert doc.kind is DocKind.MAILBOX
    assert all("\x00" not in b.text for d in doc.walk() for b in d.blocks)
    assert sum(len(b.text) for d in doc.walk() for b in d.blocks) < 500


def test_a_pst_attached_to_a_message_is_read_from_its_bytes(pst_dir: Path, tmp_path: Path) -> None:
    data = (pst_dir / "pstsdk-sample2-ansi.pst").read_bytes()
    doc = read_bytes(data, ReadContext(tmp_path / "mail.eml", part="archive.pst", depth=1))
    assert doc.part == "archive.pst" and doc.children[0].part == "archive.pst/Sample2"
    assert doc.children[0].title == "Here is a sample message"


def test_unread_and_dates_and_folders_apply(pst_dir: Path) -> None:
    import datetime as dt

    path = pst_dir / "pstsdk-sample1-unicode.pst"
    assert read_mail(path, MailOptions(since=dt.date(2010, 3, 15), until=dt.date(2010, 3, 15))).metadata["message_count"] == 1
    with pytest.raises(DocumentError, match="holds no messages with text"):
        read_mail(path, MailOptions(since=dt.date(2011, 1, 1)))
    with pytest.raises(DocumentError, match="holds no messages"):
        read_mail(path, MailOptions(unseen=True))  # the sample message was read in Outlook
    assert read_mail(path, MailOptions(folders=("Sample1",))).children[0].metadata["folder"] == "Sample1"


@pytest.mark.parametrize("cut", [4, 512, 4096, 70_000])
def test_a_truncated_pst_is_one_sentence(pst_dir: Path, tmp_path: Path, cut: int) -> None:
    path = tmp_path / "cut.pst"
    path.write_bytes((pst_dir / "pstsdk-sample1-unicode.pst").read_bytes()[:cut])
    with pytest.raises(DocumentError) as err:
        read_document(path)
    assert isinstance(err.value, CorruptFile | DocumentError) and err.value.message.endswith(".")
    assert "cut.pst" in err.value.message


def test_an_outlook_2013_offline_file_libpff_cannot_open_says_so(pst_dir: Path, tmp_path: Path) -> None:
    from desktop.core.errors import UnsupportedFormat

    data = bytearray((pst_dir / "pstsdk-sample1-unicode.pst").read_bytes()[:4096])
    data[10:12] = (36).to_bytes(2, "little")  # wVer of a 4 KB-page .ost
    path = tmp_path / "mailbox.ost"
    path.write_bytes(bytes(data))
    with pytest.raises(UnsupportedFormat, match="offline data file of Outlook 2013 or later"):
        read_document(path)

"""Apple Mail: an .emlx is a message (not text with a byte count and a property list), a
.partial.emlx gets its attachments back from the Attachments folder beside it, and Apple Mail's
folders ("Name.mbox" folders of .emlx files, exported mailboxes) read as a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.document import DocKind, Role
from desktop.core.ingest import Format, read_bytes, read_document, sniff
from desktop.core.ingest.context import ReadContext
from desktop.core.mailstores import MailOptions, list_folders, read_mail, store_kind
from tests.core.mailstores._readonly import nothing_written
from tests.core.mailstores._stores import apple_mail, emlx_bytes, message


def test_an_emlx_is_a_message_not_text(tmp_path: Path) -> None:
    path = tmp_path / "123.emlx"
    path.write_bytes(emlx_bytes(message("Kim Park <kim@example.com>", "Quarterly plan", "The quarterly plan is approved.",
                                        "Mon, 01 Jan 2024 10:00:00 +0000")))
    assert sniff(path.read_bytes(), ReadContext(path)) is Format.EMLX
    doc = read_document(path)
    assert doc.kind is DocKind.EMAIL and doc.title == "Quarterly plan" and doc.metadata["read"] is True
    text = doc.text()
    assert "The quarterly plan is approved." in text
    assert "plist" not in text and "date-received" not in text and not text.startswith(tuple("0123456789"))
    assert next(b for b in doc.blocks if b.role is Role.PARAGRAPH).locator.sender == "Kim Park"


def test_an_emlx_renamed_is_still_known_by_its_plist(tmp_path: Path) -> None:
    data = emlx_bytes(message("A <a@example.com>", "Renamed", "Known by content.", "Mon, 01 Jan 2024 10:00:00 +0000"))
    assert sniff(data, ReadContext(tmp_path / "saved.txt")) is Format.EMLX
    assert sniff(b"2024\nSubject: a plain note\n\nbody", ReadContext(tmp_path / "note.txt")) is not Format.EMLX


def _partial(folder: Path, attachment_text: str | None) -> Path:
    """A .partial.emlx whose text attachment Apple Mail kept in Attachments/<number>/2/."""
    msg = message("Lee <lee@example.com>", "Minutes attached", "The minutes are attached.", "Tue, 02 Jan 2024 10:00:00 +0000",
                  attachment=("minutes.txt", b"placeholder"))
    part = msg.get_payload()[1]
    part.set_payload("")
    part["X-Apple-Content-Length"] = "120"
    messages = folder / "Messages"
    messages.mkdir(parents=True)
    path = messages / "55.partial.emlx"
    path.write_bytes(emlx_bytes(msg.as_bytes()))
    if attachment_text is not None:
        stored = folder / "Attachments" / "55" / "2"
        stored.mkdir(parents=True)
        (stored / "minutes.txt").write_text(attachment_text)
    return path


def test_a_partial_emlx_gets_its_attachment_back(tmp_path: Path) -> None:
    path = _partial(tmp_path / "Data", "Decision: the office closes on Fridays in August.")
    with nothing_written(tmp_path):
        doc = read_document(path)
    assert doc.metadata["attachments"] == ["minutes.txt"]
    [child] = doc.children
    assert child.part == "minutes.txt" and "the office closes on Fridays in August" in child.text()


def test_a_partial_emlx_without_its_attachment_says_so(tmp_path: Path) -> None:
    doc = read_document(_partial(tmp_path / "Data", None))
    assert not doc.children
    assert doc.warnings == ["The attachment minutes.txt of 55.partial.emlx is not in Apple Mail's Attachments folder; "
                            "it was listed, not read."]


def test_an_emlx_attached_to_a_message_is_read_as_bytes(tmp_path: Path) -> None:
    inner = emlx_bytes(message("A <a@example.com>", "Inner", "Inner text.", "Mon, 01 Jan 2024 10:00:00 +0000"))
    doc = read_bytes(inner, ReadContext(tmp_path / "outer.eml", part="inner.emlx"))
    assert doc.title == "Inner" and doc.part == "inner.emlx"


def test_apple_mail_folders_as_a_store(tmp_path: Path) -> None:
    v10 = apple_mail(tmp_path)
    assert store_kind(v10) == "apple-mail"
    assert [f.path for f in list_folders(v10).walk()][1:] == [
        "1A2B3C4D-ACCOUNT", "1A2B3C4D-ACCOUNT/Export", "1A2B3C4D-ACCOUNT/INBOX", "1A2B3C4D-ACCOUNT/Work",
        "1A2B3C4D-ACCOUNT/Work/Projects"]
    with nothing_written(v10):
        doc = read_document(v10)
    assert [(c.metadata["folder"], c.metadata["message_count"]) for c in doc.children] == [
        ("1A2B3C4D-ACCOUNT/Export", 1), ("1A2B3C4D-ACCOUNT/INBOX", 2), ("1A2B3C4D-ACCOUNT/Work/Projects", 1)]
    unread = read_mail(v10, MailOptions(unseen=True, folders=("INBOX",)))
    assert [c.title for c in unread.children] == ["Unread note"]


def test_one_mailbox_folder_can_be_named(tmp_path: Path) -> None:
    v10 = apple_mail(tmp_path)
    inbox = v10 / "1A2B3C4D-ACCOUNT" / "INBOX.mbox"
    doc = read_document(inbox)
    assert doc.children[0].display_name == "INBOX.mbox › INBOX"
    assert [b.text for b in doc.children[0].blocks if b.role is Role.HEADING][0] == "Quarterly plan — Kim, 2024-01-01 10:00"


@pytest.mark.parametrize("damage", [b"", b"abc\n", b"99999\nFrom: a@b\n\nshort", b"12\n"])
def test_a_damaged_emlx_is_one_sentence_or_a_message(tmp_path: Path, damage: bytes) -> None:
    from desktop.core.errors import DocumentError

    path = tmp_path / "1.emlx"
    path.write_bytes(damage)
    try:
        doc = read_document(path)
    except DocumentError as err:
        assert err.message.endswith(".")
    else:
        assert "99999" not in doc.text()


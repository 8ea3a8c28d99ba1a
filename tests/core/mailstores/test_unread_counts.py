"""Unread counts in a store's folder listing, where the store knows them cheaply, and the same
messages as "unread only" reads: Thunderbird's X-Mozilla-Status headers (searched in the mbox,
not read message by message), Apple Mail's .emlx property lists, an Outlook file's own count,
none for a folder of .eml files (nothing records it)."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from desktop.core.errors import EmptyDocument
from desktop.core.mailstores import MailOptions, list_folders, read_mail
from desktop.core.mailstores.folders import Folder
from desktop.core.mailstores.mboxfile import mbox_counts
from tests.core.mailstores._readonly import nothing_written
from tests.core.mailstores._stores import apple_mail, emlx_bytes, message, thunderbird_profile, write_mbox


def _counts(root: Folder) -> dict[str, tuple[int | None, int | None]]:
    return {f.path: (f.count, f.unread) for f in root.walk() if f.path and f.selectable}


def _read_unread(location: Path, folder: str) -> int:
    """How many messages "unread only" reads in one folder (0 when it finds none)."""
    try:
        doc = read_mail(location, MailOptions(unseen=True, folders=(folder,)))
    except EmptyDocument:
        return 0
    return sum(int(c.metadata["message_count"]) for c in doc.children if c.metadata["folder"] == folder)


def test_thunderbird_counts_from_x_mozilla_status_agree_with_unread_only(tmp_path: Path) -> None:
    profile = thunderbird_profile(tmp_path / "profiles")
    with nothing_written(profile):
        counts = _counts(list_folders(profile))
    assert counts == {"Local Folders/Archives/2023": (1, 0), "Local Folders/Inbox": (2, 1), "Local Folders/Trash": (1, 0),
                      "imap.example.com/INBOX": (1, 0)}, "the deleted (0x0009) message is not counted, as it is not read"
    for path, (_, unread) in counts.items():
        assert _read_unread(profile, path) == unread, path


def test_a_big_mbox_with_from_lines_in_bodies_counts_as_the_reader_splits_it(tmp_path: Path) -> None:
    folder = tmp_path / "Local Folders"
    folder.mkdir()
    entries = []
    for i in range(300):
        body = f"Note {i}.\n\nFrom here on the plan changes.\nFrom 1 to 5 at 10:30 we meet.\n"
        status = "0000" if i % 3 == 0 else ("0009" if i % 50 == 7 else "0001")
        entries.append((message(f"P{i} <p{i}@example.org>", f"Note {i}", body, "Mon, 01 Jan 2024 10:00:00 +0000"), status))
    write_mbox(folder / "Inbox", entries)
    # Unescaped "From " lines after a blank line, as some writers leave them: one without a time,
    # one with a time but no header after it. Neither starts a message.
    with open(folder / "Inbox", "ab") as fh:
        fh.write(b"From - Mon Jan  1 10:00:00 2024\nX-Mozilla-Status: 0000\nFrom: Raw <raw@example.org>\n"
                 b"Subject: Raw\nDate: Mon, 01 Jan 2024 10:00:00 +0000\n\nFirst line.\n\nFrom the desk of Raw\n"
                 b"\nFrom Raw at 10:30 on Monday\n\nthanks\n\n")
    deleted = sum(1 for i in range(300) if i % 3 and i % 50 == 7)
    found = mbox_counts(folder / "Inbox")
    read = read_mail(folder, MailOptions(folders=("Inbox",)))
    assert found.count == read.children[0].metadata["message_count"] == 301 - deleted
    assert found.unread == 101 == _read_unread(folder, "Inbox")


def test_an_mbox_without_x_mozilla_status_has_a_count_but_no_unread(tmp_path: Path) -> None:
    path = tmp_path / "plain"
    box = mailbox.mbox(path)
    for i in range(4):
        box.add(message(f"P{i} <p{i}@example.org>", f"Note {i}", f"Body {i}.", "Mon, 01 Jan 2024 10:00:00 +0000"))
    box.close()
    found = mbox_counts(path)
    assert (found.count, found.unread) == (4, None)
    path.write_bytes(b"")
    assert (mbox_counts(path).count, mbox_counts(path).unread) == (0, None)


def test_apple_mail_counts_from_the_emlx_flags_agree_with_unread_only(tmp_path: Path) -> None:
    v10 = apple_mail(tmp_path / "Mail")
    with nothing_written(v10):
        counts = _counts(list_folders(v10))
    assert counts["1A2B3C4D-ACCOUNT/INBOX"] == (2, 1) and counts["1A2B3C4D-ACCOUNT/Work/Projects"] == (1, 0)
    assert counts["1A2B3C4D-ACCOUNT/Export"] == (1, None), "an exported mbox records no flags"
    for path in ("1A2B3C4D-ACCOUNT/INBOX", "1A2B3C4D-ACCOUNT/Work/Projects"):
        assert _read_unread(v10, path) == counts[path][1], path


def test_an_emlx_without_flags_leaves_the_count_unknown(tmp_path: Path) -> None:
    messages = tmp_path / "Mail" / "Notes.mbox" / "UUID" / "Data" / "Messages"
    messages.mkdir(parents=True)
    raw = message("Kim <kim@example.com>", "No plist", "A message without flags.", "Mon, 01 Jan 2024 10:00:00 +0000").as_bytes()
    (messages / "1.emlx").write_bytes(f"{len(raw)}\n".encode() + raw)
    (messages / "2.emlx").write_bytes(emlx_bytes(raw, read=False)[:-40])  # a property list cut short
    assert _counts(list_folders(tmp_path / "Mail")) == {"Notes": (2, None)}


def test_outlook_counts_come_from_the_data_file(pst_dir: Path) -> None:
    for name in ("pstsdk-sample1-unicode.pst", "ruby-msg-msgInMsg.pst"):
        root = list_folders(pst_dir / name)
        mail = [f for f in root.walk() if f.count]
        assert mail and all(f.unread == 0 for f in mail), "every message in these files was read in Outlook"
        for folder in mail:
            assert _read_unread(pst_dir / name, folder.path) == folder.unread


def test_a_folder_of_eml_files_says_nothing_about_unread(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "a.eml").write_bytes(message("A <a@example.com>", "Hi", "Hello.", None).as_bytes())
    assert all(f.unread is None for f in list_folders(saved).walk())


@pytest.mark.parametrize("status", ["0001", "0000"])
def test_the_count_follows_the_read_flag(tmp_path: Path, status: str) -> None:
    path = tmp_path / "Inbox"
    write_mbox(path, [(message("A <a@example.org>", "One", "Only one.", "Mon, 01 Jan 2024 10:00:00 +0000"), status)])
    assert mbox_counts(path).unread == (status == "0000")


def test_past_the_listing_budget_folders_are_shown_without_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.core.mailstores import applemail, thunderbird

    profile = thunderbird_profile(tmp_path / "profiles")
    inbox = profile / "Mail" / "Local Folders" / "Inbox"
    monkeypatch.setattr(thunderbird, "COUNT_BUDGET", inbox.stat().st_size - 1)
    counts = _counts(list_folders(profile))
    assert counts["Local Folders/Inbox"] == (None, None), "a folder larger than what is left is not searched"
    v10 = apple_mail(tmp_path / "Mail")
    monkeypatch.setattr(applemail, "FLAG_BUDGET", 1)
    assert _counts(list_folders(v10))["1A2B3C4D-ACCOUNT/INBOX"] == (2, None)

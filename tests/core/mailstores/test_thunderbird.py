"""A Thunderbird profile read without touching it: Mail/ and ImapMail/ accounts, mbox folders
without an extension and their ".sbd" subfolders, deleted-but-not-compacted messages left out,
unread mail from X-Mozilla-Status, and no lock, .msf or any other file written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.core.document import Role
from desktop.core.ingest import expand_paths, read_document
from desktop.core.limits import Limits
from desktop.core.mailstores import MailOptions, list_folders, read_mail, store_kind
from desktop.core.mailstores.thunderbird import find_profiles
from tests.core.mailstores._readonly import nothing_written
from tests.core.mailstores._stores import message, thunderbird_profile, write_mbox


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    return thunderbird_profile(tmp_path / "profiles")


def test_the_profile_is_known_and_its_folders_are_a_tree(profile: Path) -> None:
    assert store_kind(profile) == "thunderbird"
    assert [(f.path, f.selectable) for f in list_folders(profile).walk()][1:] == [
        ("Local Folders", False), ("Local Folders/Archives", False), ("Local Folders/Archives/2023", True),
        ("Local Folders/Inbox", True), ("Local Folders/Trash", True),
        ("imap.example.com", False), ("imap.example.com/INBOX", True)]


def test_reading_the_profile_changes_nothing_and_skips_deleted_mail(profile: Path) -> None:
    with nothing_written(profile):
        doc = read_document(profile)
    assert [c.metadata["folder"] for c in doc.children] == [
        "Local Folders/Archives/2023", "Local Folders/Inbox", "imap.example.com/INBOX"]
    inbox = doc.children[1]
    assert [b.text for b in inbox.blocks if b.role is Role.HEADING] == [
        "Meetings — Eve Adams, 2024-01-01 10:00", "Unread — Gil, 2024-01-02 09:00"]
    body = next(b for b in inbox.blocks if b.role is Role.PARAGRAPH)
    assert body.text == "From here on we meet on Tuesdays at ten.", "a 'From ' line in a body does not split the message"
    assert (body.locator.message, body.locator.sender) == (1, "Eve Adams")
    assert not (profile / "Mail" / "Local Folders" / "Inbox.lock").exists()


def test_unread_mail_from_x_mozilla_status(profile: Path) -> None:
    doc = read_mail(profile, MailOptions(unseen=True, folders=("Local Folders",)))
    assert [c.title for c in doc.children] == ["Unread"]


def test_an_account_folder_or_a_single_folder_file_can_be_named(profile: Path) -> None:
    local = profile / "Mail" / "Local Folders"
    assert store_kind(local) == "thunderbird"
    assert [c.metadata["folder"] for c in read_mail(local).children] == ["Archives/2023", "Inbox"]
    inbox = read_document(local / "Inbox")  # one folder file is an mbox file, read as before
    assert inbox.metadata["message_count"] == 3


def test_a_message_over_the_limit_is_skipped_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "Local Folders"
    folder.mkdir()
    write_mbox(folder / "Inbox", [
        (message("Big <big@example.com>", "Huge", "x" * 300_000, "Mon, 01 Jan 2024 10:00:00 +0000"), "0001"),
        (message("Small <s@example.com>", "Small", "A small message.", "Tue, 02 Jan 2024 10:00:00 +0000"), "0001"),
    ])
    from desktop.core.mailstores import open_store
    from desktop.core.mailstores.reading import read_store

    with open_store(folder, limits=Limits(max_message_bytes=100_000)) as store:
        doc = read_store(store)
    assert doc.children[0].title == "Small"
    assert "A message in Inbox is larger than 98 KB and was not read." in doc.children[0].warnings


def test_profiles_are_found_from_profiles_ini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    base = home / ".thunderbird"
    profile = thunderbird_profile(base)
    (base / "profiles.ini").write_text(f"[Profile0]\nName=default\nIsRelative=1\nPath={profile.name}\n\n[General]\nStartWithLastProfile=1\n")
    monkeypatch.setenv("HOME", str(home))
    assert find_profiles() == [profile]


def test_a_folder_holding_profiles_is_walked_to_them(tmp_path: Path) -> None:
    profile = thunderbird_profile(tmp_path / "profiles")
    (tmp_path / "profiles" / "profiles.ini").write_text("[Profile0]\n")
    assert expand_paths([tmp_path]) == [profile]
    assert os.listdir(profile / "Mail" / "Local Folders").count("Inbox.msf") == 1

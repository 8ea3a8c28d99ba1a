"""A mailbox the user added, Qt-free: what the window, the watcher and the CLI keep in the settings
(never a password), built from a store on disk (its kind known by its layout) or an IMAP
server (TLS always), each mistake one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.errors import UnsupportedFormat
from desktop.core.mailstores import credentials
from desktop.core.mailstores.imap_account import parse_address
from desktop.core.mailstores.mailboxes import Mailbox, dump_mailboxes, imap_mailbox, load_mailboxes, local_mailbox
from desktop.core.settings import Settings
from tests.core.mailstores import _stores


def test_local_stores_are_known_by_their_layout(tmp_path: Path, pst_dir: Path) -> None:
    maildir = _stores.maildir(tmp_path / "Maildir")
    profile = _stores.thunderbird_profile(tmp_path / "tb")
    apple = _stores.apple_mail(tmp_path / "apple")
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "a.eml").write_bytes(_stores.message("A <a@example.com>", "Hi", "Hello.", None).as_bytes())
    kinds = {p.name: local_mailbox(p).kind for p in (maildir, profile, apple, saved, pst_dir / "pstsdk-sample2-ansi.pst")}
    assert kinds == {"Maildir": "maildir", profile.name: "thunderbird", "V10": "apple-mail", "saved": "eml-folder",
                     "pstsdk-sample2-ansi.pst": "outlook"}
    assert local_mailbox(maildir).title == "Maildir" and local_mailbox(maildir).kind_name == "Maildir"


def test_what_is_no_store_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    with pytest.raises(UnsupportedFormat, match=r"^notes is not a mail store Precis knows \(a Maildir"):
        local_mailbox(tmp_path / "notes")
    with pytest.raises(UnsupportedFormat, match="^gone does not exist"):
        local_mailbox(tmp_path / "gone")


def test_an_imap_server_is_an_address_with_tls_always(tmp_path: Path) -> None:
    box = imap_mailbox("mail.example.com", "alice@example.com")
    assert box.location == "imaps://alice@example.com@mail.example.com:993" and box.is_imap
    assert box.title == "alice@example.com@mail.example.com" and box.account == parse_address(box.location)
    starttls = imap_mailbox("mail.example.com", "bob", starttls=True)
    assert starttls.location == "imap://bob@mail.example.com:143", "imap:// is STARTTLS, required before the login"
    odd = imap_mailbox("::1", "a/b?c", port=10993)
    assert parse_address(odd.location).user == "a/b?c" and parse_address(odd.location).host == "::1"
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    assert imap_mailbox("mail.example.com", "bob", cafile=str(ca)).options().cafile == str(ca)
    with pytest.raises(UnsupportedFormat, match="^Name the mail server"):
        imap_mailbox(" ", "bob")
    with pytest.raises(UnsupportedFormat, match="^Name the user"):
        imap_mailbox("mail.example.com", "")
    with pytest.raises(UnsupportedFormat, match="does not name a server"):
        imap_mailbox("mail example com", "bob")
    with pytest.raises(UnsupportedFormat, match="^The certificate authority file missing.pem does not exist"):
        imap_mailbox("mail.example.com", "bob", cafile=str(tmp_path / "missing.pem"))


def test_kept_in_the_settings_as_plain_data_without_passwords(tmp_path: Path) -> None:
    boxes = [local_mailbox(_stores.maildir(tmp_path / "Maildir")),
             Mailbox(kind="imap", location="imaps://alice@mail.example.com:993", name="Work", cafile="/etc/ca.pem",
                     timeout=10.0)]
    credentials.remember(boxes[1].account.key, "s3cret", keep=False)  # type: ignore[union-attr]
    settings = Settings(mailboxes=dump_mailboxes(boxes))
    restored = Settings.from_dict(settings.to_dict())
    assert load_mailboxes(restored.mailboxes) == boxes
    assert "s3cret" not in str(settings.to_dict())
    assert boxes[1].options(["INBOX"], unseen=True).timeout == 10.0
    # Entries edited by hand into something else are skipped, and a mailbox is listed once.
    damaged = [{"kind": "maildir"}, {"kind": "fax", "location": "x"}, "text", {"kind": "imap", "location": "imaps://nouser"},
               boxes[0].to_plain(), boxes[0].to_plain()]
    assert load_mailboxes(damaged) == [boxes[0]]


def test_a_session_password_is_found_without_the_keyring_and_forgotten_alone() -> None:
    key = "imaps://alice@mail.example.com:993"
    assert credentials.in_session(key) is None
    credentials.remember(key, "s3cret", keep=False)
    assert credentials.in_session(key) == "s3cret"
    credentials.forget(key, session_only=True)
    assert credentials.in_session(key) is None

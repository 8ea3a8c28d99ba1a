"""Mail in the main window: mailboxes kept in the settings, *Summarize* on a folder for a date range
through the one job queue (a digest citing that folder's messages of that period only, each
citation opening its message in the source view), and mail stores dropped on the window."""

from __future__ import annotations

import datetime as dt
import mailbox
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.mailstores import MailOptions
from desktop.core.mailstores.mailboxes import Mailbox, local_mailbox
from desktop.core.settings import load_settings
from desktop.gui.intake.intake import take_in
from desktop.gui.models.model_picker import EXTRACTIVE
from desktop.gui.window.main_window import MainWindow
from tests.core.mailstores import _stores
from tests.gui._window import OFFSCREEN_NOISE, drop_files, make_window, message_boxes, open_window, wait_digest
from tests.gui.mailboxes._mail import wait_listed

pytestmark = OFFSCREEN_NOISE
PST = Path(__file__).resolve().parents[2] / "data" / "pst" / "pstsdk-sample2-ansi.pst"

#: (folder, sender, subject, body, date): March mail in two folders, and January mail in the inbox.
MAIL = [
    ("", "Alice Smith <alice@example.com>", "Old news", ("In January we agreed to move the office kitchen to the "
     "third floor next summer."), "Mon, 08 Jan 2024 09:00:00 +0000"),
    ("", "Carol Jones <carol@example.com>", "Launch date", ("The launch moves to the eighteenth of March because the "
     "vendor is late with the firmware."), "Tue, 05 Mar 2024 10:00:00 +0000"),
    ("", "Ben Ortiz <ben@example.com>", "Budget review", ("Finance approved the revised budget of forty thousand "
     "dollars for the spring campaign."), "Thu, 07 Mar 2024 15:30:00 +0000"),
    ("Work.Projects", "Dan Wu <dan@example.com>", "Roadmap", ("Please review the roadmap for the partner portal "
     "before Friday's steering meeting."), "Wed, 06 Mar 2024 09:00:00 +0000"),
]


def write_maildir(root: Path) -> Path:
    box = mailbox.Maildir(root, create=True)
    for folder, sender, subject, body, date in MAIL:
        target = box if not folder else (box.get_folder(folder) if folder in box.list_folders() else box.add_folder(folder))
        target.add(_stores.message(sender, subject, body, date))
    return root


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    yield from open_window(qtbot)


def test_summarize_a_folder_for_a_date_range_cites_that_folder_only(window: MainWindow, qtbot: QtBot,
                                                                   tmp_path: Path) -> None:
    store = write_maildir(tmp_path / "Maildir")
    assert window.model_picker.select(EXTRACTIVE)
    panel = window.mail_panel
    panel.add(local_mailbox(store))
    wait_listed(qtbot, panel)
    assert panel.tree.select(str(store), "INBOX")
    panel.range.set_between(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    panel.summarize_button.click()

    [job] = window.queue.jobs()
    assert job.paths == [str(store)] and job.title == "Maildir › INBOX (from 2024-03-01 to 2024-03-31)"
    assert job.spec.mail == MailOptions(folders=("INBOX",), since=dt.date(2024, 3, 1), until=dt.date(2024, 3, 31))
    wait_digest(qtbot, window, timeout=60_000)
    digest = window.digest_view.digest
    assert digest is not None and job.error == ""
    sources = [s for p in digest.points for s in p.sources]
    assert sources and {s.document for s in sources} == {"Maildir › INBOX"}
    assert {s.locator.sender for s in sources} <= {"Carol Jones", "Ben Ortiz"}
    assert "Dan Wu" not in str(digest.to_dict()) and "Alice Smith" not in str(digest.to_dict())

    # A citation opens its message in the source view, the passage marked.
    hrefs = window.digest_view.citation_hrefs()
    cited = window.digest_view.source_for(hrefs[0])
    assert cited is not None and window.digest_view.activate_link(hrefs[0])
    shown = window.source_view.text.current_document
    assert shown is not None and shown.display_name == "Maildir › INBOX"
    [marked] = window.source_view.text.marked_blocks
    block = shown.blocks[marked]
    assert block.locator.message == cited.locator.message and block.locator.sender == cited.locator.sender
    assert cited.excerpt[:30] in block.text

    # Reopened from History, the folder is read again with the same period: the same messages.
    window.close_digest()
    [entry] = window.history.list()
    window.digest_actions.open_history_entry(entry.id)
    wait_digest(qtbot, window)
    assert window.source_view.show_source(cited)
    again = window.source_view.text.current_document
    assert again is not None and again.display_name == "Maildir › INBOX" and again.metadata["message_count"] == 2
    [marked] = window.source_view.text.marked_blocks
    assert again.blocks[marked].locator.message == cited.locator.message and cited.excerpt[:30] in again.blocks[marked].text


def test_mailboxes_are_kept_in_the_settings_without_passwords(qtbot: QtBot, tmp_path: Path) -> None:
    store = write_maildir(tmp_path / "Maildir")
    win, queue = make_window(qtbot)
    try:
        win.mail_panel.add(local_mailbox(store))
        # (port 9 on this machine: refused at once, nothing leaves it)
        win.mail_panel.add(Mailbox(kind="imap", location="imaps://alice@127.0.0.1:9"), password="s3cret")
        saved = load_settings().mailboxes
        assert saved == [{"kind": "maildir", "location": str(store)},
                         {"kind": "imap", "location": "imaps://alice@127.0.0.1:9"}]
        assert "s3cret" not in str(saved)
        win.close()
    finally:
        queue.shutdown()
    again, queue2 = make_window(qtbot)
    try:
        assert [b.location for b in again.mail_panel.mailboxes] == [str(store), "imaps://alice@127.0.0.1:9"]
        assert again.mail_panel.tree.mailbox_item(str(store)) is not None
    finally:
        again.close()
        queue2.shutdown()


def test_a_dropped_maildir_is_queued_and_read_as_a_store(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    store = write_maildir(tmp_path / "Maildir")
    assert window.model_picker.select(EXTRACTIVE)
    drop_files(window.digest_view.browser.viewport(), [store])
    [job] = window.queue.jobs()
    assert job.paths == [str(store)]
    wait_digest(qtbot, window, timeout=60_000)
    assert message_boxes(window) == []
    names = {d.display_name for top in window.source_view.documents for d in [top]}
    assert {"Maildir › INBOX", "Maildir › Work/Projects"} <= names


def test_stores_are_taken_in_by_what_they_are(tmp_path: Path) -> None:
    """A Maildir, a Thunderbird profile or its Local Folders, Apple Mail's folders, an Outlook
    data file (with or without its extension) and an .emlx are taken in; a plain folder is not."""
    maildir = write_maildir(tmp_path / "Maildir")
    profile = _stores.thunderbird_profile(tmp_path / "tb")
    apple = _stores.apple_mail(tmp_path / "apple")
    emlx = next(apple.rglob("*.emlx"))
    renamed = tmp_path / "backup-of-outlook"
    renamed.write_bytes(PST.read_bytes())
    empty = tmp_path / "empty"
    empty.mkdir()
    wanted = [maildir, profile, profile / "Mail" / "Local Folders", apple, PST, renamed, emlx]
    intake = take_in([str(p) for p in [*wanted, empty]])
    assert intake.accepted == [str(p) for p in wanted]
    assert intake.left_out == ["empty/ (no files Precis reads inside)"]
    assert take_in([str(maildir / "cur")]).left_out, "a Maildir's own cur/ folder is no store"

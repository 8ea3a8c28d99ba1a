"""Watching a mailbox from the Mail tab of a real window: *Watch* on a Maildir's folder puts it in
the Watched list with its kind, and a message delivered to it becomes a History entry and a
notification with no click, as a file in a watched folder does; a watched IMAP account without a
password says so on its row, and opening the row asks for it; Outlook files are not watched."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from desktop.core.mailstores.mailboxes import imap_mailbox, local_mailbox
from desktop.core.settings import load_settings
from desktop.core.watch.mailbox import MailboxSource, watch_spec
from desktop.gui.rollup.rollup_build import WATCHED, choose_entries
from desktop.gui.window.main_window import MainWindow
from tests.core.mailstores._dovecot import PASSWORD, USER, Dovecot
from tests.core.mailstores._stores import maildir, message
from tests.gui.mailboxes._mail import wait_listed
from tests.gui.watch._watching import TRAY_NOISE, open_quick_window

pytestmark = TRAY_NOISE

BODY = ("The launch moves to the eighteenth of March because the vendor is late with the firmware. "
        "Marketing will hold the press release until the new date is confirmed by the vendor.")


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    yield from open_quick_window(qtbot)


def test_watch_on_a_maildir_folder_digests_new_mail_with_a_notification(window: MainWindow, qtbot: QtBot,
                                                                          tmp_path: Path) -> None:
    store = maildir(tmp_path / "Maildir")
    panel = window.mail_panel
    view = window.panes.watched_view
    assert [a.text() for a in view.add_menu.actions()] == ["Add Folder…", "Watch a Mailbox…"]
    window.watching.mailbox_action.trigger()  # the Watched list's way to the Mail tab
    assert window.panes.browse_tabs.currentWidget() is panel and panel.dialog is not None
    panel.dialog.reject()
    panel.add(local_mailbox(store))
    wait_listed(qtbot, panel)
    assert panel.tree.select(str(store), "INBOX")
    assert panel.watch_button.isEnabled()
    panel.watch_button.click()
    spec = watch_spec(str(store), "INBOX")
    assert load_settings().watched == [spec]  # kept for the next start
    assert view.source_list.count() == 1
    row = view.source_list.item(0).text()
    assert row.startswith("Maildir › INBOX\nMaildir · ") and panel.status.text().startswith("Watching INBOX in Maildir")
    qtbot.waitUntil(lambda: window.watch_service.watcher is not None)
    source = window.watch_service.entries[0].source
    assert isinstance(source, MailboxSource)
    qtbot.waitUntil(lambda: source._marks.get("INBOX") is not None and source._marks["INBOX"].started, timeout=30_000)
    panel.watch()  # a second Watch adds nothing
    assert load_settings().watched == [spec] and "is watched already" in window.status.currentMessage()

    mailbox.Maildir(store, create=False).add(message("Carol Jones <carol@example.com>", "Launch date", BODY,
                                                     "Tue, 05 Mar 2024 10:00:00 +0000"))
    qtbot.waitUntil(lambda: bool(window.history_view.entry_ids()), timeout=60_000)
    [entry] = window.history.list()
    assert entry.paths[0].endswith("INBOX, 1 new.mbox")
    tray = window.watching.tray
    assert tray is not None and tray.icon.isVisible()
    title, text, entry_id = tray.notifications[-1]
    assert title == "Precis: new digest" and entry_id == entry.id and "Maildir › INBOX: 1 new message" in text
    assert "from a watched mailbox" in window.status.currentMessage()
    qtbot.waitUntil(lambda: "1 digested" in view.source_list.item(0).text())
    view.arrival_list.itemActivated.emit(view.arrival_list.item(0))
    digest = window.digest_view.digest
    assert window.digest_view.entry_id == entry.id and digest is not None
    assert {s.locator.message for p in digest.all_points() for s in p.sources} == {1}
    # The roll-up's "Watched folders" takes the mailbox's digests too.
    assert [e.id for e in choose_entries(window.history.list(), WATCHED, window.watching.rollup_folders(), set())] == [
        entry.id]


@pytest.mark.xdist_group("dovecot")
def test_a_watched_imap_account_without_a_password_asks_for_it_from_its_row(window: MainWindow, qtbot: QtBot,
                                                                            dovecot: Dovecot) -> None:
    box = imap_mailbox("127.0.0.1", USER, port=dovecot.imaps_port, cafile=str(dovecot.cert), timeout=10)
    window.mail_panel.add(box)  # no password given: its listing fails too, which is the Mail tab's own business
    wait_listed(qtbot, window.mail_panel)
    if window.mail_panel.password_dialog is not None:
        window.mail_panel.password_dialog.close()
    assert window.mail_panel.tree.select(box.location)
    window.mail_panel.watch_button.click()
    view = window.panes.watched_view
    qtbot.waitUntil(lambda: "paused until Precis has the password" in view.source_list.item(0).text(), timeout=30_000)
    assert "IMAP account · Watching" in view.source_list.item(0).text()
    view.source_list.itemActivated.emit(view.source_list.item(0))
    dialog = window.watching.password_dialog
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    dialog.setTextValue(PASSWORD)
    dialog.accept()
    qtbot.waitUntil(lambda: "digested" in view.source_list.item(0).text() or "nothing new" in view.source_list.item(0).text(),
                    timeout=30_000)
    assert "password" not in view.source_list.item(0).text()


def test_an_outlook_file_is_not_watched_and_says_so(window: MainWindow, qtbot: QtBot) -> None:
    pst = Path(__file__).resolve().parents[2] / "data" / "pst" / "pstsdk-sample2-ansi.pst"
    panel = window.mail_panel
    panel.add(local_mailbox(pst))
    assert panel.tree.select(str(pst))
    assert not panel.watch_button.isEnabled() and not panel.watch()
    assert "does not watch it" in panel.status.text() and load_settings().watched == []

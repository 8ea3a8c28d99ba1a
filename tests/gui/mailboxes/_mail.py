"""Helpers of the mailbox tests: a mail panel on its own, and waiting for its listings."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.gui.mailboxes import MailboxPanel
from desktop.gui.mailboxes.add_mailbox_dialog import AddMailboxDialog


def make_panel(qtbot: QtBot) -> MailboxPanel:
    panel = MailboxPanel()
    qtbot.addWidget(panel)
    panel.resize(360, 560)
    panel.show()
    return panel


def add_through_dialog(qtbot: QtBot, panel: MailboxPanel, page: str, **fields: str) -> AddMailboxDialog:
    """Open Add a mailbox…, fill ``fields`` (attribute name of a QLineEdit on the page -> text),
    press Add."""
    dialog = panel.add_mailbox()
    qtbot.waitExposed(dialog)
    shown = dialog.show_page(page)
    for name, text in fields.items():
        getattr(shown, name).setText(text)
    dialog.add_button.click()
    return dialog


def wait_listed(qtbot: QtBot, panel: MailboxPanel, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: not panel.is_listing(), timeout=timeout)


def folders(panel: MailboxPanel, location: str) -> list[str]:
    return panel.tree.folder_paths(location)

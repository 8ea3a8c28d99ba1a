"""Add a mailbox of each local kind from real stores (written by Python's ``mailbox`` and
``email``, Apple Mail's plists, the public test PSTs), its folders listed off the GUI thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.mailstores.mailboxes import Mailbox, load_mailboxes
from tests.core.mailstores import _stores
from tests.gui.mailboxes._mail import add_through_dialog, folders, make_panel, wait_listed

PST_DIR = Path(__file__).resolve().parents[2] / "data" / "pst"


def test_a_maildir_added_shows_its_folders_as_a_tree(qtbot: QtBot, tmp_path: Path) -> None:
    store = _stores.maildir(tmp_path / "Maildir")
    panel = make_panel(qtbot)
    with qtbot.waitSignal(panel.mailboxes_changed) as saved:
        dialog = add_through_dialog(qtbot, panel, "folder", path_edit=str(store))
    assert not dialog.isVisible()
    assert load_mailboxes(saved.args[0]) == [Mailbox(kind="maildir", location=str(store))]
    assert panel.is_listing() and panel.busy.isVisible(), "the listing runs in a child process, the panel says so"
    wait_listed(qtbot, panel)
    assert folders(panel, str(store)) == ["INBOX", "Trash", "Work", "Work/Projects"]
    item = panel.tree.mailbox_item(str(store))
    assert item is not None and item.text() == "Maildir" and panel.tree.isExpanded(item.index())
    assert panel.status.text() == "" and not panel.busy.isVisible()


def test_a_thunderbird_profile_is_offered_from_profiles_ini(qtbot: QtBot, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    base = home / ".thunderbird"
    profile = _stores.thunderbird_profile(base)
    (base / "profiles.ini").write_text(f"[Profile0]\nName=default-release\nIsRelative=1\nPath={profile.name}\n")
    monkeypatch.setenv("HOME", str(home))
    panel = make_panel(qtbot)
    dialog = panel.add_mailbox()
    page = dialog.show_page("thunderbird")
    assert page.profiles.count() == 1 and page.profiles.currentItem().toolTip() == str(profile)
    dialog.add_button.click()
    wait_listed(qtbot, panel)
    assert panel.mailboxes[0].kind == "thunderbird"
    assert folders(panel, str(profile)) == ["Local Folders", "Local Folders/Archives", "Local Folders/Archives/2023",
                                             "Local Folders/Inbox", "Local Folders/Trash", "imap.example.com",
                                             "imap.example.com/INBOX"]


def test_apple_mail_folders(qtbot: QtBot, tmp_path: Path) -> None:
    v10 = _stores.apple_mail(tmp_path / "Mail")
    panel = make_panel(qtbot)
    add_through_dialog(qtbot, panel, "folder", path_edit=str(v10))
    wait_listed(qtbot, panel)
    assert panel.mailboxes[0].kind == "apple-mail"
    listed = folders(panel, str(v10))
    assert {"1A2B3C4D-ACCOUNT/INBOX", "1A2B3C4D-ACCOUNT/Work/Projects", "1A2B3C4D-ACCOUNT/Export"} <= set(listed)


def test_an_outlook_data_file_with_message_counts(qtbot: QtBot) -> None:
    pst = PST_DIR / "pstsdk-sample1-unicode.pst"
    panel = make_panel(qtbot)
    add_through_dialog(qtbot, panel, "outlook", path_edit=str(pst))
    wait_listed(qtbot, panel)
    assert panel.mailboxes[0].kind == "outlook"
    listed = folders(panel, str(pst))
    assert listed, panel.status.text()
    counts = [panel.tree.model_.itemFromIndex(i.index().siblingAtColumn(1)).text()
              for i in panel.tree._descendants(panel.tree.mailbox_item(str(pst)))]
    assert any(c.replace(",", "").isdigit() for c in counts), "Outlook knows how many messages a folder holds"


def test_what_is_no_mailbox_is_one_sentence_and_the_dialog_stays(qtbot: QtBot, tmp_path: Path) -> None:
    plain = tmp_path / "notes"
    plain.mkdir()
    (plain / "todo.txt").write_text("nothing to see")
    panel = make_panel(qtbot)
    dialog = add_through_dialog(qtbot, panel, "folder", path_edit=str(plain))
    assert dialog.isVisible() and panel.mailboxes == []
    assert dialog.message.text().startswith("notes is not a mail store Precis knows")
    dialog.show_page("outlook").path_edit.setText(str(plain / "todo.txt"))
    dialog.add_button.click()
    assert dialog.isVisible() and "not a mail store" in dialog.message.text()
    dialog.show_page("imap")
    dialog.add_button.click()
    assert dialog.message.text() == "Name the mail server (for example imap.example.com)."
    dialog.reject()


def _row(panel, location: str, folder: str) -> tuple[str, str, bool, str]:  # type: ignore[no-untyped-def]
    """(the folder's label, its count column, bold, tooltip) as the tree shows them."""
    item = next(i for i in panel.tree._descendants(panel.tree.mailbox_item(location)) if i.data(Qt.ItemDataRole.UserRole + 2) == folder)
    count = panel.tree.model_.itemFromIndex(item.index().siblingAtColumn(1)).text()
    return item.text(), count, item.font().bold(), item.toolTip()


def test_unread_counts_show_for_thunderbird_and_apple_mail_and_nothing_for_saved_messages(qtbot: QtBot,
                                                                                          tmp_path: Path) -> None:
    profile = _stores.thunderbird_profile(tmp_path / "profiles")
    v10 = _stores.apple_mail(tmp_path / "Mail")
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "a.eml").write_bytes(_stores.message("A <a@example.com>", "Hi", "Hello.", None).as_bytes())
    panel = make_panel(qtbot)
    for location in (profile, v10, saved):
        add_through_dialog(qtbot, panel, "folder", path_edit=str(location))
        wait_listed(qtbot, panel)
    assert _row(panel, str(profile), "Local Folders/Inbox")[:3] == ("Inbox (1)", "2", True)
    assert _row(panel, str(profile), "Local Folders/Trash")[:3] == ("Trash", "1", False)
    assert _row(panel, str(v10), "1A2B3C4D-ACCOUNT/INBOX")[:3] == ("INBOX (1)", "2", True)
    [eml_folder] = folders(panel, str(saved))
    label, _, bold, tip = _row(panel, str(saved), eml_folder)
    assert "(" not in label and not bold and "unread" not in tip, "a folder that records nothing shows no unread count"

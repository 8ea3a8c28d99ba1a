"""An IMAP server added in the window, against a real Dovecot on 127.0.0.1 (TLS with a certificate
of its own making, trusted through the certificate authority option): its folders listed in a
child process, the password kept in the keyring or, with none, for the session, a wrong password
one sentence and asked again, and a folder summarized with its citations opening the message."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from desktop.core.mailstores import credentials
from desktop.core.mailstores.mailboxes import imap_mailbox
from desktop.gui.mailboxes import MailboxPanel
from desktop.gui.models.model_picker import EXTRACTIVE
from desktop.gui.window.main_window import MainWindow
from tests.core.mailstores._dovecot import PASSWORD, USER, Dovecot, make_certificate
from tests.core.mailstores._hostile_imap import HostileServer
from tests.gui._window import OFFSCREEN_NOISE, open_window, wait_digest
from tests.gui.mailboxes._keyring import FileKeyring
from tests.gui.mailboxes._mail import folders, make_panel, wait_listed

pytestmark = [pytest.mark.xdist_group("dovecot"), OFFSCREEN_NOISE]
NO_KEYRING = "keyring.backends.fail.Keyring"


def _add_server(qtbot: QtBot, panel: MailboxPanel, dovecot: Dovecot, password: str, *, starttls: bool = False) -> str:
    dialog = panel.add_mailbox()
    page = dialog.show_page("imap")
    page.server_edit.setText("127.0.0.1")
    page.security.setCurrentIndex(1 if starttls else 0)
    assert page.port_spin.value() == (143 if starttls else 993), "the usual port follows the security chosen"
    page.port_spin.setValue(dovecot.imap_port if starttls else dovecot.imaps_port)
    page.user_edit.setText(USER)
    page.password_edit.setText(password)
    page.cafile_edit.setText(str(dovecot.cert))
    dialog.add_button.click()
    assert not dialog.isVisible(), dialog.message.text()
    return panel.mailboxes[-1].location


def test_an_imap_server_added_lists_its_folders_and_without_a_keyring_keeps_the_password_for_the_session(
        qtbot: QtBot, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)  # the child that logs in finds no keyring
    dovecot.deliver("Ann <ann@example.com>", "Tree", "A message for the tree.", "Mon, 01 Jan 2024 09:00:00 +0000",
                    folder="Projects.Alpha")
    panel = make_panel(qtbot)
    location = _add_server(qtbot, panel, dovecot, PASSWORD)
    assert location == f"imaps://{USER}@127.0.0.1:{dovecot.imaps_port}"
    assert panel.mailboxes[0].cafile == str(dovecot.cert) and "password" not in panel.mailboxes[0].to_plain()
    wait_listed(qtbot, panel)
    assert {"INBOX", "Projects", "Projects/Alpha"} <= set(folders(panel, location)), panel.status.text()
    label = f"{USER}@127.0.0.1:{dovecot.imaps_port}"
    assert panel.status.text() == (f"This computer has no keyring, so the password for {label} is kept only until "
                                   "Precis closes; Precis will ask for it again next time.")
    assert credentials.in_session(f"imaps://{USER}@127.0.0.1:{dovecot.imaps_port}") == PASSWORD

    # Listing again (another child process, no keyring there) takes the session's password.
    panel.list_folders(location)
    wait_listed(qtbot, panel)
    assert "Projects/Alpha" in folders(panel, location) and panel.password_dialog is None


def test_with_a_keyring_the_password_is_kept_there(qtbot: QtBot, dovecot: Dovecot, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    # The same keyring here (where a removed mailbox's password is forgotten) and in the children;
    # this process's own is put back afterwards (chosen before the test's keyring is viable).
    previous = keyring.get_keyring()
    request.addfinalizer(lambda: keyring.set_keyring(previous))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.gui.mailboxes._keyring.FileKeyring")
    monkeypatch.setenv("PRECIS_TEST_KEYRING", str(tmp_path / "keyring.json"))
    keyring.set_keyring(FileKeyring())
    panel = make_panel(qtbot)
    location = _add_server(qtbot, panel, dovecot, PASSWORD, starttls=True)
    wait_listed(qtbot, panel)
    assert "INBOX" in folders(panel, location), panel.status.text()
    assert panel.status.text() == f"The password for {USER}@127.0.0.1:{dovecot.imap_port} is kept in the system keyring."
    kept = json.loads((tmp_path / "keyring.json").read_text())
    assert list(kept.values()) == [PASSWORD]
    # A new session (nothing in memory) lists from the keyring without asking.
    credentials.clear_session()
    panel.list_folders(location)
    wait_listed(qtbot, panel)
    assert "INBOX" in folders(panel, location) and panel.password_dialog is None
    # Removing the mailbox forgets its password.
    panel.remove_mailbox(location)
    qtbot.waitUntil(lambda: _kept(tmp_path / "keyring.json") == {})


def _kept(path: Path) -> dict | None:
    """The test keyring's file, or None while the backend is part-way through rewriting it."""
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None


def test_a_wrong_password_is_one_sentence_and_asked_again(qtbot: QtBot, dovecot: Dovecot,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
    panel = make_panel(qtbot)
    location = _add_server(qtbot, panel, dovecot, "not the password")
    wait_listed(qtbot, panel)
    assert panel.status.text() == f"127.0.0.1 did not accept the password for {USER}."
    assert folders(panel, location) == [] and credentials.in_session(location) is None
    dialog = panel.password_dialog
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    assert dialog.labelText().startswith(f"127.0.0.1 did not accept the password for {USER}.")
    dialog.setTextValue(PASSWORD)
    dialog.accept()
    wait_listed(qtbot, panel)
    assert "INBOX" in folders(panel, location), panel.status.text()


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    yield from open_window(qtbot)


def test_summarize_an_imap_folder_and_open_a_citation(window: MainWindow, qtbot: QtBot, dovecot: Dovecot,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
    dovecot.deliver("Carol Jones <carol@example.com>", "Vendor", "The vendor ships the new routers on the twelfth of "
                    "April, two weeks later than planned.", "Tue, 02 Apr 2024 10:00:00 +0000", folder="Suppliers")
    assert window.model_picker.select(EXTRACTIVE)
    panel = window.mail_panel
    location = _add_server(qtbot, panel, dovecot, PASSWORD)
    wait_listed(qtbot, panel)
    assert panel.tree.select(location, "Suppliers")
    panel.summarize_button.click()
    [job] = window.queue.jobs()
    assert job.paths == [location] and job.spec.passwords == {location: PASSWORD}
    assert job.spec.mail.folders == ("Suppliers",) and job.spec.mail.cafile == str(dovecot.cert)
    wait_digest(qtbot, window, timeout=60_000)
    assert job.error == "" and window.digest_view.digest is not None
    [href, *_] = window.digest_view.citation_hrefs()
    assert window.digest_view.activate_link(href)
    shown = window.source_view.text.current_document
    assert shown is not None and shown.display_name.endswith("› Suppliers")
    [marked] = window.source_view.text.marked_blocks
    assert "routers" in shown.blocks[marked].text and shown.blocks[marked].locator.sender == "Carol Jones"
    cited = window.digest_view.source_for(href)
    assert cited is not None

    # Reopened from History, the message is read from the cache: no server, no password.
    dovecot.stop()
    credentials.clear_session()
    try:
        window.close_digest()
        [entry] = window.history.list()
        window.digest_actions.open_history_entry(entry.id)
        wait_digest(qtbot, window)
        assert window.source_view.show_source(cited)
        again = window.source_view.text.current_document
        assert again is not None and again.display_name == shown.display_name
        [marked] = window.source_view.text.marked_blocks
        assert "routers" in again.blocks[marked].text
    finally:
        dovecot.start()


def test_a_server_that_never_answers_is_cancelled_within_a_second(qtbot: QtBot, tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    with HostileServer("silent", cert, key) as server:
        panel = make_panel(qtbot)
        panel.add(imap_mailbox("127.0.0.1", USER, port=server.port, cafile=str(cert)), password=PASSWORD)
        assert panel.is_listing() and panel.cancel_button.isVisible()
        qtbot.wait(1500)  # the child is up and waiting for the server's greeting
        assert panel.is_listing(), "a silent server keeps the listing waiting (30 s before its timeout)"
        started = time.monotonic()
        panel.cancel_button.click()
        wait_listed(qtbot, panel, timeout=5000)
        assert time.monotonic() - started < 1.5
    assert panel.status.text() == f"Listing the folders of {USER}@127.0.0.1:{server.port} was cancelled."
    assert not panel.cancel_button.isVisible() and credentials.in_session(panel.mailboxes[0].location) is None

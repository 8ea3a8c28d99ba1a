"""The Mail side of the file panel: the mailboxes the user added and their folders as a tree,
*Add a mailbox…*, *Summarize* on a folder (or a whole mailbox) for a period or unread mail, and
*Watch* (the new mail of a mailbox or folder summarized as it arrives, in the Watched list).

Folders are listed in a child process (``FolderListing``) when a mailbox is added or first
opened, with a busy bar and Cancel; what goes wrong is one sentence under the tree. IMAP
passwords: a password that worked is kept in this window's memory for the session (and, by the
listing's child, in the keyring where there is one; the sentence says which); the window never
asks the keyring itself, which can block on a locked desktop keyring."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import PasswordRequired
from desktop.core.mailstores import credentials
from desktop.core.mailstores.mailboxes import Mailbox, dump_mailboxes
from desktop.core.watch.mailbox import watch_spec
from desktop.gui.common.password_dialog import password_dialog
from desktop.gui.mailboxes.add_mailbox_dialog import AddMailboxDialog
from desktop.gui.mailboxes.folder_task import FolderListing
from desktop.gui.mailboxes.folder_tree import Choice, MailboxTree
from desktop.gui.mailboxes.mail_range import MailRangeForm
from desktop.gui.mailboxes.mail_request import summarize_request
from desktop.ml.protocol import error_kind

EMPTY_HINT = ("Add a Maildir, a Thunderbird profile, Apple Mail's folders, an Outlook data file or an IMAP account "
              "to summarize mail where it lives. Nothing in it is changed or marked read.")


class MailboxPanel(QWidget):
    """Signals: ``summarize_requested(paths, title, spec_overrides)`` (a job over a mailbox:
    ``mail`` and ``passwords`` for ``JobSpec.from_settings``), ``mailboxes_changed(entries)``
    (the list to keep in ``Settings.mailboxes``)."""

    #: paths, title, JobSpec overrides
    summarize_requested = Signal(list, str, dict)
    #: the mailboxes as plain data, to be saved
    mailboxes_changed = Signal(list)
    #: a mailbox or folder to watch: its ``Settings.watched`` string (``core/watch/mailbox.watch_spec``)
    watch_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mailPanel")
        self.mailboxes: list[Mailbox] = []
        self.tasks: dict[str, FolderListing] = {}
        self.dialog: AddMailboxDialog | None = None
        self.password_dialog: QInputDialog | None = None
        #: the mailbox whose listing the status row shows
        self._shown: str | None = None

        self.choice_label = QLabel("")
        self.choice_label.setObjectName("folderLabel")
        self.add_button = QToolButton()
        self.add_button.setObjectName("addMailbox")
        self.add_button.setText("Add a mailbox…")
        self.add_button.setToolTip("A Maildir, a Thunderbird profile, Apple Mail, an Outlook data file or an IMAP server")
        self.add_button.clicked.connect(self.add_mailbox)
        self.empty_hint = QLabel(EMPTY_HINT)
        self.empty_hint.setObjectName("hint")
        self.empty_hint.setWordWrap(True)
        self.tree = MailboxTree()
        self.tree.list_requested.connect(lambda location: self.list_folders(location))
        self.tree.summarize_requested.connect(self.summarize)
        self.tree.watch_requested.connect(self.watch)
        self.tree.remove_requested.connect(self.remove_mailbox)
        self.tree.selectionModel().currentChanged.connect(lambda *_: self._update_summarize())

        self.busy = QProgressBar()
        self.busy.setObjectName("mailBusy")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(60)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("mailStatus")
        self.status.setWordWrap(True)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_listing)
        self.range = MailRangeForm()
        self.summarize_button = QPushButton("Summarize")
        self.summarize_button.setObjectName("mailSummarize")
        self.summarize_button.setToolTip("A digest of the chosen folder (with the folders inside it) for this period")
        self.summarize_button.clicked.connect(self.summarize)
        self.watch_button = QToolButton()
        self.watch_button.setText("Watch")
        self.watch_button.setObjectName("mailWatch")
        self.watch_button.setToolTip("Summarize the mail that arrives in the chosen folder (or the whole mailbox) from "
                                     "now on, in the background; it joins the Watched list")
        self.watch_button.clicked.connect(self.watch)

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(6)
        head.addWidget(self.choice_label, 1)
        head.addWidget(self.watch_button)
        head.addWidget(self.add_button)
        status_row = QHBoxLayout()
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.setSpacing(6)
        status_row.addWidget(self.busy)
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.cancel_button)
        # The period above the button, not beside it: side by side they set the side panel's (and
        # so the window's) minimum width past what a small screen gives.
        run_row = QVBoxLayout()
        run_row.setContentsMargins(0, 0, 0, 0)
        run_row.addWidget(self.range)
        run_row.addWidget(self.summarize_button, 0, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.tree, 1)
        layout.addLayout(status_row)
        layout.addLayout(run_row)
        self._refresh()

    # ------------------------------------------------------------------ the list
    def set_mailboxes(self, boxes: list[Mailbox]) -> None:
        self.mailboxes = list(boxes)
        self.tree.set_mailboxes(self.mailboxes)
        self._refresh()

    def mailbox(self, location: str) -> Mailbox | None:
        return next((b for b in self.mailboxes if b.location == location), None)

    def add_mailbox(self) -> AddMailboxDialog:
        """Open the Add-a-mailbox dialog (without blocking); an accepted mailbox is listed at once."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        dialog = AddMailboxDialog(self.window(), known=self.mailboxes)
        dialog.accepted.connect(lambda d=dialog: self._added(d))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _added(self, dialog: AddMailboxDialog) -> None:
        box = dialog.mailbox
        if box is None or self.mailbox(box.location) is not None:
            return
        self.add(box, password=dialog.password)

    def add(self, box: Mailbox, *, password: str | None = None) -> None:
        """Add ``box`` to the list (kept in the settings) and list its folders."""
        self.mailboxes.append(box)
        self.tree.add_mailbox(box)
        self.tree.select(box.location)
        self._refresh()
        self.mailboxes_changed.emit(dump_mailboxes(self.mailboxes))
        self.list_folders(box.location, password=password)

    def remove_mailbox(self, location: str) -> None:
        box = self.mailbox(location)
        if box is None:
            return
        task = self.tasks.pop(location, None)
        if task is not None:
            task.kill()
        self.mailboxes.remove(box)
        self.tree.remove_mailbox(location)
        if box.account is not None:
            key = box.account.key
            credentials.forget(key, session_only=True)
            # The keyring may block (a locked desktop keyring): not on the window's thread.
            threading.Thread(target=credentials.forget, args=(key,), name="forget-imap-password", daemon=True).start()
        if self._shown == location:
            self._say("")
        self._refresh()
        self.mailboxes_changed.emit(dump_mailboxes(self.mailboxes))

    # ------------------------------------------------------------------ listing folders
    def list_folders(self, location: str, *, password: str | None = None) -> FolderListing | None:
        box = self.mailbox(location)
        if box is None:
            return None
        old = self.tasks.pop(location, None)
        if old is not None:
            old.kill()
        if box.account is not None and password is None:
            password = credentials.in_session(box.account.key)  # else the child asks the keyring
        task = FolderListing(box, password, self)
        self.tasks[location] = task
        task.finished.connect(lambda result, t=task: self._listed(t, result))
        task.failed.connect(lambda name, message, t=task: self._failed(t, name, message))
        task.cancelled.connect(lambda t=task: self._ended(t, f"Listing the folders of {box.title} was cancelled."))
        self.tree.show_note(location, "Listing the folders…")
        self._shown = location
        self._say(f"Listing the folders of {box.title}…", busy=True)
        task.start()
        return task

    def cancel_listing(self) -> None:
        task = self.tasks.get(self._shown or "")
        if task is not None:
            task.cancel()

    def is_listing(self) -> bool:
        return any(t.is_running() for t in self.tasks.values())

    def _current(self, task: FolderListing) -> bool:
        return self.tasks.get(task.mailbox.location) is task

    def _listed(self, task: FolderListing, result: dict[str, Any]) -> None:
        if not self._current(task):
            return
        box = task.mailbox
        self.tasks.pop(box.location, None)
        self.tree.set_folders(box.location, result.get("tree", {}))
        said = ""
        if box.account is not None and task.password:
            credentials.remember(box.account.key, task.password, keep=False)
            kept = result.get("password")
            if kept == "keyring":
                said = f"The password for {box.title} is kept in the system keyring."
            elif kept == "session":
                said = (f"This computer has no keyring, so the password for {box.title} is kept only until Precis "
                        "closes; Precis will ask for it again next time.")
        if self._shown == box.location:
            self._say(said)
        self._update_summarize()

    def _failed(self, task: FolderListing, name: str, message: str) -> None:
        if not self._current(task):
            return
        box = task.mailbox
        self._ended(task, message, error=True)
        if box.account is not None and issubclass(error_kind(name), PasswordRequired):
            credentials.forget(box.account.key, session_only=True)
            self.ask_password(box, message)

    def _ended(self, task: FolderListing, text: str, *, error: bool = False) -> None:
        if not self._current(task):
            return
        location = task.mailbox.location
        self.tasks.pop(location, None)
        self.tree.show_note(location, "The folders could not be listed" if error else "Folders not listed yet")
        self._shown = location
        self._say(text, error=error)

    def ask_password(self, box: Mailbox, sentence: str) -> QInputDialog:
        """Ask for the IMAP password (without blocking), then list the folders with it."""
        if self.password_dialog is not None:
            self.password_dialog.close()
        dialog = password_dialog(self.window(), name="mailPasswordDialog", title=f"Password for {box.title}",
                                 text=f"{sentence}\n\nEnter the password for {box.title}:", ok="Log in")
        dialog.textValueSelected.connect(lambda text: self.list_folders(box.location, password=text) if text else None)
        self.password_dialog = dialog
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ summarize
    def _chosen(self) -> tuple[Choice, Mailbox] | None:
        """The folder (or mailbox) chosen in the tree and its mailbox; None (said) when there is none."""
        choice = self.tree.choice()
        box = self.mailbox(choice.location) if choice is not None else None
        if choice is None or box is None:
            self._say("Choose a mailbox or one of its folders first.", error=True)
            return None
        return choice, box

    def summarize(self) -> bool:
        """Ask for a job over the chosen folder (or the whole mailbox) for the chosen period."""
        chosen = self._chosen()
        if chosen is None:
            return False
        choice, box = chosen
        since, until, unseen = self.range.selection()
        password = credentials.in_session(box.account.key) if box.account is not None else None
        paths, title, overrides = summarize_request(box, choice.folder, since=since, until=until, unseen=unseen,
                                                    password=password)
        self.summarize_requested.emit(paths, title, overrides)
        return True

    def watch(self) -> bool:
        """Ask for the chosen folder (or the whole mailbox) to be watched."""
        chosen = self._chosen()
        if chosen is None:
            return False
        choice, box = chosen
        if box.kind == "outlook":
            self._say(f"{box.title} is an Outlook data file, which changes as a whole: Precis does not watch it. "
                      "Summarize it instead.", error=True)
            return False
        self.watch_requested.emit(watch_spec(box.location, choice.folder))
        what = f"{choice.name} in {box.title}" if choice.folder else box.title
        self._say(f"Watching {what}: the mail that arrives from now on is summarized (see Watched).")
        return True

    # ------------------------------------------------------------------ looks
    def _say(self, text: str, *, busy: bool = False, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)
        self.status.setStyleSheet("color: palette(bright-text);" if error else "")
        self.busy.setVisible(busy)
        self.cancel_button.setVisible(busy)

    def _refresh(self) -> None:
        self.empty_hint.setVisible(not self.mailboxes)
        self._update_summarize()

    def _update_summarize(self) -> None:
        """Summarize acts on the choice, which the head of the panel names (as the Files tab names
        its folder)."""
        choice = self.tree.choice()
        box = self.mailbox(choice.location) if choice is not None else None
        self.summarize_button.setEnabled(box is not None)
        self.watch_button.setEnabled(box is not None and box.kind != "outlook")
        text = "" if choice is None or box is None else (f"{choice.name} in {box.title}" if choice.folder else box.title)
        metrics = self.choice_label.fontMetrics()
        self.choice_label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, 190))
        self.choice_label.setToolTip(f"{box.title} › {choice.folder}" if box is not None and choice and choice.folder
                                     else text)

    def shutdown(self) -> None:
        """Stop every listing at once (the window is closing)."""
        for task in list(self.tasks.values()):
            task.kill()
        self.tasks.clear()

"""Add a mailbox: where the mail is kept (a folder, a Thunderbird profile, an Outlook data file, an
IMAP server), picked on the left, its details on the right; what is wrong is one sentence under
them and the dialog stays open."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import DocumentError
from desktop.core.mailstores.mailboxes import Mailbox
from desktop.gui.mailboxes.mailbox_pages import FolderPage, ImapPage, MailboxPage, OutlookPage, ThunderbirdPage

#: The pages by the name ``show_page`` takes, in the order the list shows them.
PAGES = ("folder", "thunderbird", "outlook", "imap")


class AddMailboxDialog(QDialog):
    """``open()`` it; once accepted, ``mailbox`` is what was added and ``password`` the IMAP
    password typed (None when none was)."""

    def __init__(self, parent: QWidget | None = None, *, known: list[Mailbox] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addMailboxDialog")
        self.setWindowTitle("Add a mailbox")
        self.mailbox: Mailbox | None = None
        self.password: str | None = None
        self._known = list(known or [])
        style = self.style()
        sp = QStyle.StandardPixmap
        self.pages: dict[str, MailboxPage] = {"folder": FolderPage(), "thunderbird": ThunderbirdPage(),
                                              "outlook": OutlookPage(), "imap": ImapPage()}
        labels = {"folder": ("Mail folder", sp.SP_DirIcon), "thunderbird": ("Thunderbird", sp.SP_DirHomeIcon),
                  "outlook": ("Outlook data file", sp.SP_FileIcon), "imap": ("IMAP server", sp.SP_DriveNetIcon)}
        self.kinds = QListWidget()
        self.kinds.setObjectName("mailboxKinds")
        self.kinds.setIconSize(QSize(22, 22))
        self.kinds.setSpacing(2)
        self.kinds.setFixedWidth(180)
        self.stack = QStackedWidget()
        for name in PAGES:
            text, icon = labels[name]
            item = QListWidgetItem(style.standardIcon(icon), text)
            item.setSizeHint(QSize(0, 34))
            self.kinds.addItem(item)
            page = self.pages[name]
            page.submitted.connect(self.add)
            self.stack.addWidget(page)
        self.kinds.currentRowChanged.connect(self._on_kind)
        self.message = QLabel("")
        self.message.setObjectName("mailboxMessage")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.add_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.add_button.setText("Add")
        self.add_button.setDefault(True)
        self.add_button.setObjectName("addMailboxButton")
        self.buttons.accepted.connect(self.add)
        self.buttons.rejected.connect(self.reject)

        right = QVBoxLayout()
        right.setSpacing(10)
        right.addWidget(self.stack, 1)
        right.addWidget(self.message)
        right.addWidget(self.buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 12, 14, 12)
        layout.setSpacing(16)
        layout.addWidget(self.kinds)
        layout.addLayout(right, 1)
        self.kinds.setCurrentRow(0)
        self.resize(720, 400)

    def show_page(self, name: str) -> MailboxPage:
        self.kinds.setCurrentRow(PAGES.index(name))
        return self.pages[name]

    @property
    def current(self) -> MailboxPage:
        page = self.stack.currentWidget()
        assert isinstance(page, MailboxPage)
        return page

    def _on_kind(self, row: int) -> None:
        self.stack.setCurrentIndex(max(0, row))
        self.say("")

    def say(self, text: str) -> None:
        """One sentence under the page (what is wrong), or nothing."""
        self.message.setText(text)
        self.message.setStyleSheet("color: palette(bright-text);" if text else "")

    def add(self) -> None:
        try:
            box = self.current.mailbox()
        except DocumentError as err:
            self.say(err.message)
            return
        if any(known.location == box.location for known in self._known):
            self.say(f"{box.title} is already in the list of mailboxes.")
            return
        self.mailbox, self.password = box, self.current.password()
        self.accept()

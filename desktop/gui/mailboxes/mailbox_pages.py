"""The pages of the Add-a-mailbox dialog, one per way mail is kept: a folder (Maildir, saved
messages, Apple Mail), a Thunderbird profile, an Outlook data file, an IMAP server. Each page
turns what was typed or picked into a ``Mailbox`` or one sentence saying what is wrong."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import UnsupportedFormat
from desktop.core.mailstores.imap_account import IMAP_PORT, IMAPS_PORT
from desktop.core.mailstores.mailboxes import Mailbox, imap_mailbox, local_mailbox
from desktop.core.mailstores.thunderbird import find_profiles


class MailboxPage(QWidget):
    """A page: a heading, a sentence about where such mail lives, then its fields."""

    #: the user double-clicked a choice: the dialog adds the mailbox (Enter in a field presses
    #: the dialog's default button by itself)
    submitted = Signal()
    title = ""
    about = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(self.title)
        heading.setObjectName("pageTitle")
        font = QFont(heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        heading.setFont(font)
        about = QLabel(self.about)
        about.setObjectName("hint")
        about.setWordWrap(True)
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 6, 0, 0)
        self.form.setHorizontalSpacing(10)
        self.form.setVerticalSpacing(8)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(heading)
        layout.addWidget(about)
        layout.addLayout(self.form)
        layout.addStretch(1)

    def mailbox(self) -> Mailbox:
        """What the page describes; ``UnsupportedFormat`` with one sentence when it is not a mailbox."""
        raise NotImplementedError

    def password(self) -> str | None:
        return None

    def _path_row(self, edit: QLineEdit, browse: QPushButton) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(6)
        line.addWidget(edit, 1)
        line.addWidget(browse)
        return row


class PathPage(MailboxPage):
    """A page with one path to a store on disk, typed or picked with Browse…"""

    field = ""
    placeholder = ""
    #: what to say when no path is given
    missing = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.placeholder)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.form.addRow(self.field, self._path_row(self.path_edit, browse))

    def _pick(self) -> str:
        """A path from the platform's file dialog ("" when none was chosen)."""
        raise NotImplementedError

    def _browse(self) -> None:
        chosen = self._pick()
        if chosen:
            self.path_edit.setText(chosen)

    def mailbox(self) -> Mailbox:
        text = self.path_edit.text().strip()
        if not text:
            raise UnsupportedFormat(self.missing)
        return local_mailbox(text)


class FolderPage(PathPage):
    title = "A mail folder"
    about = ("A Maildir (a folder with cur/ and new/), a folder of saved .eml messages, or Apple Mail's "
             "folders (~/Library/Mail/V10, or one Name.mbox). Read in place; nothing in it is changed.")
    field, placeholder, missing = "Folder", "~/Maildir", "Choose the folder that holds the mail."

    def _pick(self) -> str:
        return QFileDialog.getExistingDirectory(self, "Choose a mail folder", self.path_edit.text() or str(Path.home()))


class ThunderbirdPage(MailboxPage):
    title = "A Thunderbird profile"
    about = ("Thunderbird's local folders and the offline copies of its IMAP folders. Read-only: no lock is "
             "taken, so Thunderbird may stay open.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profiles = QListWidget()
        self.profiles.setObjectName("profileList")
        self.profiles.setMaximumHeight(110)
        for profile in find_profiles():
            self._add(profile)
        if self.profiles.count():
            self.profiles.setCurrentRow(0)
        self.profiles.itemDoubleClicked.connect(lambda _item: self.submitted.emit())
        other = QPushButton("Other profile folder…")
        other.clicked.connect(self._browse)
        found = QLabel("Found on this computer:" if self.profiles.count() else
                       "No Thunderbird profile was found in the usual places; choose its folder.")
        found.setObjectName("hint")
        found.setWordWrap(True)
        self.form.addRow(found)
        self.form.addRow(self.profiles)
        self.form.addRow(other)

    def _add(self, profile: Path) -> None:
        item = QListWidgetItem(f"{profile.name}    {profile.parent}")
        item.setData(Qt.ItemDataRole.UserRole, str(profile))
        item.setToolTip(str(profile))
        self.profiles.addItem(item)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a Thunderbird profile", str(Path.home()))
        if folder:
            self._add(Path(folder))
            self.profiles.setCurrentRow(self.profiles.count() - 1)

    def mailbox(self) -> Mailbox:
        item = self.profiles.currentItem()
        if item is None:
            raise UnsupportedFormat("Choose a Thunderbird profile.")
        return local_mailbox(item.data(Qt.ItemDataRole.UserRole))


class OutlookPage(PathPage):
    title = "An Outlook data file"
    about = ("A .pst file (Outlook's archive or export) or an offline .ost file, read through libpff without "
             "changing it. Outlook may keep its own file locked while it runs: copy it, or close Outlook.")
    field, placeholder, missing = "Data file", "archive.pst", "Choose the Outlook data file (.pst or .ost)."

    def _pick(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Choose an Outlook data file", str(Path.home()),
                                              "Outlook data files (*.pst *.ost);;All files (*)")
        return path

    def mailbox(self) -> Mailbox:
        box = super().mailbox()
        if box.kind != "outlook":
            raise UnsupportedFormat(f"{Path(box.location).name} is not an Outlook data file (it does not start as one).")
        return box


class ImapPage(MailboxPage):
    title = "An IMAP server"
    about = ("Mail on a server, read-only: nothing is marked read or moved. The connection is always "
             "encrypted; a server that offers no TLS is refused.")
    _SECURITY = (("IMAPS: encrypted from the start", False), ("STARTTLS: encrypted before the login", True))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server_edit = QLineEdit()
        self.server_edit.setObjectName("imapServer")
        self.server_edit.setPlaceholderText("imap.example.com")
        self.security = QComboBox()
        self.security.setObjectName("imapSecurity")
        for label, starttls in self._SECURITY:
            self.security.addItem(label, starttls)
        self.port_spin = QSpinBox()
        self.port_spin.setObjectName("imapPort")
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(IMAPS_PORT)
        self.security.currentIndexChanged.connect(self._on_security)
        self.user_edit = QLineEdit()
        self.user_edit.setObjectName("imapUser")
        self.user_edit.setPlaceholderText("you@example.com")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("imapPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.cafile_edit = QLineEdit()
        self.cafile_edit.setObjectName("imapCafile")
        self.cafile_edit.setPlaceholderText("Optional: a server's own certificate")
        self.cafile_edit.setToolTip("A PEM file of the certificate authority to trust, for a server whose certificate "
                                    "is of its own making (self-signed); other servers need none")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        port_row = QWidget()
        line = QHBoxLayout(port_row)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(6)
        line.addWidget(self.security, 1)
        line.addWidget(QLabel("Port"))
        line.addWidget(self.port_spin)
        kept = QLabel("The password is kept in the system keyring when this computer has one, otherwise only until "
                      "Precis closes; it is never written to a file.")
        kept.setObjectName("hint")
        kept.setWordWrap(True)
        self.form.addRow("Server", self.server_edit)
        self.form.addRow("Security", port_row)
        self.form.addRow("User", self.user_edit)
        self.form.addRow("Password", self.password_edit)
        self.form.addRow("", kept)
        self.form.addRow("Certificate authority", self._path_row(self.cafile_edit, browse))

    def _on_security(self, _index: int) -> None:
        starttls = bool(self.security.currentData())
        if self.port_spin.value() in (IMAP_PORT, IMAPS_PORT):  # a port typed by hand stays
            self.port_spin.setValue(IMAP_PORT if starttls else IMAPS_PORT)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the server's certificate authority", str(Path.home()),
                                              "Certificates (*.pem *.crt *.cer);;All files (*)")
        if path:
            self.cafile_edit.setText(path)

    def mailbox(self) -> Mailbox:
        return imap_mailbox(self.server_edit.text(), self.user_edit.text(), port=self.port_spin.value(),
                            starttls=bool(self.security.currentData()), cafile=self.cafile_edit.text().strip() or None)

    def password(self) -> str | None:
        return self.password_edit.text() or None

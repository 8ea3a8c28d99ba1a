"""The one way the window asks for a password: a small dialog opened without blocking the event
loop, its text hidden as it is typed (a protected file, an IMAP account, a watched mailbox)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget


def password_dialog(parent: QWidget | None, *, name: str, title: str, text: str, ok: str) -> QInputDialog:
    """A password dialog, not yet open: connect ``textValueSelected`` (and ``rejected``), then ``open()``."""
    dialog = QInputDialog(parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setLabelText(text)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setOkButtonText(ok)
    return dialog

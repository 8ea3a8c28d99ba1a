"""One message bridge for everything the user must read: any module calls ``error()``,
``warning()`` or ``info()`` (from any thread); the window shows it in one place.

The core raises typed errors carrying one sentence; the GUI passes that sentence here instead
of building its own dialogs, so every message looks and behaves the same.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger(__name__)

LEVELS = ("info", "warning", "error")


class MessageBridge(QObject):
    """Carries messages to whoever shows them; lives in the GUI thread, so emitting from a
    worker thread is queued safely."""

    #: level ("info", "warning", "error"), text, details (may be empty)
    shown = Signal(str, str, str)


_bridge: MessageBridge | None = None


def bridge() -> MessageBridge:
    global _bridge
    if _bridge is None:
        _bridge = MessageBridge()
        app = QApplication.instance()
        if app is not None:
            _bridge.moveToThread(app.thread())
    return _bridge


def _send(level: str, text: str, details: str) -> None:
    getattr(log, "info" if level == "info" else level)("%s%s", text, f"\n{details}" if details else "")
    bridge().shown.emit(level, text, details)


def error(text: str, details: str = "") -> None:
    _send("error", text, details)


def warning(text: str, details: str = "") -> None:
    _send("warning", text, details)


def info(text: str, details: str = "") -> None:
    _send("info", text, details)


_ICONS = {"info": QMessageBox.Icon.Information, "warning": QMessageBox.Icon.Warning, "error": QMessageBox.Icon.Critical}
_TITLES = {"info": "Precis", "warning": "Precis", "error": "Precis: something went wrong"}


def show_box(parent: QWidget | None, level: str, text: str, details: str = "") -> QMessageBox:
    """Show a message without blocking the event loop (``show()``, never ``exec()``), so jobs keep
    streaming while it is up. The same text already on screen is not shown twice."""
    if parent is not None:
        for box in parent.findChildren(QMessageBox, "precis-message"):
            if box.isVisible() and box.text() == text:
                return box
    box = QMessageBox(_ICONS.get(level, QMessageBox.Icon.Information), _TITLES.get(level, "Precis"), text,
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("precis-message")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if details:
        box.setDetailedText(details)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.show()
    return box

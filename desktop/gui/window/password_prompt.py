"""Asks for the passwords of protected files, one small dialog at a time, without blocking the
event loop; ``finished(passwords)`` when all are answered, ``cancelled()`` if the user gives up."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QWidget

from desktop.gui.common.password_dialog import password_dialog


class PasswordPrompt(QObject):
    finished = Signal(dict)
    cancelled = Signal()

    def __init__(self, files: list[tuple[str, str]], parent: QWidget) -> None:
        """``files``: (path, the reader's sentence about it) for each protected file."""
        super().__init__(parent)
        self._parent = parent
        self._files = list(files)
        self._answers: dict[str, str] = {}
        self.dialog: QInputDialog | None = None

    def start(self) -> None:
        self._ask_next()

    def _ask_next(self) -> None:
        if not self._files:
            self.finished.emit(dict(self._answers))
            self.deleteLater()
            return
        path, sentence = self._files[0]
        dialog = password_dialog(self._parent, name="passwordDialog", title=f"Password for {Path(path).name}",
                                 text=f"{sentence}\n\nEnter the password to summarize {Path(path).name}:", ok="Summarize")
        dialog.textValueSelected.connect(lambda text, p=path: self._answered(p, text))
        dialog.rejected.connect(self._given_up)
        self.dialog = dialog
        dialog.open()

    def _answered(self, path: str, text: str) -> None:
        self._files.pop(0)
        if text:
            self._answers[path] = text
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
        self._ask_next()

    def _given_up(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
        self._files.clear()
        if self._answers:
            self.finished.emit(dict(self._answers))
        else:
            self.cancelled.emit()
        self.deleteLater()

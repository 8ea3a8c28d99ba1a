"""A one-line label that ends in "…" when its text does not fit, instead of cutting a letter in half.

Queue rows and the digest's status line sit in narrow, resizable panes: a long file name or stage
must not push the row's buttons away, and must not be clipped mid-glyph either. The whole text
stays available as ``text()`` and, unless the owner sets its own tooltip, as the tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None, *, tip_when_elided: bool = True) -> None:
        super().__init__(parent)
        self._full = ""
        self._tip = tip_when_elided
        self.setTextFormat(Qt.TextFormat.PlainText)
        # Ignored: the layout may make it narrower than its text; we elide to whatever it gets.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        if text == self._full and super().text():
            return
        self._full = text
        self._elide()

    def text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(self.width(), 1))
        super().setText(shown)
        if self._tip:
            self.setToolTip(self._full if shown != self._full else "")

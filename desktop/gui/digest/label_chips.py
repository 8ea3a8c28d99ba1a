"""The chips in the digest view's header: the labels the engine gave the digest (document type,
urgency, "asks you") and the check's count ("✓ 17 checked", "⚠ 2 of 17 flagged")."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from desktop.core.support import SupportCounts
from desktop.gui.digest.digest_text import chip_texts, support_chip

_TIPS = {"type": "Document type", "urgency": "Urgency", "asks_reader": "It asks something of you"}


class LabelChips(QWidget):
    """A row of small labels, styled by the ``chip`` object name and their ``label_kind``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)

    def set_labels(self, labels: dict[str, str], support: SupportCounts | None = None) -> None:
        while self.row.count():
            item = self.row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # out of the layout it would float at its last place until deleted
                widget.setParent(None)
                widget.deleteLater()
        for key, text in chip_texts(labels):
            self._add(text, key, _TIPS.get(key, key))
        if text := support_chip(support):
            assert support is not None
            self._add(text, "flagged" if support.flagged else "checked", support.header())

    def _add(self, text: str, kind: str, tip: str) -> None:
        chip = QLabel(text)
        chip.setObjectName("chip")
        chip.setProperty("label_kind", kind)
        chip.setToolTip(tip)
        self.row.addWidget(chip)

    def texts(self) -> list[str]:
        out = []
        for i in range(self.row.count()):
            item = self.row.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                out.append(widget.text())
        return out

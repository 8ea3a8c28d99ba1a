"""The settings dialog's choices and hints: a wrapped line under a choice that says what it does."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QWidget


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


def add_choices(combo: QComboBox, choices: Sequence[tuple[str, str, str]], current: str) -> None:
    """(value, text, tooltip) items, with ``current`` selected (else the first)."""
    for value, text, tip in choices:
        combo.addItem(text, value)
        combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(max(0, combo.findData(current)))


def choices_with_hint(choices: Sequence[tuple[str, str, str]], current: str) -> tuple[QComboBox, QLabel]:
    """A combo box of (value, text, line) choices and the hint under it, which says the chosen one's line."""
    combo = QComboBox()
    line = hint("")
    combo.currentIndexChanged.connect(lambda i: line.setText(choices[max(0, i)][2]))
    add_choices(combo, choices, current)
    line.setText(choices[max(0, combo.currentIndex())][2])
    return combo, line


def fit_hints(page: QWidget) -> None:
    """Each wrapped hint on ``page`` exactly as tall as its lines at the width it has: a form on a
    tab page is sized from a wrapped label's size hint, which is for another width (a hint then
    gets a line too few, or a blank line more)."""
    for label in page.findChildren(QLabel, "hint"):
        if label.wordWrap() and label.width() > 1:
            label.setFixedHeight(label.heightForWidth(label.width()))

"""The settings dialog's hint: a wrapped line under a choice that says what it does."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label

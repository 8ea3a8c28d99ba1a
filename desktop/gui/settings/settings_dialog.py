"""Settings: model store folder, threads, device, default length, default template, theme, OCR,
what a digest does with a flagged point, who "me" is in a roll-up on its General page; on its
Recordings page which Whisper model, speech not in English, the longest recording
(``recordings_group``); saved to the app's settings
file (the same one precis-cli reads). Watched folders are kept in the window's Watched list."""

from __future__ import annotations

import dataclasses
import os

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import paths
from desktop.core.ingest.ocr.options import OcrOptions
from desktop.core.ingest.ocr.tesseract import installed_languages
from desktop.core.prompting.templates import list_templates
from desktop.core.settings import LENGTHS, THEMES, Settings
from desktop.gui.settings.file_manager_toggle import FileManagerToggle
from desktop.gui.settings.hint import choices_with_hint, fit_hints, hint
from desktop.gui.settings.recordings_group import RecordingsGroup
from desktop.gui.settings.save import save_or_say

DEVICES = (("auto", "Automatic (GPU if available)"), ("cpu", "CPU"), ("cuda", "GPU (CUDA)"))
OCR_CHOICES = (("auto", "Pages without a text layer"), ("always", "Every page"), ("never", "Never"))
#: The setting ``unsupported`` (``core/support.UNSUPPORTED``): its choices and one line on each.
UNSUPPORTED_CHOICES = (
    ("flag", "Keep them, marked ⚠", "A point its source does not support stays in the digest, marked ⚠ with the reason."),
    ("drop", "Leave them out", "A point its source does not support is left out; the digest's header says how many."),
    ("retry", "Write them again once",
     "With a model, a flagged point is written once more from its passage and kept if it passes; else it stays flagged."),
)


class SettingsDialog(QDialog):
    """Edits a copy of ``Settings``; on OK saves it (one message if the disk refuses) and emits
    ``settings_saved``, so the window applies it either way."""

    settings_saved = Signal(object)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Precis Settings")
        self._settings = settings

        self.store_field = QLineEdit(settings.model_store or "")
        self.store_field.setPlaceholderText(str(paths.default_model_store()))
        self.store_field.setMinimumWidth(320)
        browse = QToolButton()
        browse.setText("Browse…")
        browse.clicked.connect(self._browse)
        store_row = QHBoxLayout()
        store_row.setContentsMargins(0, 0, 0, 0)
        store_row.addWidget(self.store_field, 1)
        store_row.addWidget(browse)

        self.threads = QSpinBox()
        self.threads.setRange(0, max(64, os.cpu_count() or 1))
        self.threads.setSpecialValueText("Automatic (all cores)")
        self.threads.setValue(settings.threads)

        self.device = QComboBox()
        for value, text in DEVICES:
            self.device.addItem(text, value)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))

        self.length = QComboBox()
        for value in LENGTHS:
            self.length.addItem(value.capitalize(), value)
        self.length.setCurrentIndex(max(0, self.length.findData(settings.length)))

        self.template = QComboBox()
        self.template.setObjectName("defaultTemplate")
        self.template.addItem("Standard digest", "")
        for t in list_templates():
            if t.kind == "digest" and not (t.name == "standard" and t.builtin):
                self.template.addItem(t.title + ("" if t.builtin else " (yours)"), t.name)
        if settings.template and self.template.findData(settings.template) < 0:
            self.template.addItem(settings.template, settings.template)  # a file, or one with a mistake: kept as it is
        self.template.setCurrentIndex(max(0, self.template.findData(settings.template)))
        self.me = QLineEdit("; ".join(settings.me))
        self.me.setObjectName("meField")
        self.me.setPlaceholderText("Maria Lopez <maria@example.org>; M. Lopez")

        self.theme = QComboBox()
        for value in THEMES:
            self.theme.addItem({"system": "Follow the system"}.get(value, value.capitalize()), value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))

        self.ocr = QComboBox()
        for value, text in OCR_CHOICES:
            self.ocr.addItem(text, value)
        self.ocr.setCurrentIndex(max(0, self.ocr.findData(settings.ocr)))
        self.ocr_lang = QLineEdit(settings.ocr_lang)
        self.ocr_lang.setPlaceholderText("eng")

        self.unsupported, self.unsupported_hint = choices_with_hint(UNSUPPORTED_CHOICES, settings.unsupported)

        form = QFormLayout()
        form.setSpacing(10)
        form.addRow("Model store folder:", store_row)
        form.addRow("", hint("Where downloaded and imported models live. Leave empty for the default."))
        form.addRow("Threads:", self.threads)
        form.addRow("Device:", self.device)
        form.addRow("Default length:", self.length)
        form.addRow("Default template:", self.template)
        form.addRow("Me:", self.me)
        form.addRow("", hint("Your names and mail addresses, separated by ;. In a roll-up, what these people take on "
                              "is What I owe, and what they ask of others is What I'm owed."))
        form.addRow("Theme:", self.theme)
        form.addRow("Recognize text (OCR):", self.ocr)
        form.addRow("OCR languages:", self.ocr_lang)
        installed = ", ".join(installed_languages()) or "none"
        form.addRow("", hint(f"Tesseract languages joined with +, for example eng+fra. Installed: {installed}."))
        form.addRow("Flagged points:", self.unsupported)
        form.addRow("", self.unsupported_hint)
        self.file_manager = FileManagerToggle()
        form.addRow("File manager:", self.file_manager)
        self.recordings = RecordingsGroup(settings)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(14)
        # Two pages, so the dialog fits a laptop's screen: everything else, and recordings.
        general = QWidget()
        form.setContentsMargins(12, 12, 12, 12)
        general.setLayout(form)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.recordings, RecordingsGroup.TITLE)
        self.tabs.currentChanged.connect(lambda _i: QTimer.singleShot(0, self, self._fit_hints))
        layout.addWidget(self.tabs)
        layout.addWidget(self.buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self._fit_hints)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._fit_hints)

    def _fit_hints(self) -> None:
        fit_hints(self.tabs.currentWidget())

    def values(self) -> Settings:
        store = self.store_field.text().strip() or None
        return dataclasses.replace(
            self._settings,
            model_store=store,
            threads=self.threads.value(),
            device=self.device.currentData(),
            length=self.length.currentData(),
            template=self.template.currentData() or "",
            me=[part.strip() for part in self.me.text().split(";") if part.strip()],
            theme=self.theme.currentData(),
            ocr=self.ocr.currentData(),
            ocr_lang=_ocr_lang(self.ocr_lang.text(), self._settings.ocr_lang),
            unsupported=self.unsupported.currentData(),
            **self.recordings.values(),
        )

    def accept(self) -> None:
        settings = self.values()
        save_or_say(settings)
        self._settings = settings
        self.settings_saved.emit(settings)
        self.file_manager.apply()
        super().accept()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model store folder", self.store_field.text() or str(paths.data_dir()))
        if folder:
            self.store_field.setText(folder)


def _ocr_lang(text: str, fallback: str) -> str:
    """The languages typed, if well formed (eng, eng+fra), else the previous value."""
    value = "+".join(part.strip() for part in text.strip().split("+") if part.strip())
    try:
        return OcrOptions(lang=value).lang
    except ValueError:
        return fallback

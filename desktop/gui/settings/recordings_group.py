"""The settings dialog's Recordings group: which Whisper model transcribes recordings, what happens
to speech that is not in English (one line on each choice), and the longest recording read."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QWidget

from desktop.core.errors import EngineError
from desktop.core.settings import Settings
from desktop.gui.settings.hint import add_choices, choices_with_hint, hint

log = logging.getLogger(__name__)

#: The setting ``recording_language`` (``core/ingest/audio/options.LANGUAGE_MODES``): its choices and one line on each.
LANGUAGE_CHOICES = (
    ("translate", "Translate into English",
     ("Speech in another language is translated into English by Whisper and summarized; the digest says its "
      "transcript is a translation, so quotes are not the words said.")),
    ("transcribe", "Keep the spoken language",
     ("The transcript stays in the language spoken; the summarizer reads English, so other languages are quoted "
      "or left out with a note.")),
)
MAX_HOURS = 1000.0


def transcriber_choices(settings: Settings) -> list[tuple[str, str, str]]:
    """(name, text, tooltip) for each Whisper model: installed ones first, then the catalog's others
    (downloaded when first needed from the model manager), then the setting itself if it is neither
    (a model folder)."""
    from desktop.ml.models.catalog import Catalog, CatalogError
    from desktop.ml.models.manifest import human_bytes
    from desktop.ml.models.store import ModelStore

    try:
        catalog: Catalog | None = Catalog.load()
    except CatalogError as exc:
        log.error("catalog unreadable: %s", exc.message)
        catalog = None
    installed: list[str] = []
    try:
        installed = [m.name for m in ModelStore(settings.store_path(), catalog).installed() if m.kind == "transcriber"]
    except (EngineError, OSError) as exc:
        log.warning("model store unreadable: %s", exc)
    default = catalog.default_transcriber if catalog is not None else None
    entries = {e.name: e for e in catalog.of_kind("transcriber")} if catalog is not None else {}
    out: list[tuple[str, str, str]] = []
    for name in installed:
        entry = entries.get(name)
        out.append((name, f"{name} (installed)", entry.description if entry is not None else "an imported Whisper model"))
    for name, entry in entries.items():
        if name not in installed:
            out.append((name, f"{name} (not downloaded, {human_bytes(entry.download_bytes)})",
                        f"{entry.description} Download it in Models… before a recording is read."))
    out = [(n, t + (" · default" if n == default else ""), tip) for n, t, tip in out]
    if settings.recording_model and settings.recording_model not in {n for n, _t, _tip in out}:
        out.append((settings.recording_model, settings.recording_model, "a model folder, or a model not installed"))
    return out


class RecordingsGroup(QWidget):
    """The dialog's Recordings page; ``values()``: the recording settings as chosen
    (``recording_model``, ``recording_language``, ``max_recording_hours``)."""

    TITLE = "Recordings"

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordingsGroup")
        self.model = QComboBox()
        self.model.setObjectName("recordingModel")
        add_choices(self.model, transcriber_choices(settings), settings.recording_model)
        self.language, self.language_hint = choices_with_hint(LANGUAGE_CHOICES, settings.recording_language)
        self.language.setObjectName("recordingLanguage")

        self.hours = QDoubleSpinBox()
        self.hours.setObjectName("maxRecordingHours")
        self.hours.setRange(0.1, MAX_HOURS)
        self.hours.setDecimals(1)
        self.hours.setSingleStep(0.5)
        self.hours.setSuffix(" h")
        self.hours.setValue(settings.max_recording_hours)

        form = QFormLayout(self)
        form.setContentsMargins(12, 12, 12, 12)
        form.setSpacing(10)
        form.addRow("Transcriber:", self.model)
        form.addRow("", hint("The Whisper model that turns a recording's speech into a transcript. Bigger models "
                              "make fewer mistakes and take longer; download them in Models…"))
        form.addRow("Speech not in English:", self.language)
        form.addRow("", self.language_hint)
        form.addRow("Longest recording:", self.hours)
        form.addRow("", hint("A longer recording is refused with one sentence; the other files of the job go on."))

    def values(self) -> dict[str, Any]:
        return {"recording_model": self.model.currentData() or self.model.currentText(),
                "recording_language": self.language.currentData(),
                "max_recording_hours": round(self.hours.value(), 1)}

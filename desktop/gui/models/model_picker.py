"""The toolbar's model picker: installed models, models found in the Hugging Face cache (used where
they are), fine-tuned adapters, and the extractive engine."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from desktop.core.errors import EngineError
from desktop.core.settings import Settings

log = logging.getLogger(__name__)

EXTRACTIVE = "extractive"
#: item data role holding what an entry is: "model", "found", "adapter", "extractive" or "missing"
KIND = Qt.ItemDataRole.UserRole + 7


class ModelPicker(QComboBox):
    """``model_chosen(name)`` when the user picks another; ``spec_overrides()`` for a job."""

    model_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelPicker")
        self.setToolTip("Which model writes the digest")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMinimumContentsLength(14)
        #: models a job can use now: installed in the store or found in the Hugging Face cache
        self.installed_count = 0
        self.currentIndexChanged.connect(lambda _i: self.model_chosen.emit(self.current_name()))

    def refresh(self, settings: Settings) -> None:
        """List what is installed now; keep the settings' choice selected (marked if missing)."""
        from desktop.ml.models.store import ModelStore

        self.blockSignals(True)
        self.clear()
        models: list[str] = []
        found: list[str] = []
        adapters: list[str] = []
        try:
            store = ModelStore(settings.store_path())
            # Whisper models transcribe recordings (chosen in Settings); they cannot write a digest.
            models = [m.name for m in store.installed() if m.kind != "transcriber"]
            # Jobs resolve these names to the Hugging Face cache, as they resolve installed ones to the store.
            found = [f.name for f in store.found_models() if f.name not in models]
            adapters = [a.name for a in store.list_adapters()]
        except (EngineError, OSError) as exc:
            log.warning("model store unreadable: %s", exc)
        self.installed_count = len(models) + len(found)
        for name in models:
            self._add(name, name, "model")
        for name in found:
            self._add(name, name, "found")
            self.setItemData(self.count() - 1, "Found on this computer, in the Hugging Face cache: used where it is",
                             Qt.ItemDataRole.ToolTipRole)
        for name in adapters:
            self._add(f"{name} (fine-tuned)", name, "adapter")
        self._add("Extractive (no model)", EXTRACTIVE, EXTRACTIVE)
        wanted = settings.model
        index = self.findData(wanted)
        if index < 0 and models:
            index = 0  # the chosen model was removed: the first installed one
        elif index < 0 and wanted and wanted != EXTRACTIVE:
            # Nothing installed yet: keep the choice visible; jobs fall back to the extractive engine.
            self.insertItem(0, f"{wanted} (not installed)", wanted)
            self.setItemData(0, "missing", KIND)
            self.setItemData(0, "Not installed yet: the extractive engine runs until you get it in Models…",
                             Qt.ItemDataRole.ToolTipRole)
            index = 0
        self.setCurrentIndex(max(0, index))
        self.blockSignals(False)

    def _add(self, text: str, name: str, kind: str) -> None:
        self.addItem(text, name)
        self.setItemData(self.count() - 1, kind, KIND)

    def current_name(self) -> str:
        return str(self.currentData() or EXTRACTIVE)

    def current_kind(self) -> str:
        return str(self.itemData(self.currentIndex(), KIND) or EXTRACTIVE)

    def select(self, name: str) -> bool:
        index = self.findData(name)
        if index >= 0:
            self.setCurrentIndex(index)
        return index >= 0

    def names(self) -> list[str]:
        return [str(self.itemData(i)) for i in range(self.count())]

    def spec_overrides(self) -> dict[str, Any]:
        name = self.current_name()
        if name == EXTRACTIVE:
            return {"model": EXTRACTIVE, "engine": EXTRACTIVE}
        return {"model": name, "engine": "auto"}

"""What a run starts from and how it brings the pairs in: a new adapter or "Continue training" a
kept one (its next version), and the schedule (fixed or progressive). Part of step 2."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QWidget

from desktop.core.errors import PrecisError
from desktop.ml.models.adapters import AdapterInfo
from desktop.ml.models.store import ModelStore

log = logging.getLogger(__name__)

SCHEDULE_LABELS = {
    "fixed": "Fixed: every batch mixes your pairs and replay alike",
    "progressive": "Progressive: start close to what the model does, bring your pairs in gradually",
}


class RunPlanRow(QWidget):
    """``continue_from`` (an adapter name or None), ``schedule``, ``keep_pairs``; ``changed``."""

    changed = Signal()

    def __init__(self, store: ModelStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.adapters: dict[str, AdapterInfo] = {}
        self.start_combo = QComboBox()
        self.start_combo.setObjectName("continueFrom")
        self.start_combo.setToolTip("Continue training: start from a kept adapter's weights, replay a sample of the "
                                    "pairs it learned beside your new pairs, and keep the result as its next version")
        self.start_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.schedule_combo = QComboBox()
        self.schedule_combo.setObjectName("schedule")
        for key, label in SCHEDULE_LABELS.items():
            self.schedule_combo.addItem(label, key)
        self.schedule_combo.setToolTip("Progressive: the share of your new pairs in each batch rises from a low start "
                                       "over the first part of the run (the README has the measured comparison)")
        self.schedule_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.copies_box = QCheckBox("Keep a copy of the pairs with the adapter")
        self.copies_box.setObjectName("keepPairs")
        self.copies_box.setChecked(True)
        self.copies_box.setToolTip("So Continue training can replay them later. Off: only a fingerprint of each pair "
                                   "is kept, and the pairs are found again in their files")
        self.copies_box.toggled.connect(lambda _on: self.changed.emit())
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Start from", self.start_combo)
        form.addRow("Schedule", self.schedule_combo)
        form.addRow("", self.copies_box)
        self.refresh()

    def refresh(self) -> None:
        """List the kept adapters again; keeps the choice while it is still there."""
        current = self.continue_from
        self.start_combo.blockSignals(True)
        self.start_combo.clear()
        self.start_combo.addItem("A new adapter", "")
        try:
            adapters = self.store.list_adapters()
        except (PrecisError, OSError) as exc:
            log.warning("adapters unreadable: %s", exc)
            adapters = []
        self.adapters = {a.name: a for a in adapters}
        for a in adapters:
            self.start_combo.addItem(f"Continue training {a.name} (version {a.version}, on {a.base_model})", a.name)
        index = self.start_combo.findData(current) if current else 0
        self.start_combo.setCurrentIndex(max(0, index))
        self.start_combo.blockSignals(False)

    def set_continue(self, name: str | None) -> bool:
        index = self.start_combo.findData(name or "")
        if index >= 0:
            self.start_combo.setCurrentIndex(index)
        return index >= 0

    def set_schedule(self, schedule: str) -> None:
        self.schedule_combo.setCurrentIndex(max(0, self.schedule_combo.findData(schedule)))

    @property
    def continue_from(self) -> str | None:
        return str(self.start_combo.currentData() or "") or None if self.start_combo.count() else None

    @property
    def continued(self) -> AdapterInfo | None:
        name = self.continue_from
        return self.adapters.get(name) if name else None

    @property
    def schedule(self) -> str:
        return str(self.schedule_combo.currentData() or "fixed")

    @property
    def keep_pairs(self) -> bool:
        return self.copies_box.isChecked()

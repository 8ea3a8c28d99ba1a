"""Step 2 of the fine-tune panel: a new adapter or the next version of a kept one, the schedule,
the base model, the method (LoRA or full), the adapter's name, the replay share against
forgetting, and the advanced settings behind a disclosure."""

from __future__ import annotations

import json
import logging
import struct
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from desktop.core.errors import PrecisError
from desktop.gui.finetune.disclosure import Disclosure
from desktop.gui.finetune.run_plan_row import RunPlanRow
from desktop.ml.finetune import PRESETS, FinetuneSettings, preset
from desktop.ml.finetune.model import FULL_MAX_PARAMS
from desktop.ml.finetune.run_folder import RunFolder
from desktop.ml.finetune.settings import DEFAULT_LR
from desktop.ml.models.store import ModelStore, check_name

log = logging.getLogger(__name__)

PRESET_LABELS = {
    "quick": "Quick: one pass over the pairs",
    "standard": "Standard: three passes (recommended)",
    "thorough": "Thorough: five passes, a larger adapter",
    "tiny": "Tiny: for tests with a tiny model",
}


def parameter_count(model_dir: Path) -> int:
    """Weights in a model folder, read from the safetensors headers alone (no weights loaded)."""
    total = 0
    for path in Path(model_dir).glob("*.safetensors"):
        try:
            with open(path, "rb") as fh:
                (size,) = struct.unpack("<Q", fh.read(8))
                header = json.loads(fh.read(size))
        except (OSError, ValueError, struct.error):
            continue
        for name, info in header.items():
            if name != "__metadata__" and isinstance(info, dict):
                n = 1
                for dim in info.get("shape", []):
                    n *= int(dim)
                total += n
    return total


class FinetuneSettingsForm(QGroupBox):
    """``settings()`` -> FinetuneSettings; ``changed`` whenever anything in it changes."""

    changed = Signal()
    #: the base model picked (name, "" when none is installed)
    base_changed = Signal(str)

    def __init__(self, store: ModelStore, parent: QWidget | None = None, *, preset_name: str = "standard") -> None:
        super().__init__("2 · Model and method", parent)
        self.setObjectName("finetuneSettings")
        self.store = store
        self._params: dict[str, int] = {}

        self.base_combo = QComboBox()
        self.base_combo.setObjectName("baseModel")
        self.base_combo.setToolTip("The installed model to adapt; it is never modified")
        self.base_combo.currentIndexChanged.connect(self._on_base)

        self.lora_radio = QRadioButton("LoRA adapter")
        self.lora_radio.setToolTip("Trains a small adapter (megabytes) on top of the base model, which stays as it is")
        self.full_radio = QRadioButton("Full fine-tune")
        self.method_group = QButtonGroup(self)
        self.method_group.addButton(self.lora_radio)
        self.method_group.addButton(self.full_radio)
        self.lora_radio.setChecked(True)
        self.lora_radio.toggled.connect(self._on_method)
        methods = QHBoxLayout()
        methods.addWidget(self.lora_radio)
        methods.addWidget(self.full_radio)
        methods.addStretch(1)

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("adapterName")
        self.name_edit.setPlaceholderText("a name for the model picker")
        self.name_edit.textChanged.connect(lambda _t: self._on_name())
        self.name_status = QLabel()
        self.name_status.setObjectName("nameStatus")
        self.name_status.setWordWrap(True)
        self.name_status.hide()

        self.replay_slider = QSlider(Qt.Orientation.Horizontal)
        self.replay_slider.setRange(0, 90)
        self.replay_slider.setPageStep(10)
        self.replay_spin = QSpinBox()
        self.replay_spin.setObjectName("replayShare")
        self.replay_spin.setRange(0, 90)
        self.replay_spin.setSuffix(" %")
        tip = ("Share of the training mix that is replay: the base model's own answers to other instructions "
               "(key points, titles, action items) on your documents, so it keeps those skills")
        for w in (self.replay_slider, self.replay_spin):
            w.setToolTip(tip)
        self.replay_slider.valueChanged.connect(self.replay_spin.setValue)
        self.replay_spin.valueChanged.connect(self.replay_slider.setValue)
        self.replay_spin.valueChanged.connect(lambda _v: self.changed.emit())
        replay = QHBoxLayout()
        replay.addWidget(self.replay_slider, 1)
        replay.addWidget(self.replay_spin)

        self.advanced = self._build_advanced()
        self.disclosure = Disclosure("Advanced settings", self.advanced)
        self.plan = RunPlanRow(store)
        self.plan.changed.connect(self._on_plan)

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.plan)
        form.addRow("Base model", self.base_combo)
        form.addRow("Method", methods)
        form.addRow("Adapter name", self.name_edit)
        form.addRow("", self.name_status)
        form.addRow("Replay share", replay)
        form.addRow(self.disclosure)
        self.preset_name = ""
        self.set_preset(preset_name)
        self.refresh_models()

    def _build_advanced(self) -> QWidget:
        box = QWidget()
        box.setObjectName("advancedSettings")
        self.preset_combo = QComboBox()
        for name in PRESETS:
            self.preset_combo.addItem(PRESET_LABELS.get(name, name), name)
        self.preset_combo.activated.connect(lambda i: self.set_preset(str(self.preset_combo.itemData(i))))
        self.rank_spin = QSpinBox()
        self.rank_spin.setRange(1, 256)
        self.rank_spin.setToolTip("LoRA rank: the adapter's capacity; higher learns more and takes more memory")
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(5)
        self.lr_spin.setRange(0.00001, 0.5)
        self.lr_spin.setSingleStep(0.0001)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 100)
        self.epochs_spin.setToolTip("Passes over the training pairs")
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(0, 1_000_000)
        self.steps_spin.setSpecialValueText("from epochs")
        self.steps_spin.setToolTip("Train exactly this many steps, whatever the epochs say (0: from epochs)")
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 256)
        self.source_spin = QSpinBox()
        self.source_spin.setRange(32, 4096)
        self.source_spin.setSuffix(" tokens")
        self.source_spin.setToolTip("Longer documents are cut to their first part for training")
        self.target_spin = QSpinBox()
        self.target_spin.setRange(8, 1024)
        self.target_spin.setSuffix(" tokens")
        for w in (self.rank_spin, self.epochs_spin, self.steps_spin, self.batch_spin, self.source_spin, self.target_spin):
            w.valueChanged.connect(lambda _v: self.changed.emit())
        self.lr_spin.valueChanged.connect(lambda _v: self.changed.emit())
        form = QFormLayout(box)
        form.setContentsMargins(18, 4, 0, 4)
        form.addRow("Preset", self.preset_combo)
        form.addRow("LoRA rank", self.rank_spin)
        form.addRow("Learning rate", self.lr_spin)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Steps", self.steps_spin)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Max document length", self.source_spin)
        form.addRow("Max summary length", self.target_spin)
        return box

    # ----- values ----------------------------------------------------------------------------
    def set_preset(self, name: str) -> None:
        """Fill the advanced settings from a preset (``tiny``, ``quick``, ``standard``, ``thorough``)."""
        s = preset(name)
        self.preset_name = name
        self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(name)))
        self.rank_spin.setValue(s.lora_r)
        self.lr_spin.setValue(s.lr if s.lr is not None else DEFAULT_LR[self.method])
        self.epochs_spin.setValue(s.epochs)
        self.steps_spin.setValue(s.steps)
        self.batch_spin.setValue(s.batch_size)
        self.source_spin.setValue(s.max_source_len)
        self.target_spin.setValue(s.max_target_len)
        self.replay_spin.setValue(round(s.replay * 100))
        self.changed.emit()

    @property
    def method(self) -> str:
        return "full" if self.full_radio.isChecked() else "lora"

    @property
    def base_model(self) -> str:
        return str(self.base_combo.currentData() or "")

    @property
    def name(self) -> str:
        return self.name_edit.text().strip()

    @property
    def replay(self) -> float:
        return self.replay_spin.value() / 100

    def settings(self) -> FinetuneSettings:
        rank = self.rank_spin.value()
        return preset(self.preset_name).with_overrides(
            method=self.method, epochs=self.epochs_spin.value(), steps=self.steps_spin.value(), lr=self.lr_spin.value(),
            batch_size=self.batch_spin.value(), max_source_len=self.source_spin.value(),
            max_target_len=self.target_spin.value(), lora_r=rank, lora_alpha=2 * rank, replay=self.replay,
            schedule=self.plan.schedule, keep_pairs=self.plan.keep_pairs,
        )

    def _on_plan(self) -> None:
        """Continuing a kept adapter fixes its base, the method (LoRA) and the name (its next version)."""
        continued = self.plan.continued
        if continued is not None:
            self.select_base(continued.base_model)
            self.lora_radio.setChecked(True)
            self.name_edit.setText(continued.name)
        elif self.name and self.name in self.plan.adapters:
            self.name_edit.setText(self.suggest_name(self.base_model) if self.base_model else "")
        for w in (self.base_combo, self.full_radio, self.name_edit):
            w.setEnabled(continued is None and (w is not self.full_radio or bool(self.base_model)))
        self._on_name()

    # ----- models ----------------------------------------------------------------------------
    def refresh_models(self) -> None:
        """The installed models (adapters are not bases); keeps the choice when it is still there."""
        current = self.base_model
        self.plan.refresh()
        self.base_combo.blockSignals(True)
        self.base_combo.clear()
        try:
            models = self.store.installed()
        except (PrecisError, OSError) as exc:
            log.warning("model store unreadable: %s", exc)
            models = []
        for m in models:
            if m.name not in self._params:
                self._params[m.name] = parameter_count(m.path)
            n = self._params[m.name]
            self.base_combo.addItem(f"{m.name} ({n / 1e6:.0f} M weights)" if n >= 1e6 else m.name, m.name)
        if not models:
            self.base_combo.addItem("No model installed: get one in Models…", "")
        self.base_combo.setEnabled(bool(models))
        index = self.base_combo.findData(current) if current else -1
        self.base_combo.setCurrentIndex(max(0, index))
        self.base_combo.blockSignals(False)
        self._on_base()

    def select_base(self, name: str) -> bool:
        index = self.base_combo.findData(name)
        if index >= 0:
            self.base_combo.setCurrentIndex(index)
        return index >= 0

    def _on_base(self, _index: int = -1) -> None:
        name = self.base_model
        n = self._params.get(name, 0)
        too_large = n > FULL_MAX_PARAMS
        self.full_radio.setEnabled(bool(name) and not too_large)
        if too_large:
            self.full_radio.setToolTip(
                f"{name} has {n / 1e6:.0f} million weights: full fine-tuning is offered up to "
                f"{FULL_MAX_PARAMS / 1e6:.0f} million, as it needs about {n * 16 / 1e9:.0f} GB of memory. "
                "A LoRA adapter works for any size.")
            self.lora_radio.setChecked(True)
        else:
            self.full_radio.setToolTip("Trains every weight into a new model of its own (small models only; "
                                       "the base model is not modified)")
        if name and not self.name:
            self.name_edit.setText(self.suggest_name(name))
        self.base_changed.emit(name)
        self.changed.emit()

    def _on_method(self, _lora: bool) -> None:
        # The learning rate follows the method while the user has not chosen one of their own.
        other = DEFAULT_LR["lora" if self.method == "full" else "full"]
        if abs(self.lr_spin.value() - other) < 1e-9:
            self.lr_spin.setValue(DEFAULT_LR[self.method])
        self._on_name()

    # ----- the name --------------------------------------------------------------------------
    def suggest_name(self, base: str) -> str:
        stem = f"{base}-mine"
        name, n = stem, 2
        while self.name_problem(name) is not None:
            name, n = f"{stem}-{n}", n + 1
        return name

    def name_problem(self, name: str | None = None) -> str | None:
        """Why the name cannot be used (a sentence), or None."""
        name = self.name if name is None else name
        if not name:
            return "Give the adapter a name; it is how you pick it in the toolbar."
        if self.plan.continue_from is not None and name == self.plan.continue_from:
            continued = self.plan.continued
            if continued is not None and self.base_model != continued.base_model:
                return (f"The adapter {name} needs its base model {continued.base_model}, which is not installed; "
                        "download or import it first.")
            return None
        try:
            check_name(name, "adapter")
        except PrecisError:
            return "Use letters, digits, dots, dashes and underscores for the name (up to 100)."
        if self.store.adapter_dir(name).exists() or self.store.is_installed(name):
            return f"A model or adapter called {name} exists already; choose another name."
        return None

    def resumable_step(self) -> tuple[int, int] | None:
        """(step, total steps) of an interrupted run under this name that Resume can continue."""
        if self.name_problem() is not None:
            return None
        run = RunFolder.for_name(self.store.root, self.name)
        checkpoint = None if run.result.exists() else run.latest_checkpoint()  # a finished run is not resumed
        if checkpoint is None:
            return None
        return checkpoint.step, int(checkpoint.meta.get("total_steps", 0))

    def revalidate(self) -> None:
        """Check the name again: an adapter was kept, renamed or deleted, or a run left a checkpoint."""
        self._on_name()

    def _on_name(self) -> None:
        problem = self.name_problem()
        resumable = self.resumable_step() if problem is None else None
        if problem:
            self.name_status.setStyleSheet("color: palette(bright-text);")
            self.name_status.setText(problem)
        elif resumable:
            self.name_status.setStyleSheet("")
            step, total = resumable
            self.name_status.setText(f"An interrupted run of this name stopped at step {step} of {total}: "
                                     "Resume continues it, Train starts again.")
        self.name_status.setVisible(bool(problem or resumable))
        self.changed.emit()

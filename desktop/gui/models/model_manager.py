"""The model manager: the catalog with sizes, its summarizers (FLAN-T5) and apart from them its
transcribers for recordings (Whisper), installed and imported models, models found in the Hugging
Face cache, fine-tuned adapters (the list is ``model_list``); the Hugging Face settings a download
uses (``hub_env``); download (with speed, time left and Cancel), import a folder, build the
quantized version (summarizers: a Whisper model is quantized as it loads), remove.

Every long action runs in its own child process (``ModelTask``); the dialog only shows it.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import PrecisError
from desktop.core.settings import Settings, load_settings
from desktop.core.durations import time_left
from desktop.gui.models.model_list import ADAPTER, CATALOG, FOUND, IMPORTED, ModelList
from desktop.gui.models.model_task import ModelTask
from desktop.ml.models.catalog import Catalog, CatalogError
from desktop.ml.models.hub_env import hub_environment
from desktop.ml.models.manifest import human_bytes
from desktop.ml.models.store import ModelStore

log = logging.getLogger(__name__)


def store_name(folder_name: str) -> str:
    """A valid store name from a folder name ("My T5 (v2)" -> "My-T5-v2")."""
    name = re.sub(r"[^A-Za-z0-9._+-]+", "-", folder_name).strip("-.")
    return name[:100] or "imported-model"


class ModelManagerDialog(QDialog):
    #: a model or adapter was installed or removed: refresh the model picker
    models_changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, settings: Settings | None = None,
                 store_root: Path | str | None = None, catalog: Catalog | None = None, endpoint: str | None = None) -> None:
        super().__init__(parent)
        #: the window's settings (its store folder, backend and threads), in memory
        self.settings = settings if settings is not None else load_settings()
        self.setWindowTitle("Models")
        self.setObjectName("modelManager")
        self.resize(860, 500)
        self._endpoint = endpoint
        self.catalog = catalog
        if self.catalog is None:
            try:
                self.catalog = Catalog.load()
            except CatalogError as exc:
                log.error("catalog unreadable: %s", exc.message)
        self._store_root_arg = store_root
        self.store = ModelStore(store_root if store_root is not None else self.settings.store_path(), self.catalog)
        self.task: ModelTask | None = None
        self._task_label = ""

        self.where = QLabel(f"Models are kept in {self.store.root}. Choose another folder in Settings.")
        self.where.setObjectName("modelStoreFolder")
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        #: what the next download uses (mirror, token, offline mode) and where found models are looked for
        self.hub = QLabel()
        self.hub.setObjectName("hubSettings")
        self.hub.setWordWrap(True)
        self.hub.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hub.setToolTip("Precis honours the Hugging Face settings of this computer: HF_ENDPOINT (a mirror), "
                            "HF_TOKEN or the token `huggingface-cli login` saved (never shown), HF_HUB_OFFLINE, "
                            "and HF_HUB_CACHE or HF_HOME (where models are found). Set them before starting Precis.")
        self.tree = ModelList()
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())

        self.progress_stage = QLabel()
        self.progress_stage.setObjectName("modelTaskStage")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("modelTaskBar")
        self.progress_bar.setTextVisible(False)
        self.progress_detail = QLabel()
        self.progress_detail.setObjectName("modelTaskDetail")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_task)
        self.progress_panel = QWidget()
        panel = QVBoxLayout(self.progress_panel)
        panel.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.progress_bar, 1)
        row.addWidget(self.cancel_button)
        panel.addWidget(self.progress_stage)
        panel.addLayout(row)
        panel.addWidget(self.progress_detail)
        self.progress_panel.hide()

        self.message = QLabel()
        self.message.setObjectName("modelMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.download_button = QPushButton("Download")
        self.download_button.setToolTip("Download the selected model from the Hugging Face Hub (resumable)")
        self.download_button.clicked.connect(self._download_selected)
        self.import_button = QPushButton("Import folder…")
        self.import_button.setToolTip("Copy a model folder into the store: FLAN-T5 (safetensors and tokenizer) or "
                                      "Whisper converted for CTranslate2 (model.bin, config.json, tokenizer.json)")
        self.import_button.clicked.connect(self._choose_import_folder)
        self.quantize_button = QPushButton("Build quantized version")
        self.quantize_button.setToolTip("Convert the selected model to int8 once, so summaries start faster and run faster")
        self.quantize_button.clicked.connect(self._quantize_selected)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._remove_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        actions = QHBoxLayout()
        for b in (self.download_button, self.import_button, self.quantize_button, self.remove_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.hub)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.progress_panel)
        layout.addWidget(self.message)
        layout.addLayout(actions)
        self.refresh()

    def set_settings(self, settings: Settings) -> None:
        """The window's settings changed (Settings dialog): the store folder may be another now."""
        self.settings = settings
        if self.isVisible() and (self.task is None or not self.task.is_running()):
            self._follow_store_setting()
            self.refresh()

    def _follow_store_setting(self) -> None:
        """The store folder may have been changed in Settings since the dialog was made."""
        if self._store_root_arg is not None:
            return
        root = self.settings.store_path()
        if root != self.store.root:
            try:
                self.store = ModelStore(root, self.catalog)
            except PrecisError as exc:
                self.show_message(exc.message, error=True)
                return
            self.where.setText(f"Models are kept in {self.store.root}. Choose another folder in Settings.")

    # ----- the list ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the store, the Hugging Face cache and settings again and rebuild the list, keeping the selection."""
        self.hub.setText("\n".join(hub_environment().lines()))
        self.tree.fill(self.catalog, self.store)
        self._update_buttons()

    def selected(self) -> tuple[str, str] | None:
        return self.tree.selected()

    def select(self, kind: str, name: str) -> bool:
        return self.tree.select(kind, name)

    def row_status(self, name: str) -> str | None:
        """The Status column of the row for ``name`` (None when there is no such row)."""
        return self.tree.row_status(name)

    def _update_buttons(self) -> None:
        busy = self.task is not None and self.task.is_running()
        sel = self.selected()
        kind, name = sel if sel else (None, None)
        installed = bool(name) and kind in (CATALOG, IMPORTED) and self.store.is_installed(name or "")
        partial = bool(name) and kind == CATALOG and self.store.partial_bytes(name or "") > 0
        found = self.tree.found_model(name) if name and kind in (CATALOG, FOUND) and not installed else None
        transcriber = bool(name) and name in self.tree.transcribers
        self.download_button.setEnabled(not busy and kind == CATALOG and not installed and found is None)
        self.download_button.setText("Resume download" if partial and found is None
                                     else "No download needed" if found is not None else "Download")
        self.download_button.setToolTip(
            f"{name} is already on this computer; Precis uses it where it is. {self.tree.found_tip(found)}"
            if found is not None else "Download the selected model from the Hugging Face Hub (resumable)")
        self.import_button.setEnabled(not busy)
        # A Whisper model needs no quantized copy: CTranslate2 quantizes it to int8 as it loads.
        self.quantize_button.setEnabled(not busy and not transcriber and (installed or found is not None))
        # A found model lives in the Hugging Face cache, which Precis never changes.
        self.remove_button.setEnabled(not busy and (installed or partial or kind == ADAPTER))

    # ----- actions -----------------------------------------------------------------------
    def download(self, name: str) -> None:
        entry = self.catalog.get(name) if self.catalog is not None else None
        if entry is None:
            self.show_message(f"{name} is not in the model catalog.", error=True)
            return
        found = self.store.find_cached(name)
        if found is not None:
            self.show_message(f"{name} is already on this computer ({found.hub_id} in the Hugging Face cache, "
                              f"{found.path}); Precis uses it there, so nothing is downloaded.")
            return
        params: dict[str, Any] = {"entry": entry, "store_root": str(self.store.root)}
        if self._endpoint:
            params["endpoint"] = self._endpoint
        self._run("download", params, f"Downloading {name}")

    def import_folder(self, folder: Path | str, name: str | None = None) -> None:
        """Copy a model folder into the store, named ``name`` or after the folder."""
        name = name or store_name(Path(folder).name)
        self._run("import", {"src": str(folder), "name": name, "store_root": str(self.store.root)},
                  f"Importing {Path(folder).name}")

    def build_quantized(self, name: str) -> None:
        s = self.settings
        self._run("quantize", {"name": name, "store_root": str(self.store.root), "backend": s.backend,
                               "quantization": "int8", "threads": s.threads}, f"Building the quantized version of {name}")

    def remove_model(self, kind: str, name: str, *, confirm: bool = True) -> bool:
        """Remove a model (with its partial download and converted files) or an adapter."""
        what = "adapter" if kind == ADAPTER else "model"
        if confirm and not self._confirm(f"Remove the {what} {name}?",
                                         "Its files are deleted from the model store. You can download or import it again later."):
            return False
        try:
            if kind == ADAPTER:
                self.store.delete_adapter(name)
            else:
                self.store.remove(name)
        except PrecisError as exc:
            self.show_message(exc.message, error=True)
            return False
        self.show_message(f"{name} was removed.")
        self.refresh()
        self.models_changed.emit()
        return True

    def cancel_task(self) -> None:
        if self.task is not None and self.task.is_running():
            self.progress_stage.setText(f"{self._task_label}: cancelling…")
            self.cancel_button.setEnabled(False)
            self.task.cancel()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("error", error)
        self.message.setStyleSheet("color: palette(bright-text);" if error else "")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # ----- buttons -----------------------------------------------------------------------
    def _download_selected(self) -> None:
        sel = self.selected()
        if sel and sel[0] == CATALOG:
            self.download(sel[1])

    def _choose_import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a model folder", str(Path.home()))
        if folder:
            self.import_folder(folder)

    def _quantize_selected(self) -> None:
        sel = self.selected()
        if sel and sel[0] in (CATALOG, IMPORTED, FOUND):
            self.build_quantized(sel[1])

    def _remove_selected(self) -> None:
        sel = self.selected()
        if sel:
            self.remove_model(*sel)

    def _confirm(self, question: str, detail: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "Remove", question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText(detail)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("confirmRemove")
        return box.exec() == QMessageBox.StandardButton.Yes

    # ----- the running task --------------------------------------------------------------
    def _run(self, kind: str, params: dict[str, Any], label: str) -> None:
        if self.task is not None and self.task.is_running():
            self.show_message("Another model task is still running; wait for it or cancel it first.", error=True)
            return
        self.show_message("")
        self._task_label = label
        self.task = ModelTask(kind, params, self)
        self.task.progress.connect(self._on_progress)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.cancelled.connect(self._on_cancelled)
        self.task.ended.connect(self._on_ended)
        self.progress_stage.setText(f"{label}…")
        self.progress_detail.setText("")
        self.progress_bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.progress_panel.show()
        self.task.start()
        self._update_buttons()

    def _on_progress(self, stage: str, done: int, total: int, eta_s: float) -> None:
        self.progress_stage.setText(f"{self._task_label}: {stage}")
        if total <= 0:
            if self.progress_bar.maximum() != 0:
                self.progress_bar.setRange(0, 0)
            self.progress_detail.setText(time_left(eta_s))
            return
        if self.progress_bar.maximum() != 1000:
            self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(int(1000 * min(done, total) / total))
        parts = [f"{human_bytes(done)} of {human_bytes(total)}"]
        if eta_s >= 0:
            parts.append(time_left(eta_s))
        self.progress_detail.setText(" · ".join(parts))

    def _on_finished(self, result: object) -> None:
        info = result if isinstance(result, dict) else {}
        name = info.get("name", "The model")
        if self.task is not None and self.task.kind == "quantize":
            self.show_message(f"The quantized version of {name} is built ({info.get('backend', '')} "
                              f"{info.get('quantization', '')}, {info.get('seconds', 0):.0f} s); summaries start faster now.")
        elif self._is_transcriber(str(name)):
            self.show_message(f"{name} is installed; choose it for recordings in Settings (Recordings).")
        else:
            self.show_message(f"{name} is installed and can be picked in the toolbar.")
        self.models_changed.emit()

    def _is_transcriber(self, name: str) -> bool:
        model = self.store.get(name) if name else None
        return name in self.tree.transcribers or (model is not None and model.kind == "transcriber")

    def _on_failed(self, _error_name: str, message: str) -> None:
        self.show_message(message, error=True)

    def _on_cancelled(self) -> None:
        if self.task is not None and self.task.kind == "download":
            self.show_message("Download cancelled. What was fetched is kept: Download resumes from there.")
        else:
            self.show_message(f"{self._task_label} was cancelled.")

    def _on_ended(self) -> None:
        self.progress_panel.hide()
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        # The dialog is kept and shown again: the store may have changed meanwhile (the CLI, Settings).
        if self.task is None or not self.task.is_running():
            self._follow_store_setting()
            self.refresh()
        super().showEvent(event)

"""The adapters the user kept: name, base model, when it was made, how it scored; rename, delete
(after a confirmation) and export as a folder; below, the selected adapter's versions."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import PrecisError
from desktop.gui.finetune.adapter_versions_view import AdapterVersionsView
from desktop.ml.models.manifest import human_bytes
from desktop.ml.models.store import ModelStore

log = logging.getLogger(__name__)

ROW_HEIGHT = 26  # as in the model manager
COLUMNS = ("Adapter", "Base model", "Created", "Your pairs (ROUGE-L)", "Other skills (ROUGE-L)", "Size")


def _before_after(metrics: dict[str, Any], key: str) -> str:
    before = (metrics.get(f"{key}_before") or {}).get("rougeL")
    after = (metrics.get(f"{key}_after") or {}).get("rougeL")
    if before is None or after is None:
        return ""
    return f"{before:.3f} → {after:.3f}"


class AdaptersView(QWidget):
    """``refresh()``; ``rename(old, new)``, ``delete(name)``, ``export(name, folder)`` return
    whether they worked and say why not in ``message``; ``adapters_changed`` after a change."""

    adapters_changed = Signal()

    def __init__(self, store: ModelStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adaptersView")
        self.store = store
        self.intro = QLabel("Adapters you kept. Each one appears in the toolbar's model picker as \"name (fine-tuned)\" "
                            "and runs on top of its base model, which stays unchanged.")
        self.intro.setObjectName("hint")
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("adapterList")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.currentItemChanged.connect(lambda *_: self._on_selection())
        self.tree.itemDoubleClicked.connect(lambda *_: self._rename_selected())
        self.empty = QLabel("No adapters yet: train one on the Train tab and press Keep.")
        self.empty.setObjectName("hint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self._rename_selected)
        self.export_button = QPushButton("Export as folder…")
        self.export_button.setToolTip("Copy the adapter's files to a folder, to share it or keep a backup")
        self.export_button.clicked.connect(self._export_selected)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self._delete_selected)
        self.message = QLabel()
        self.message.setObjectName("adaptersMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        actions = QHBoxLayout()
        for b in (self.rename_button, self.export_button, self.delete_button):
            actions.addWidget(b)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.message)
        layout.addLayout(actions)
        self.versions = AdapterVersionsView(store)
        self.versions.version_changed.connect(self._on_version_changed)
        layout.addWidget(self.versions, 2)
        self.refresh()

    def _on_version_changed(self, _name: str) -> None:
        self.refresh()
        self.adapters_changed.emit()

    def _on_selection(self) -> None:
        self._update_buttons()
        if hasattr(self, "versions"):
            self.versions.show_adapter(self.selected())

    # ----- the list --------------------------------------------------------------------------
    def refresh(self) -> None:
        selected = self.selected()
        self.tree.clear()
        try:
            adapters = self.store.list_adapters()
        except (PrecisError, OSError) as exc:
            self.show_message(f"The adapters could not be listed ({exc}).", error=True)
            adapters = []
        for a in adapters:
            label = a.name if a.version == 1 else f"{a.name} (version {a.version})"
            item = QTreeWidgetItem([label, a.base_model, a.created_at[:16].replace("T", " "),
                                    _before_after(a.metrics, "val"), _before_after(a.metrics, "replay"),
                                    human_bytes(a.size_bytes)])
            item.setData(0, Qt.ItemDataRole.UserRole, a.name)
            item.setSizeHint(0, QSize(self.tree.fontMetrics().horizontalAdvance(a.name) + 16, ROW_HEIGHT))
            item.setToolTip(0, str(a.path))
            item.setTextAlignment(len(COLUMNS) - 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
        self.empty.setVisible(not adapters)
        if selected:
            self.select(selected)
        elif adapters and (first := self.tree.topLevelItem(0)) is not None:
            self.tree.setCurrentItem(first)
        self._on_selection()

    def names(self) -> list[str]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [str(item.data(0, Qt.ItemDataRole.UserRole)) for item in items if item is not None]

    def selected(self) -> str | None:
        item = self.tree.currentItem()
        return None if item is None else str(item.data(0, Qt.ItemDataRole.UserRole))

    def select(self, name: str) -> bool:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == name:
                self.tree.setCurrentItem(item)
                return True
        return False

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        for b in (self.rename_button, self.export_button, self.delete_button):
            b.setEnabled(has)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: palette(bright-text);" if error else "")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # ----- actions ---------------------------------------------------------------------------
    def rename(self, old: str, new: str) -> bool:
        new = new.strip()
        if not new or new == old:
            return False
        try:
            self.store.rename_adapter(old, new)
        except PrecisError as exc:
            self.show_message(exc.message, error=True)
            return False
        self.show_message(f"{old} is now called {new}.")
        self.refresh()
        self.select(new)
        self.adapters_changed.emit()
        return True

    def delete(self, name: str, *, confirm: bool = True) -> bool:
        if confirm and not self._confirm(name):
            return False
        try:
            self.store.delete_adapter(name)
        except PrecisError as exc:
            self.show_message(exc.message, error=True)
            return False
        self.show_message(f"{name} was deleted.")
        self.refresh()
        self.adapters_changed.emit()
        return True

    def export(self, name: str, folder: Path | str) -> Path | None:
        """Copy the adapter to ``folder`` when it is new or empty, else into ``folder/<name>``."""
        dest = Path(folder)
        if dest.exists() and dest.is_dir() and any(dest.iterdir()):
            dest = dest / name
        try:
            out = self.store.export_adapter(name, dest)
        except PrecisError as exc:
            self.show_message(exc.message, error=True)
            return None
        self.show_message(f"{name} was exported to {out}.")
        return out

    def _rename_selected(self) -> None:
        name = self.selected()
        if name is None:
            return
        new, ok = QInputDialog.getText(self, "Rename adapter", f"New name for {name}:", QLineEdit.EchoMode.Normal, name)
        if ok:
            self.rename(name, new)

    def _delete_selected(self) -> None:
        name = self.selected()
        if name is not None:
            self.delete(name)

    def _export_selected(self) -> None:
        name = self.selected()
        if name is None:
            return
        folder = QFileDialog.getExistingDirectory(self, f"Export {name} to a folder", str(Path.home()))
        if folder:
            self.export(name, folder)

    def _confirm(self, name: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "Delete adapter", f"Delete the adapter {name}?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirmDeleteAdapter")
        box.setInformativeText("Its files are removed from the model store; the base model is not touched. "
                               "Export it first to keep a copy.")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Yes

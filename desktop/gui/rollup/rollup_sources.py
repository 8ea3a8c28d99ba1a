"""Which digests a roll-up is made from: everything in History, the watched folders' digests, one
folder's, or digests picked from a checklist of History."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QFileDialog, QListWidget, QListWidgetItem

from desktop.core.history import History, HistoryEntry
from desktop.gui.rollup.rollup_build import ALL, CHOSEN, FOLDER, WATCHED, choose_entries

ENTRY = Qt.ItemDataRole.UserRole + 1
PICK_FOLDER = "pick-folder"


class SourceChooser(QObject):
    """``combo`` (the kind of source) and ``list_view`` (the checklist, shown for chosen digests)."""

    changed = Signal()

    def __init__(self, history: History, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.watched: list[str] = []
        self.folder: str | None = None
        self.combo = QComboBox()
        self.combo.setObjectName("rollupSources")
        self.combo.setToolTip("Which digests in History the roll-up reads")
        # Gives way in a narrow window (a folder's name can be long); the list shows whole names.
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        self.list_view = QListWidget()
        self.list_view.setObjectName("rollupChosen")
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list_view.setMaximumHeight(150)
        self.list_view.itemChanged.connect(lambda _item: self.changed.emit())
        self._fill_combo()
        self.combo.activated.connect(self._on_activated)
        self.refresh_entries()

    def kind(self) -> str:
        return self.combo.currentData() or ALL

    def set_kind(self, kind: str, folder: str | None = None) -> None:
        if kind == FOLDER and folder:
            self.folder = folder
            self._fill_combo()
        index = self.combo.findData(kind)
        if index >= 0:
            self.combo.setCurrentIndex(index)
            self._on_kind()

    def set_watched(self, folders: list[str]) -> None:
        self.watched = list(folders)
        self._fill_combo()

    def entries(self) -> list[HistoryEntry]:
        kind = self.kind()
        folders = self.watched if kind == WATCHED else ([self.folder] if kind == FOLDER and self.folder else [])
        return choose_entries(self.history.list(), kind, folders, self.chosen())

    def chosen(self) -> set[str]:
        out = set()
        for row in range(self.list_view.count()):
            item = self.list_view.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                out.add(item.data(ENTRY))
        return out

    def check(self, entry_ids: set[str]) -> None:
        self.list_view.blockSignals(True)
        for row in range(self.list_view.count()):
            item = self.list_view.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.data(ENTRY) in entry_ids else Qt.CheckState.Unchecked)
        self.list_view.blockSignals(False)
        self.changed.emit()

    def refresh_entries(self) -> None:
        """The checklist from History now, the checks kept."""
        keep = self.chosen()
        self.list_view.blockSignals(True)
        self.list_view.clear()
        for entry in self.history.list():
            item = QListWidgetItem(entry.title or "Untitled digest")
            item.setData(ENTRY, entry.id)
            item.setToolTip("\n".join(entry.paths[:8]))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if entry.id in keep else Qt.CheckState.Unchecked)
            self.list_view.addItem(item)
        self.list_view.blockSignals(False)
        self.list_view.setVisible(self.kind() == CHOSEN)

    def _fill_combo(self) -> None:
        current = self.kind() if self.combo.count() else ALL
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("Everything in History", ALL)
        if self.watched:
            self.combo.addItem("Watched folders", WATCHED)
        if self.folder:
            self.combo.addItem(f"Folder: {Path(self.folder).name or self.folder}", FOLDER)
        self.combo.addItem("Chosen digests", CHOSEN)
        self.combo.addItem("A Folder…", PICK_FOLDER)
        self.combo.setCurrentIndex(max(0, self.combo.findData(current)))
        self.combo.blockSignals(False)

    def _on_activated(self, _index: int) -> None:
        if self.combo.currentData() == PICK_FOLDER:
            folder = QFileDialog.getExistingDirectory(self.combo, "Roll up the digests of a folder",
                                                      self.folder or str(Path.home()))
            if folder:
                self.set_kind(FOLDER, folder)
            else:
                self._fill_combo()
                self.combo.setCurrentIndex(0)
            return
        self._on_kind()

    def _on_kind(self) -> None:
        self.list_view.setVisible(self.kind() == CHOSEN)
        self.changed.emit()

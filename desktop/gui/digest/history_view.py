"""History: past digests, newest first, searchable and filterable by label; reopen or delete."""

from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.history import History, HistoryEntry
from desktop.gui.digest.digest_text import chip_texts

ENTRY_ID = Qt.ItemDataRole.UserRole + 1
ALL_LABELS = "All labels"
#: how label values read in the filter; None: not worth filtering by
FILTER_TEXT: dict[str, str | None] = {"yes": "asks you", "no": None, "normal": None, "not urgent": None}


def when(created: float, now: float | None = None) -> str:
    """"14:05" today, "Mon 14:05" this week, "3 Nov 2026" before."""
    now = now or time.time()
    then = datetime.fromtimestamp(created)
    age = now - created
    if age < 86400 and datetime.fromtimestamp(now).date() == then.date():
        return then.strftime("%H:%M")
    if age < 6 * 86400:
        return then.strftime("%a %H:%M")
    return f"{then.day} {then.strftime('%b %Y')}"


class HistoryView(QWidget):
    """Lists ``History`` entries; emits ``entry_activated(id)`` to reopen one."""

    entry_activated = Signal(str)
    entry_deleted = Signal(str)

    def __init__(self, history: History, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyView")
        self.history = history
        self.search_field = QLineEdit()
        self.search_field.setObjectName("historySearch")
        self.search_field.setPlaceholderText("Search history")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.textChanged.connect(self.refresh)
        self.label_filter = QComboBox()
        self.label_filter.setObjectName("historyLabels")
        self.label_filter.addItem(ALL_LABELS)
        self.label_filter.currentIndexChanged.connect(self.refresh)
        self.model = QStandardItemModel(self)
        self.list_view = QListView()
        self.list_view.setObjectName("historyList")
        self.list_view.setModel(self.model)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setWordWrap(False)
        self.list_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(self._context_menu)
        self.list_view.activated.connect(lambda index: self.entry_activated.emit(index.data(ENTRY_ID)))
        self.delete_action = QAction("Delete from history", self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self._delete_selected)
        self.list_view.addAction(self.delete_action)

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.setSpacing(6)
        filters.addWidget(self.search_field, 3)
        filters.addWidget(self.label_filter, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(filters)
        layout.addWidget(self.list_view, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the list from History with the current search text and label filter."""
        self._refresh_labels()
        entries = self.history.list(self.search_field.text(), self.label_filter.currentData() or None)
        selected = self.selected_id()
        self.model.clear()
        for entry in entries:
            self.model.appendRow(self._item(entry))
        if selected:
            self.select(selected)
        self.list_view.setToolTip("" if entries else "Finished digests appear here.")

    def _refresh_labels(self) -> None:
        wanted: list[tuple[str, str | None]] = [(ALL_LABELS, None)]
        for value in self.history.labels():  # type: ignore[attr-defined]  # History.list shadows list
            text = FILTER_TEXT.get(value, value)
            if text:
                wanted.append((text, value))
        have = [(self.label_filter.itemText(i), self.label_filter.itemData(i)) for i in range(self.label_filter.count())]
        if have == wanted:
            return
        current = self.label_filter.currentData()
        self.label_filter.blockSignals(True)
        self.label_filter.clear()
        for text, value in wanted:
            self.label_filter.addItem(text, value)
        self.label_filter.setCurrentIndex(max(0, self.label_filter.findData(current)) if current else 0)
        self.label_filter.blockSignals(False)

    def set_label_filter(self, value: str | None) -> bool:
        """Show only entries with this label value (None: all)."""
        index = self.label_filter.findData(value) if value else 0
        if index >= 0:
            self.label_filter.setCurrentIndex(index)
            self.refresh()
        return index >= 0

    def _item(self, entry: HistoryEntry) -> QStandardItem:
        title = entry.title or "Untitled digest"
        if entry.query:
            title = f"“{entry.query}”"
        detail = when(entry.created)
        chips = [text for _key, text in chip_texts(entry.labels)]
        if chips:
            detail += " · " + " · ".join(chips)
        item = QStandardItem(f"{title}\n{detail}")
        item.setData(entry.id, ENTRY_ID)
        names = "\n".join(entry.paths[:8]) + ("\n…" if len(entry.paths) > 8 else "")
        item.setToolTip(f"{title}\n{names}")
        item.setSizeHint(QSize(0, self.fontMetrics().lineSpacing() * 2 + 12))
        return item

    # ------------------------------------------------------------------ selection
    def entry_ids(self) -> list[str]:
        return [self.model.item(r).data(ENTRY_ID) for r in range(self.model.rowCount())]

    def selected_id(self) -> str | None:
        index = self.list_view.currentIndex()
        return index.data(ENTRY_ID) if index.isValid() else None

    def select(self, entry_id: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.item(row).data(ENTRY_ID) == entry_id:
                self.list_view.setCurrentIndex(self.model.index(row, 0))
                return True
        return False

    def reopen(self, entry_id: str) -> None:
        self.select(entry_id)
        self.entry_activated.emit(entry_id)

    def delete_entry(self, entry_id: str) -> None:
        self.history.delete(entry_id)
        self.refresh()
        self.entry_deleted.emit(entry_id)

    # ------------------------------------------------------------------ menu
    def menu_for(self, entry_id: str) -> QMenu:
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.reopen(entry_id))
        menu.addSeparator()
        menu.addAction("Delete from history", lambda: self._confirm_delete(entry_id))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        index = self.list_view.indexAt(pos)
        if not index.isValid():
            return
        menu = self.menu_for(index.data(ENTRY_ID))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.list_view.viewport().mapToGlobal(pos))

    def _delete_selected(self) -> None:
        entry_id = self.selected_id()
        if entry_id:
            self._confirm_delete(entry_id)

    def _confirm_delete(self, entry_id: str) -> None:
        """Ask first (a digest may hold edits); the question does not block the event loop."""
        box = QMessageBox(QMessageBox.Icon.Question, "Delete digest", "Delete this digest from history? This cannot be undone.",
                          QMessageBox.StandardButton.Cancel, self)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self.delete_entry(entry_id) if button is delete else None)
        box.open()

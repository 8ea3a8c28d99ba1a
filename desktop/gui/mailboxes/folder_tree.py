"""The mailboxes and their folders as a tree: each mailbox on top, its folders under it once they
are listed (a store's top stands for all its mail), with the number of messages and of unread
ones where the store knows them without reading them (a Maildir's file names, an Outlook file's
counts), trash and junk marked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QFont, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QStyle, QTreeView, QWidget

from desktop.core.mailstores.mailboxes import Mailbox

_LOCATION = Qt.ItemDataRole.UserRole + 1
_FOLDER = Qt.ItemDataRole.UserRole + 2
#: what an unlisted mailbox holds, so it can be opened (listing starts when it is)
_PLACEHOLDER = "Folders not listed yet"

_KIND_ICONS = {"imap": QStyle.StandardPixmap.SP_DriveNetIcon, "outlook": QStyle.StandardPixmap.SP_FileIcon,
               "thunderbird": QStyle.StandardPixmap.SP_DirHomeIcon}


@dataclass(frozen=True, slots=True)
class Choice:
    """What is selected: a mailbox's location and a folder's path in it ("" for all its mail)."""

    location: str
    folder: str
    name: str


class MailboxTree(QTreeView):
    """Signals: ``list_requested(location)`` (a mailbox was opened before its folders were
    listed, or "List folders again"), ``summarize_requested()``, ``watch_requested()``,
    ``remove_requested(location)``."""

    #: location
    list_requested = Signal(str)
    summarize_requested = Signal()
    watch_requested = Signal()
    #: location
    remove_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mailTree")
        self.model_ = QStandardItemModel(self)
        self.model_.setColumnCount(2)
        self.setModel(self.model_)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.expanded.connect(self._on_expanded)

    # ------------------------------------------------------------------ mailboxes
    def set_mailboxes(self, boxes: list[Mailbox]) -> None:
        self.model_.removeRows(0, self.model_.rowCount())
        for box in boxes:
            self.add_mailbox(box)

    def add_mailbox(self, box: Mailbox) -> QStandardItem:
        item = self._item(box.title, box.location, "", bold=True)
        item.setIcon(self.style().standardIcon(_KIND_ICONS.get(box.kind, QStyle.StandardPixmap.SP_DirIcon)))
        item.setToolTip(f"{box.kind_name}: {box.location if not box.is_imap else box.title}")
        item.appendRow([self._note(_PLACEHOLDER), QStandardItem()])
        self.model_.appendRow([item, self._count(None)])
        return item

    def remove_mailbox(self, location: str) -> None:
        row = self._row_of(location)
        if row >= 0:
            self.model_.removeRow(row)

    def mailbox_item(self, location: str) -> QStandardItem | None:
        row = self._row_of(location)
        return self.model_.item(row) if row >= 0 else None

    def _row_of(self, location: str) -> int:
        return next((r for r in range(self.model_.rowCount()) if self.model_.item(r).data(_LOCATION) == location), -1)

    # ------------------------------------------------------------------ folders
    def show_note(self, location: str, text: str) -> None:
        """Under the mailbox, in place of its folders: "Listing the folders…", or why there are none."""
        item = self.mailbox_item(location)
        if item is not None:
            item.removeRows(0, item.rowCount())
            item.appendRow([self._note(text), QStandardItem()])

    def set_folders(self, location: str, tree: dict[str, Any]) -> None:
        """The listed folders (``mail_task.plain_tree``) under the mailbox, opened one level."""
        item = self.mailbox_item(location)
        if item is None:
            return
        item.removeRows(0, item.rowCount())
        for child in tree.get("children", []):
            self._add_folder(item, location, child)
        if not item.hasChildren():
            item.appendRow([self._note("No folders"), QStandardItem()])
        self.expand(item.index())

    def _add_folder(self, parent: QStandardItem, location: str, folder: dict[str, Any]) -> None:
        unread = folder.get("unread") or 0
        # Unread mail as mail clients show it: the folder in bold, with how many.
        item = self._item(f"{folder['name']} ({unread:,})" if unread else folder["name"], location, folder["path"],
                          bold=bool(unread), italic=not folder.get("selectable", True))
        icon = QStyle.StandardPixmap.SP_TrashIcon if folder.get("special") else QStyle.StandardPixmap.SP_DirIcon
        item.setIcon(self.style().standardIcon(icon))
        tip = folder["path"] + ("" if folder.get("selectable", True) else " (holds other folders only)")
        if folder.get("unread") is not None:
            tip += f"\n{unread:,} unread"
        item.setToolTip(tip)
        parent.appendRow([item, self._count(folder.get("count"))])
        for child in folder.get("children", []):
            self._add_folder(item, location, child)

    def folder_paths(self, location: str) -> list[str]:
        """The folders listed under a mailbox, depth-first (none before it is listed)."""
        item = self.mailbox_item(location)
        out: list[str] = []

        def walk(node: QStandardItem) -> None:
            for r in range(node.rowCount()):
                child = node.child(r)
                if child is not None and child.data(_FOLDER):
                    out.append(child.data(_FOLDER))
                    walk(child)

        if item is not None:
            walk(item)
        return out

    def select(self, location: str, folder: str = "") -> bool:
        """Make a mailbox (``folder`` "") or one of its listed folders the current item."""
        item = self.mailbox_item(location)
        if item is None:
            return False
        found = item if not folder else next((i for i in self._descendants(item) if i.data(_FOLDER) == folder), None)
        if found is None:
            return False
        self.setCurrentIndex(found.index())
        return True

    def _descendants(self, item: QStandardItem) -> list[QStandardItem]:
        out = []
        for r in range(item.rowCount()):
            child = item.child(r)
            if child is not None:
                out.append(child)
                out.extend(self._descendants(child))
        return out

    def choice(self) -> Choice | None:
        """The mailbox or folder selected (a note under a mailbox counts as the mailbox)."""
        index = self.currentIndex().siblingAtColumn(0)
        if not index.isValid():
            return None
        item = self.model_.itemFromIndex(index)
        location = item.data(_LOCATION)
        if location is None:
            parent = item.parent()
            if parent is None:
                return None
            item, location = parent, parent.data(_LOCATION)
        folder = item.data(_FOLDER) or ""
        return Choice(location, folder, folder.rsplit("/", 1)[-1] if folder else item.text())

    # ------------------------------------------------------------------ items
    def _item(self, text: str, location: str, folder: str, *, bold: bool = False, italic: bool = False) -> QStandardItem:
        item = QStandardItem(text)
        item.setData(location, _LOCATION)
        item.setData(folder, _FOLDER)
        if bold or italic:
            font = QFont(self.font())
            font.setBold(bold)
            font.setItalic(italic)
            item.setFont(font)
        return item

    def _note(self, text: str) -> QStandardItem:
        note = QStandardItem(text)
        note.setForeground(QBrush(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)))
        note.setToolTip(text)
        return note

    def _count(self, count: int | None) -> QStandardItem:
        item = QStandardItem(f"{count:,}" if count is not None else "")
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        item.setForeground(QBrush(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)))
        if count is not None:
            item.setToolTip(f"{count:,} messages")
        return item

    def _on_expanded(self, index: QModelIndex) -> None:
        item = self.model_.itemFromIndex(index.siblingAtColumn(0))
        if item is None or item.parent() is not None:
            return
        first = item.child(0)
        if first is not None and first.text() == _PLACEHOLDER:
            self.list_requested.emit(item.data(_LOCATION))

    def _menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if index.isValid():
            self.setCurrentIndex(index)
        choice = self.choice()
        if choice is None:
            return
        menu = QMenu(self)
        summarize = QAction("Summarize" if choice.folder else "Summarize all its mail", menu)
        summarize.triggered.connect(self.summarize_requested)
        menu.addAction(summarize)
        watch = QAction("Watch" if choice.folder else "Watch all its mail", menu)
        watch.setToolTip("Summarize the mail that arrives here from now on (the Watched list)")
        watch.triggered.connect(self.watch_requested)
        menu.addAction(watch)
        if not choice.folder:
            relist = QAction("List folders again", menu)
            relist.triggered.connect(lambda: self.list_requested.emit(choice.location))
            remove = QAction("Remove mailbox", menu)
            remove.triggered.connect(lambda: self.remove_requested.emit(choice.location))
            menu.addSeparator()
            menu.addAction(relist)
            menu.addAction(remove)
        menu.popup(self.viewport().mapToGlobal(pos))

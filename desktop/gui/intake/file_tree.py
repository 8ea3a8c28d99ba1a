"""The file tree: a folder the user picks, showing only the files Precis reads, with a context
menu to summarize a file, several files together, or a whole folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QDir, QFileInfo, QModelIndex, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QAbstractFileIconProvider, QAction, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileIconProvider,
    QFileSystemModel,
    QMenu,
    QStyle,
    QTreeView,
    QWidget,
)

from desktop.gui.intake.formats import name_filters


class _IconProvider(QFileIconProvider):
    """The platform's file icons, or the style's plain ones where the platform has none."""

    def __init__(self, style: QStyle) -> None:
        super().__init__()
        self._dir = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._file = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    def icon(self, arg):  # type: ignore[no-untyped-def,override]
        found = super().icon(arg)
        if not found.isNull():
            return found
        if isinstance(arg, QFileInfo):
            return self._dir if arg.isDir() else self._file
        return self._dir if arg == QAbstractFileIconProvider.IconType.Folder else self._file


class FileTree(QTreeView):
    """Emits ``summarize_requested(paths, together)``; ``together`` asks for one digest of all."""

    summarize_requested = Signal(list, bool)
    root_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fileTree")
        self.fs_model = QFileSystemModel(self)
        self.fs_model.setFilter(QDir.Filter.AllDirs | QDir.Filter.Files | QDir.Filter.NoDotAndDotDot)
        self.fs_model.setNameFilters(name_filters())
        self.fs_model.setNameFilterDisables(False)  # hide, rather than grey out, other files
        self.fs_model.setReadOnly(True)
        self._icons = _IconProvider(self.style())
        self.fs_model.setIconProvider(self._icons)
        self.setModel(self.fs_model)
        for column in (1, 2, 3):
            self.setColumnHidden(column, True)
        self.setHeaderHidden(True)
        self.setAnimated(False)
        self.setUniformRowHeights(True)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.activated.connect(self._on_activated)
        self._root: str | None = None

    # ------------------------------------------------------------------ root
    @property
    def root(self) -> str | None:
        return self._root

    def set_root(self, folder: str | Path) -> None:
        folder = str(Path(folder).expanduser().resolve())
        self._root = folder
        self.setRootIndex(self.fs_model.setRootPath(folder))
        self.root_changed.emit(folder)

    def index_for(self, path: str | Path) -> QModelIndex:
        return self.fs_model.index(str(path))

    # ------------------------------------------------------------------ selection
    def selected_paths(self) -> list[str]:
        rows = self.selectionModel().selectedRows(0) if self.selectionModel() else []
        seen: list[str] = []
        for index in rows:
            path = self.fs_model.filePath(index)
            if path and path not in seen:
                seen.append(path)
        return seen

    def select_paths(self, paths: Sequence[str | Path]) -> None:
        self.clearSelection()
        model = self.selectionModel()
        flags = model.SelectionFlag.Select | model.SelectionFlag.Rows
        indexes = [i for i in (self.index_for(p) for p in paths) if i.isValid()]
        if indexes:
            model.setCurrentIndex(indexes[0], flags)
        for index in indexes[1:]:
            model.select(index, flags)

    def _paths_for(self, indexes: list[QModelIndex]) -> list[str]:
        out: list[str] = []
        for index in indexes:
            path = self.fs_model.filePath(index)
            if path and path not in out:
                out.append(path)
        return out

    # ------------------------------------------------------------------ menu
    def menu_for(self, indexes: list[QModelIndex]) -> QMenu:
        """The context menu for these items (also what a right-click pops up)."""
        paths = self._paths_for(indexes)
        files = [p for p in paths if not Path(p).is_dir()]
        folders = [p for p in paths if Path(p).is_dir()]
        menu = QMenu(self)
        menu.setObjectName("fileTreeMenu")
        if len(paths) == 1 and files:
            self._add(menu, "Summarize", "summarizeAction", lambda: self.summarize_requested.emit(files, True))
        elif len(paths) == 1 and folders:
            self._add(menu, "Summarize folder", "summarizeFolderAction", lambda: self.summarize_requested.emit(folders, True))
        elif len(paths) > 1:
            self._add(menu, "Summarize together", "summarizeTogetherAction",
                      lambda: self.summarize_requested.emit(paths, True)).setToolTip("One digest of all selected items")
            self._add(menu, "Summarize each separately", "summarizeEachAction",
                      lambda: self.summarize_requested.emit(paths, False))
        if paths:
            menu.addSeparator()
        if len(paths) == 1:
            target = paths[0]
            self._add(menu, "Open with system viewer" if files else "Open folder", "openAction",
                      lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(target)))
            self._add(menu, "Reveal in folder", "revealAction",
                      lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(target).parent))))
        if len(folders) == 1 and len(paths) == 1:
            self._add(menu, "Show only this folder", "rootAction", lambda: self.set_root(folders[0]))
        if self._root and Path(self._root).parent != Path(self._root):
            parent_root = str(Path(self._root).parent)
            self._add(menu, "Show the folder above", "upAction", lambda: self.set_root(parent_root))
        return menu

    @staticmethod
    def _add(menu: QMenu, text: str, name: str, slot) -> QAction:  # type: ignore[no-untyped-def]
        action = menu.addAction(text)
        action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    def _context_menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if index.isValid() and not self.selectionModel().isSelected(index):
            self.setCurrentIndex(index)
        indexes = self.selectionModel().selectedRows(0) or ([index] if index.isValid() else [])
        menu = self.menu_for(indexes)
        if menu.isEmpty():
            menu.deleteLater()
            return
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.viewport().mapToGlobal(pos))

    def _on_activated(self, index: QModelIndex) -> None:
        path = self.fs_model.filePath(index)
        if path and not Path(path).is_dir():
            self.summarize_requested.emit([path], True)

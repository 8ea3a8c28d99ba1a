"""The left panel's top half: which folder the tree shows (and a button to pick another),
above the file tree itself."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from desktop.gui.intake.file_tree import FileTree


class FilePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filePanel")
        self.title = QLabel("Files")
        self.title.setObjectName("paneTitle")
        self.folder_label = QLabel("")
        self.folder_label.setObjectName("folderLabel")
        self.choose_button = QToolButton()
        self.choose_button.setObjectName("chooseFolder")
        self.choose_button.setText("Choose folder…")
        self.choose_button.setToolTip("Show another folder in the tree")
        self.choose_button.clicked.connect(self.choose_folder)
        self.tree = FileTree()
        self.tree.root_changed.connect(self._on_root)

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(6)
        head.addWidget(self.title)
        head.addWidget(self.folder_label, 1)
        head.addWidget(self.choose_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addWidget(self.tree, 1)

    def choose_folder(self) -> None:
        start = self.tree.root or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Show a folder in Precis", start)
        if folder:
            self.tree.set_root(folder)

    def _on_root(self, folder: str) -> None:
        name = Path(folder).name or folder
        metrics = self.folder_label.fontMetrics()
        self.folder_label.setText(metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, 180))
        self.folder_label.setToolTip(folder)

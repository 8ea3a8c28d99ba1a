"""How the main window is put together: its panes, actions (with their shortcuts), menus and
toolbar. Kept apart from ``main_window`` so that module holds behaviour (jobs, digests, history)
and this one only the arrangement, which changes for different reasons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop.core import paths
from desktop.core.settings import LENGTHS
from desktop.gui.window.banner import Banner
from desktop.gui.digest.digest_view import DigestView
from desktop.gui.intake.file_panel import FilePanel
from desktop.gui.digest.history_view import HistoryView
from desktop.gui.models.model_picker import ModelPicker
from desktop.gui.jobs.queue_view import QueueView
from desktop.gui.source.source_view import SourceView
from desktop.gui.window.status_bar import StatusBar

if TYPE_CHECKING:
    from desktop.core.history import History
    from desktop.core.settings import Settings
    from desktop.gui.jobs.job_queue import JobQueue


class WindowLayout(QMainWindow):
    """The main window's widgets and actions; ``MainWindow`` adds what they do."""

    queue: JobQueue
    history: History
    settings: Settings

    def _build_views(self) -> None:
        self.file_panel = FilePanel()
        self.tree = self.file_panel.tree
        self.queue_view = QueueView(self.queue)
        self.history_view = HistoryView(self.history)
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("sideTabs")
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(self.queue_view, "Queue")
        self.side_tabs.addTab(self.history_view, "History")
        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.setObjectName("leftSplitter")
        self.left_splitter.addWidget(self.file_panel)
        self.left_splitter.addWidget(self.side_tabs)
        self.left_splitter.setChildrenCollapsible(False)
        self.left_splitter.setSizes([420, 340])

        self.banner = Banner()
        self.ask_field = QLineEdit()
        self.ask_field.setObjectName("askField")
        self.ask_field.setPlaceholderText("Ask about these documents…")
        self.ask_field.setClearButtonEnabled(True)
        self.ask_button = QPushButton("Ask")
        self.ask_button.setObjectName("askButton")
        self.ask_button.setToolTip("Make a digest of the same documents that answers this question, with citations")
        ask_row = QHBoxLayout()
        ask_row.setContentsMargins(0, 0, 0, 0)
        ask_row.setSpacing(6)
        ask_row.addWidget(self.ask_field, 1)
        ask_row.addWidget(self.ask_button)
        self.digest_view = DigestView()
        centre = QWidget()
        centre.setObjectName("centrePane")
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(10, 8, 10, 8)
        centre_layout.setSpacing(8)
        centre_layout.addWidget(self.banner)
        centre_layout.addLayout(ask_row)
        centre_layout.addWidget(self.digest_view, 1)

        self.source_view = SourceView()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.left_splitter)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.source_view)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([300, 560, 420])
        self.setCentralWidget(self.splitter)
        self.status = StatusBar()
        self.setStatusBar(self.status)

    def _action(self, text: str, name: str, shortcut: Any = None, slot: Any = None, icon: QStyle.StandardPixmap | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            keys: list[QKeySequence] = []
            for s in shortcuts:
                found = QKeySequence.keyBindings(s) if isinstance(s, QKeySequence.StandardKey) else [QKeySequence(s)]
                keys += [k for k in found if not k.isEmpty() and k not in keys]
            action.setShortcuts(keys)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even while the menu bar is hidden
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.open_action = self._action("&Open…", "openAction", QKeySequence.StandardKey.Open, self.open_dialog,
                                        sp.SP_DialogOpenButton, "Open documents to summarize (Ctrl+O)")
        self.folder_action = self._action("Choose &Folder…", "folderAction", "Ctrl+Shift+O", self.file_panel.choose_folder,
                                          sp.SP_DirOpenIcon, "Show another folder in the file tree")
        self.summarize_action = self._action("&Summarize", "summarizeAction", ["Ctrl+Return", "Ctrl+Enter"],
                                             self.summarize_selected, sp.SP_MediaPlay,
                                             "Summarize the selected files, or the open digest's documents again (Ctrl+Enter)")
        self.cancel_action = self._action("&Cancel", "cancelAction", "Esc", self.cancel_current, sp.SP_BrowserStop,
                                          "Cancel the running job (Esc)")
        self.export_action = self._action("&Export…", "exportAction", QKeySequence.StandardKey.Save, self.export_dialog,
                                          sp.SP_DialogSaveButton, "Save the digest as Markdown, text, Word or PDF (Ctrl+S)")
        self.copy_action = self._action("Cop&y Digest", "copyAction", "Ctrl+Shift+C", self.copy_digest, None,
                                        "Copy the digest to the clipboard")
        self.close_digest_action = self._action("Close &Digest", "closeDigestAction", QKeySequence.StandardKey.Close,
                                                self.close_digest, None, "Close the digest; queued jobs keep running")
        self.edit_action = self._action("&Edit Digest", "editAction", "Ctrl+E", None, None, "Edit the digest's text")
        self.edit_action.setCheckable(True)
        self.edit_action.toggled.connect(self.digest_view.set_editing)
        self.models_action = self._action("&Models…", "modelsAction", "Ctrl+M", self.open_model_manager, None,
                                          "Download, import and remove models")
        self.finetune_action = self._action("&Fine-tune…", "finetuneAction", None, self.open_finetune_panel, None,
                                            "Adapt a model to your own documents and summaries")
        # Not every platform defines Preferences and Quit keys: name the usual ones as well.
        self.settings_action = self._action("Se&ttings…", "settingsAction", [QKeySequence.StandardKey.Preferences, "Ctrl+,"],
                                            self.open_settings, None, "Model store, threads, device, length and theme")
        self.quit_action = self._action("&Quit", "quitAction", [QKeySequence.StandardKey.Quit, "Ctrl+Q"], self.close, None)
        self.ask_action = self._action("&Ask About These Documents", "askAction", "Ctrl+L", self._focus_ask, None)
        self.logs_action = self._action("Open &Log Folder", "logsAction", None,
                                        lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir()))))
        self.about_action = self._action("&About Precis", "aboutAction", None, self.about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for a in (self.open_action, self.folder_action, None, self.export_action, self.copy_action, self.close_digest_action,
                  None, self.quit_action):
            file_menu.addSeparator() if a is None else file_menu.addAction(a)
        edit_menu = bar.addMenu("&Edit")
        for a in (self.copy_action, self.edit_action, None, self.settings_action):
            edit_menu.addSeparator() if a is None else edit_menu.addAction(a)
        job_menu = bar.addMenu("&Summarize")
        for a in (self.summarize_action, self.ask_action, self.cancel_action):
            job_menu.addAction(a)
        models_menu = bar.addMenu("&Models")
        models_menu.addAction(self.models_action)
        models_menu.addAction(self.finetune_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.logs_action)
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main toolbar")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addAction(self.open_action)
        bar.addSeparator()
        bar.addAction(self.summarize_action)
        bar.addAction(self.cancel_action)
        bar.addSeparator()
        self.model_picker = ModelPicker()
        self.length_combo = QComboBox()
        self.length_combo.setObjectName("lengthCombo")
        self.length_combo.setToolTip("How long the digest should be")
        for value in LENGTHS:
            self.length_combo.addItem(value.capitalize(), value)
        self.length_combo.setCurrentIndex(max(0, self.length_combo.findData(self.settings.length)))
        bar.addWidget(_caption("Model"))
        bar.addWidget(self.model_picker)
        bar.addWidget(_caption("Length"))
        bar.addWidget(self.length_combo)
        bar.addSeparator()
        bar.addAction(self.export_action)
        bar.addAction(self.copy_action)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.models_action)
        self.toolbar = bar
        self.addToolBar(bar)

    # ------------------------------------------------------------------ window state
    def window_settings(self) -> QSettings:
        return QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)

    def save_state(self) -> None:
        store = self.window_settings()
        store.setValue("geometry", self.saveGeometry())
        store.setValue("windowState", self.saveState())
        store.setValue("mainSplitter", self.splitter.saveState())
        store.setValue("leftSplitter", self.left_splitter.saveState())
        store.setValue("sideTab", self.side_tabs.currentIndex())
        store.sync()

    def restore_state(self) -> None:
        store = self.window_settings()
        for key, restore in (("geometry", self.restoreGeometry), ("windowState", self.restoreState),
                             ("mainSplitter", self.splitter.restoreState), ("leftSplitter", self.left_splitter.restoreState)):
            value = store.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                restore(value)
        tab = store.value("sideTab")
        if tab is not None:
            self.side_tabs.setCurrentIndex(int(tab))


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("toolbarCaption")
    return label

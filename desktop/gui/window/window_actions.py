"""The main window's actions (with their shortcuts), menus and toolbar, with the toolbar's model
picker, length and template choices. Built apart from ``main_window``, which says what each action does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QStyle, QToolBar, QWidget

from desktop.core import paths
from desktop.core.settings import LENGTHS
from desktop.gui.jobs.template_picker import TemplatePicker
from desktop.gui.models.model_picker import ModelPicker

if TYPE_CHECKING:
    from desktop.gui.window.main_window import MainWindow


class WindowActions:
    """The actions of ``window``, connected to its methods; ``toolbar`` holds the model picker."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        sp = QStyle.StandardPixmap
        w = window
        self.open_action = self._action("&Open…", "openAction", QKeySequence.StandardKey.Open, w.open_dialog,
                                        sp.SP_DialogOpenButton, "Open documents to summarize (Ctrl+O)")
        self.folder_action = self._action("Choose &Folder…", "folderAction", "Ctrl+Shift+O", w.file_panel.choose_folder,
                                          sp.SP_DirOpenIcon, "Show another folder in the file tree")
        self.mailbox_action = self._action("Add a &Mailbox…", "mailboxAction", None, w.add_mailbox, sp.SP_DriveNetIcon,
                                           "A Maildir, a Thunderbird profile, Apple Mail, an Outlook data file or an IMAP server")
        self.summarize_action = self._action("&Summarize", "summarizeAction", ["Ctrl+Return", "Ctrl+Enter"],
                                             w.summarize_selected, sp.SP_MediaPlay,
                                             "Summarize the selected files, or the open digest's documents again (Ctrl+Enter)")
        self.cancel_action = self._action("&Cancel", "cancelAction", "Esc", w.cancel_current, sp.SP_BrowserStop,
                                          "Cancel the running job (Esc)")
        self.export_action = self._action("&Export…", "exportAction", QKeySequence.StandardKey.Save,
                                          w.digest_actions.export_dialog, sp.SP_DialogSaveButton,
                                          "Save the digest as Markdown, text, Word or PDF (Ctrl+S)")
        self.copy_action = self._action("Cop&y Digest", "copyAction", "Ctrl+Shift+C", w.digest_actions.copy_digest, None,
                                        "Copy the digest to the clipboard")
        self.close_digest_action = self._action("Close &Digest", "closeDigestAction", QKeySequence.StandardKey.Close,
                                                w.close_digest, None, "Close the digest; queued jobs keep running")
        self.edit_action = self._action("&Edit Digest", "editAction", "Ctrl+E", None, None, "Edit the digest's text")
        self.edit_action.setCheckable(True)
        self.edit_action.toggled.connect(w.digest_view.set_editing)
        self.models_action = self._action("&Models…", "modelsAction", "Ctrl+M", w.open_model_manager, None,
                                          "Download, import and remove models")
        self.finetune_action = self._action("&Fine-tune…", "finetuneAction", None, w.open_finetune_panel, None,
                                            "Adapt a model to your own documents and summaries")
        # Not every platform defines Preferences and Quit keys: name the usual ones as well.
        self.settings_action = self._action("Se&ttings…", "settingsAction", [QKeySequence.StandardKey.Preferences, "Ctrl+,"],
                                            w.open_settings, None, "Model store, threads, device, length and theme")
        self.quit_action = self._action("&Quit", "quitAction", [QKeySequence.StandardKey.Quit, "Ctrl+Q"], w.close, None)
        self.ask_action = self._action("&Ask About These Documents", "askAction", "Ctrl+L", w.focus_ask, None)
        self.logs_action = self._action("Open &Log Folder", "logsAction", None,
                                        lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir()))))
        self.about_action = self._action("&About Precis", "aboutAction", None, w.about)
        self.watch_action = self._action("&Watch a Folder…", "watchFolderAction", None, w.watch_folder, None,
                                         "Summarize what arrives in a folder, in the background, without a click")
        self.rollup_action = self._action("&Roll-up", "rollupAction", "Ctrl+R", w.show_rollup, None,
                                          "Decisions, what you owe, what you are owed and deadlines across your digests")
        self._build_menus()
        self._build_toolbar()

    def _action(self, text: str, name: str, shortcut: Any = None, slot: Any = None, icon: QStyle.StandardPixmap | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            keys: list[QKeySequence] = []
            for s in shortcuts:
                found = QKeySequence.keyBindings(s) if isinstance(s, QKeySequence.StandardKey) else [QKeySequence(s)]
                keys += [k for k in found if not k.isEmpty() and k not in keys]
            action.setShortcuts(keys)
        if icon is not None:
            action.setIcon(self.window.style().standardIcon(icon))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if slot is not None:
            action.triggered.connect(slot)
        self.window.addAction(action)  # shortcuts work even while the menu bar is hidden
        return action

    def _build_menus(self) -> None:
        bar = self.window.menuBar()
        file_menu = bar.addMenu("&File")
        for a in (self.open_action, self.folder_action, self.mailbox_action, self.watch_action, None, self.export_action,
                  self.copy_action, self.close_digest_action, None, self.quit_action):
            file_menu.addSeparator() if a is None else file_menu.addAction(a)
        edit_menu = bar.addMenu("&Edit")
        for a in (self.copy_action, self.edit_action, None, self.settings_action):
            edit_menu.addSeparator() if a is None else edit_menu.addAction(a)
        job_menu = bar.addMenu("&Summarize")
        for a in (self.summarize_action, self.ask_action, self.cancel_action):
            job_menu.addAction(a)
        self.template_menu = job_menu.addMenu("&Template")
        self.template_menu.setObjectName("templateMenu")
        self.template_menu.aboutToShow.connect(self._fill_template_menu)
        job_menu.addSeparator()
        job_menu.addAction(self.rollup_action)
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
        self.length_combo.setCurrentIndex(max(0, self.length_combo.findData(self.window.settings.length)))
        bar.addWidget(_caption("Model"))
        bar.addWidget(self.model_picker)
        bar.addWidget(_caption("Length"))
        bar.addWidget(self.length_combo)
        self.template_picker = TemplatePicker()
        self.template_picker.refresh(self.window.settings.template)
        bar.addWidget(_caption("Template"))
        bar.addWidget(self.template_picker)
        bar.addSeparator()
        bar.addAction(self.export_action)
        bar.addAction(self.copy_action)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.models_action)
        self.toolbar = bar
        self.window.addToolBar(bar)


    def _fill_template_menu(self) -> None:
        """The toolbar picker's entries, the current one checked; picking one is picking it there."""
        menu: QMenu = self.template_menu
        menu.clear()
        group = QActionGroup(menu)
        picker = self.template_picker
        for row, (label, value, kind) in enumerate(picker.items()):
            action = menu.addAction(label)
            if kind == "template":
                action.setCheckable(True)
                action.setChecked(row == picker.currentIndex())
                group.addAction(action)
            action.triggered.connect(lambda _checked=False, r=row: picker.pick_row(r))


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("toolbarCaption")
    return label

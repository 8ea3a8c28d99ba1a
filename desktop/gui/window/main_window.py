"""The main window: files on the left (tree; queue, history, watched sources), the digest in the
centre with the Ask field above it and the roll-up beside it, the source text on the right;
toolbar, menus and status bar around them.

The window is put together from parts, each in its own module of this room: the panes
(``panes``), the actions, menus and toolbar (``window_actions``), the job the digest view follows
(``job_follower``), what happens when a job ends (``job_outcomes``), what is done with the digest
on show (``digest_actions``), the watcher and its tray (``watching``), the roll-up (``rollup_page``)
and the saved layout (``window_state``). This module wires them to
each other and to the rooms they come from: the only place the rooms meet. All model work happens
in the worker process behind the queue, so nothing here blocks the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QWidget

from desktop import __version__
from desktop.core import paths
from desktop.core.history import History
from desktop.core.mailstores.mailboxes import load_mailboxes
from desktop.core.settings import Settings, load_settings
from desktop.gui.common import messages
from desktop.gui.common.theme import apply_theme
from desktop.gui.intake.drop_filter import DropFilter
from desktop.gui.intake.formats import open_filter
from desktop.gui.intake.intake import take_in
from desktop.gui.jobs.job_queue import JobQueue
from desktop.gui.models.model_picker import EXTRACTIVE
from desktop.gui.settings.save import save_or_say
from desktop.gui.watch.watch_service import WatchService
from desktop.gui.window.digest_actions import DigestActions
from desktop.gui.window.job_follower import JobFollower
from desktop.gui.window.job_outcomes import JobOutcomes
from desktop.gui.window.panes import Panes
from desktop.gui.window.password_prompt import PasswordPrompt
from desktop.gui.window.rollup_page import RollupPage
from desktop.gui.window.watching import Watching
from desktop.gui.window.window_actions import WindowActions
from desktop.gui.window.window_state import restore_state, save_state

if TYPE_CHECKING:
    from desktop.gui.models.model_manager import ModelManagerDialog

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(self, queue: JobQueue, settings: Settings | None = None, history: History | None = None,
                 parent: QWidget | None = None, *, watch_service: WatchService | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Precis")
        self.setWindowIcon(QApplication.windowIcon())
        self.setAcceptDrops(True)
        self.queue = queue
        #: the user's settings, in memory: jobs are made from them, the file only keeps them
        self.settings = settings or load_settings()
        self.history = history or History()
        self.model_manager: ModelManagerDialog | None = None
        self.finetune_panel: QWidget | None = None
        self.settings_dialog: QWidget | None = None

        #: the watcher beside the window (its own thread and worker process); tests pass a quicker one
        self.watch_service = watch_service or WatchService(self)
        self.panes = panes = Panes(queue, self.history, self.watch_service, list(self.settings.me))
        self.setCentralWidget(panes.splitter)
        self.setStatusBar(panes.status)
        # The panes the wiring below and the parts use, by name.
        self.file_panel, self.tree, self.queue_view = panes.file_panel, panes.tree, panes.queue_view
        self.mail_panel = panes.mail_panel
        self.mail_panel.set_mailboxes(load_mailboxes(self.settings.mailboxes))
        self.history_view, self.side_tabs, self.splitter = panes.history_view, panes.side_tabs, panes.splitter
        self.banner, self.ask_field, self.ask_button = panes.banner, panes.ask_field, panes.ask_button
        self.digest_view, self.source_view, self.status = panes.digest_view, panes.source_view, panes.status
        self.source_view.ocr, self.source_view.settings = self.settings.ocr_options(), self.settings
        self.follower = JobFollower(queue, self.digest_view, self.source_view, self)
        self.outcomes = JobOutcomes(self)
        self.digest_actions = DigestActions(self)
        self.window_actions = actions = WindowActions(self)
        self.model_picker, self.length_combo = actions.model_picker, actions.length_combo
        self.template_picker = actions.template_picker
        self.open_action, self.summarize_action, self.cancel_action = (
            actions.open_action, actions.summarize_action, actions.cancel_action)
        self.export_action, self.copy_action, self.edit_action = actions.export_action, actions.copy_action, actions.edit_action
        self.close_digest_action, self.settings_action, self.quit_action = (
            actions.close_digest_action, actions.settings_action, actions.quit_action)
        self.models_action, self.finetune_action = actions.models_action, actions.finetune_action
        self._connect()
        self.rollup = RollupPage(self)
        self.watching = Watching(self, self.watch_service)
        self.drop_filter = DropFilter(self)
        self.drop_filter.dropped.connect(self.open_paths)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self.drop_filter)
        self.model_picker.refresh(self.settings)
        self.status.show_settings(self.settings, self.model_picker.current_name())
        self.update_actions()
        self.resize(1280, 800)
        restore_state(self, panes)
        for notice in self.history.notices:
            QTimer.singleShot(0, self, lambda n=notice: messages.warning(n))

    def _connect(self) -> None:
        q = self.queue
        q.job_changed.connect(lambda _id: self.update_actions())
        q.job_changed.connect(lambda _id: self.status.show_job(q.running()))
        q.job_notice.connect(lambda _id, text: self.status.showMessage(text, 8000))
        self.follower.changed.connect(self.update_actions)
        self.queue_view.job_selected.connect(self.follower.show_job)
        self.tree.summarize_requested.connect(lambda p, together: self.summarize(p, together=together))
        self.tree.root_changed.connect(self._on_tree_root)
        self.tree.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        self.mail_panel.summarize_requested.connect(lambda p, title, spec: self.summarize(p, title=title, **spec))
        self.mail_panel.mailboxes_changed.connect(self._on_mailboxes)
        self.history_view.entry_activated.connect(self.digest_actions.open_history_entry)
        self.history_view.entry_deleted.connect(self.digest_actions.on_entry_deleted)
        self.digest_view.citation_activated.connect(self.source_view.show_source)
        self.digest_view.edited.connect(self.digest_actions.on_digest_edited)
        self.digest_view.edit_button.toggled.connect(self._sync_edit_action)
        self.source_view.documents_changed.connect(self.digest_view.set_documents)
        self.ask_field.returnPressed.connect(self.ask)
        self.ask_button.clicked.connect(self.ask)
        self.ask_field.textChanged.connect(lambda _t: self.update_actions())
        self.model_picker.model_chosen.connect(self._on_model_chosen)
        self.length_combo.activated.connect(self._on_length_chosen)
        self.banner.action_clicked.connect(self.open_model_manager)
        self.banner.dismissed.connect(lambda: setattr(self.outcomes, "banner_dismissed", True))
        messages.bridge().shown.connect(self._show_message)

    # ------------------------------------------------------------------ start
    def start(self, files: list[str] | None = None, then: Callable[[], object] | None = None) -> None:
        """After ``show()``: root the tree, take in ``files`` (``precis FILE...``) or run ``then`` (a
        hand-over action, ``precis --summarize``), or greet a new user."""
        samples = paths.resource("samples")
        first_run = self.settings.tree_root is None and not self.history.list()
        root = self.settings.tree_root
        if root and Path(root).is_dir():
            self.tree.set_root(root)
        elif first_run and samples.is_dir():
            self.tree.set_root(samples)
        else:
            self.tree.set_root(Path.home())
        if then is not None:
            then()
        elif files:
            self.open_paths(files)
        elif first_run and samples.is_dir():
            sample_files = [str(p) for p in sorted(samples.iterdir()) if p.is_file()]
            self.summarize(sample_files, title="Sample documents", model=EXTRACTIVE,
                           engine=EXTRACTIVE)
        else:
            # Start the worker in the background, so the first Summarize does not wait for it.
            QTimer.singleShot(800, self, self.queue.bridge.start)

    # ------------------------------------------------------------------ files in, jobs out
    def open_paths(self, entries: list[str], *, separately: bool = False) -> str | None:
        """Every way files come in ends here (a drop, Open, start-up arguments, a hand-over): take
        them in (``intake.take_in``), queue what Precis reads as one job (``separately``: one job
        each), and name the rest in one message. Returns the (first) job's id."""
        intake = take_in([str(e) for e in entries])
        if separately:
            job_ids = [self.summarize([path]) for path in intake.accepted]
        else:
            job_ids = [self.summarize(intake.accepted)] if intake.accepted else []
        if intake.message:
            messages.info(intake.message)
        return job_ids[0] if job_ids else None

    def open_dialog(self) -> None:
        start = self.tree.root or str(Path.home())
        files, _ = QFileDialog.getOpenFileNames(self, "Open documents", start, open_filter())
        if files:
            self.open_paths(files)

    def job_overrides(self) -> dict[str, Any]:
        return {**self.model_picker.spec_overrides(), "length": self.length_combo.currentData(),
                "template": self.template_picker.current()}

    def summarize(self, paths_: list[str], *, together: bool = True, query: str | None = None, title: str | None = None,
                  **overrides: Any) -> str | None:
        if not paths_:
            return None
        spec = {**self.job_overrides(), **overrides}
        job_id = self.queue.enqueue(list(paths_), settings=self.settings, query=query, title=title, together=together,
                                    **spec)
        self.follower.follow(job_id)
        self.side_tabs.setCurrentWidget(self.queue_view)
        return job_id

    def summarize_selected(self) -> None:
        selected = self.tree.selected_paths()
        if selected:
            self.summarize(selected)
        elif self.digest_view.paths:
            self.summarize(self.digest_view.paths, query=(self.digest_view.digest.query if self.digest_view.digest else None))
        else:
            self.open_dialog()

    def ask(self) -> None:
        question = self.ask_field.text().strip()
        if not question:
            self.ask_field.setFocus()
            return
        if not self.digest_view.paths:
            messages.info("Summarize or reopen some documents first; then ask about them here.")
            return
        self.summarize(self.digest_view.paths, query=question)

    def cancel_current(self) -> None:
        job = self.queue.job(self.followed) if self.followed else None
        if job is None or job.ended:
            job = self.queue.running()
        if job is not None:
            self.queue.cancel(job.id)

    def follow(self, job_id: str) -> None:
        self.follower.follow(job_id)

    def show_job(self, job_id: str) -> None:
        self.follower.show_job(job_id)

    def close_digest(self) -> None:
        self.digest_actions.close_digest()

    @property
    def followed(self) -> str | None:
        """The job whose progress the digest view shows."""
        return self.follower.followed

    @property
    def password_prompt(self) -> PasswordPrompt | None:
        return self.outcomes.password_prompt

    def watch_folder(self) -> None:
        self.side_tabs.setCurrentWidget(self.panes.watched_view)
        self.panes.watched_view.choose_folder()

    def show_rollup(self) -> None:
        self.rollup.show()

    def _on_tree_root(self, folder: str) -> None:
        if Path(folder) == paths.resource("samples").resolve():
            return  # the samples are a first-run courtesy, not the user's choice
        if self.settings.tree_root != folder:
            self.settings.tree_root = folder
            save_or_say(self.settings)

    def add_mailbox(self) -> None:
        """File › Add a Mailbox…: the Mail tab, and its dialog."""
        self.panes.browse_tabs.setCurrentWidget(self.mail_panel)
        self.mail_panel.add_mailbox()

    def _on_mailboxes(self, entries: list[dict[str, Any]]) -> None:
        self.settings.mailboxes = entries
        save_or_say(self.settings)

    # ------------------------------------------------------------------ models and settings
    def open_model_manager(self) -> None:
        from desktop.gui.models.model_manager import ModelManagerDialog  # loaded on first use: keeps start-up lean

        if self.model_manager is None:
            dialog = ModelManagerDialog(self, settings=self.settings)
            dialog.models_changed.connect(self.refresh_models)
            self.model_manager = dialog
        _present(self.model_manager)

    def open_finetune_panel(self) -> None:
        from desktop.gui.finetune import FinetunePanel  # loaded on first use, like the model manager

        if self.finetune_panel is None:
            panel = FinetunePanel(self, settings=self.settings)
            panel.models_changed.connect(self.refresh_models)
            self.finetune_panel = panel
        _present(self.finetune_panel)

    def refresh_models(self) -> None:
        self.model_picker.refresh(self.settings)
        if self.model_picker.installed_count:
            self.banner.hide()
        self.status.show_settings(self.settings, self.model_picker.current_name())

    def open_settings(self) -> None:
        from desktop.gui.settings.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        dialog.settings_saved.connect(self.apply_settings)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog
        dialog.open()

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, settings.theme)
        self.length_combo.setCurrentIndex(max(0, self.length_combo.findData(settings.length)))
        self.source_view.ocr, self.source_view.settings = settings.ocr_options(), settings
        if self.model_manager is not None:
            self.model_manager.set_settings(settings)
        self.refresh_models()
        self.template_picker.refresh(settings.template)
        self.digest_view.refresh_style()
        self.rollup.settings_applied()
        self.watching.settings_applied()

    def _on_model_chosen(self, name: str) -> None:
        self.settings.model = name
        save_or_say(self.settings)
        self.status.show_settings(self.settings, name)
        self.watching.settings_applied()

    def _on_length_chosen(self, _index: int) -> None:
        self.settings.length = self.length_combo.currentData()
        save_or_say(self.settings)
        self.watching.settings_applied()

    # ------------------------------------------------------------------ misc
    def about(self) -> None:
        messages.info(f"Precis {__version__}\n\nSummarizes PDFs, Word files, email and meeting transcripts on your own "
                      "machine with a local FLAN-T5. Nothing leaves your computer.")

    def focus_ask(self) -> None:
        self.ask_field.setFocus()
        self.ask_field.selectAll()

    def _sync_edit_action(self, on: bool) -> None:
        if self.edit_action.isChecked() != on:
            self.edit_action.blockSignals(True)
            self.edit_action.setChecked(on)
            self.edit_action.blockSignals(False)

    def _show_message(self, level: str, text: str, details: str) -> None:
        if self.isVisible():
            messages.show_box(self, level, text, details)

    def update_actions(self) -> None:
        has_digest = self.digest_view.digest is not None
        for action in (self.export_action, self.copy_action, self.edit_action):
            action.setEnabled(has_digest)
        self.close_digest_action.setEnabled(has_digest or self.followed is not None)
        busy = any(not j.ended for j in self.queue.jobs())
        self.cancel_action.setEnabled(busy)
        self.ask_field.setEnabled(bool(self.digest_view.paths))
        self.ask_button.setEnabled(bool(self.digest_view.paths) and bool(self.ask_field.text().strip()))

    def closeEvent(self, event: QCloseEvent) -> None:
        save_state(self, self.panes)
        if self.digest_view.is_editing:
            self.digest_view.set_editing(False)  # an edit in progress reaches History before we go
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.drop_filter)
        self.mail_panel.shutdown()
        self.watching.shutdown()
        super().closeEvent(event)


def _present(dialog: QWidget) -> None:
    """Show a kept dialog again, in front."""
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()

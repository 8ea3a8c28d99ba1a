"""The main window: files on the left (tree, queue, history), the digest in the centre with the
Ask field above it, the source text on the right; toolbar, menus and status bar around them.

The window only wires views to the job queue and to History; all model work happens in the
worker process behind the queue, so nothing here blocks the event loop. Its widgets, actions and
saved layout are built in ``window_layout``; what it does with a digest (History, export, copy)
is in ``digest_actions``; this module follows jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from desktop import __version__
from desktop.core import paths
from desktop.core.digest import Digest
from desktop.core.history import History
from desktop.core.render import to_markdown
from desktop.core.settings import Settings, load_settings, save_settings
from desktop.gui.common import messages
from desktop.gui.window.digest_actions import DigestActions, digest_files
from desktop.gui.intake.drop_filter import DropFilter, split_supported, unsupported_message
from desktop.gui.jobs.job_queue import CANCELLED, DONE, FAILED, Job, JobQueue
from desktop.gui.models.model_picker import EXTRACTIVE
from desktop.gui.window.password_prompt import PasswordPrompt
from desktop.gui.common.theme import apply_theme

log = logging.getLogger(__name__)

OPEN_FILTER = ("Documents Precis reads (*.pdf *.docx *.eml *.mbox *.msg *.vtt *.srt *.json *.txt *.md *.markdown *.text *.log)"
               ";;All files (*)")
NO_MODEL_BANNER = ("No FLAN-T5 model is installed, so this digest was made by the built-in extractive engine: it quotes "
                   "the most central sentences instead of writing a summary. Get FLAN-T5 (base: about 1 GB, once) "
                   "for written summaries.")


class MainWindow(DigestActions):
    def __init__(self, queue: JobQueue, settings: Settings | None = None, history: History | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Precis")
        self.setWindowIcon(QApplication.windowIcon())
        self.setAcceptDrops(True)
        self.queue = queue
        self.settings = settings or load_settings()
        self.history = history or History()
        #: the job whose progress the digest view shows (None: a finished or reopened digest)
        self.followed: str | None = None
        #: job id -> history entry id, for finished jobs
        self.entries: dict[str, str] = {}
        self.model_manager: QWidget | None = None
        self.finetune_panel: QWidget | None = None
        self.settings_dialog: QWidget | None = None
        self.password_prompt: PasswordPrompt | None = None
        self._banner_dismissed = False

        self._build_views()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._connect()
        self.drop_filter = DropFilter(self)
        self.drop_filter.dropped.connect(self.open_paths)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self.drop_filter)
        self.model_picker.refresh(self.settings)
        self.status.show_settings(self.settings, self.model_picker.current_name())
        self._update_actions()
        self.resize(1280, 800)
        self.restore_state()
        for notice in self.history.notices:
            QTimer.singleShot(0, self, lambda n=notice: messages.warning(n))

    def _connect(self) -> None:
        q = self.queue
        q.job_changed.connect(self._on_job_changed)
        q.job_partial.connect(self._on_job_partial)
        q.job_preview.connect(self._on_job_preview)
        q.job_finished.connect(self._on_job_finished)
        q.job_notice.connect(self._on_job_notice)
        self.queue_view.job_selected.connect(self.show_job)
        self.tree.summarize_requested.connect(lambda p, together: self.summarize(p, together=together))
        self.tree.root_changed.connect(self._on_tree_root)
        self.tree.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.history_view.entry_activated.connect(self.open_history_entry)
        self.history_view.entry_deleted.connect(self._on_entry_deleted)
        self.digest_view.citation_activated.connect(self.source_view.show_source)
        self.digest_view.edited.connect(self._on_digest_edited)
        self.digest_view.edit_button.toggled.connect(self._sync_edit_action)
        self.source_view.documents_changed.connect(self.digest_view.set_documents)
        self.ask_field.returnPressed.connect(self.ask)
        self.ask_button.clicked.connect(self.ask)
        self.ask_field.textChanged.connect(lambda _t: self._update_actions())
        self.model_picker.model_chosen.connect(self._on_model_chosen)
        self.length_combo.activated.connect(self._on_length_chosen)
        self.banner.action_clicked.connect(self.open_model_manager)
        self.banner.dismissed.connect(lambda: setattr(self, "_banner_dismissed", True))
        messages.bridge().shown.connect(self._show_message)

    # ------------------------------------------------------------------ start
    def start(self, files: list[str] | None = None, then: Callable[[], object] | None = None) -> None:
        """After ``show()``: root the tree, queue ``files`` (``precis FILE...``) or run ``then`` (a
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

    # ------------------------------------------------------------------ jobs
    def job_overrides(self) -> dict[str, Any]:
        return {**self.model_picker.spec_overrides(), "length": self.length_combo.currentData()}

    def summarize(self, paths_: list[str], *, together: bool = True, query: str | None = None, title: str | None = None,
                  **overrides: Any) -> str | None:
        if not paths_:
            return None
        spec = {**self.job_overrides(), **overrides}
        job_id = self.queue.enqueue(list(paths_), query=query, title=title, together=together, **spec)
        self.follow(job_id)
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
        """Show this job in the digest view: its progress now, its digest when done."""
        job = self.queue.job(job_id)
        if job is None:
            return
        if job.state == DONE:
            self._show_job_result(job)
            return
        self.followed = job_id
        self.digest_view.begin_job(job_id, job.title, job.paths)
        if job.preview is not None:
            self.digest_view.show_preview(*job.preview)
        for text, source in job.partials:
            self.digest_view.add_partial(text, source)
        self.source_view.clear()
        if job.state in (FAILED, CANCELLED):
            self.digest_view.set_stage(job.error or job.state)
        else:
            self.digest_view.set_stage(job.stage, job.done, job.total, job.eta_s if job.eta_s >= 0 else None)
        self._update_actions()

    def show_job(self, job_id: str) -> None:
        if job_id and job_id != self.followed:
            self.follow(job_id)

    def _on_job_changed(self, job_id: str) -> None:
        if job_id == self.followed:
            job = self.queue.job(job_id)
            if job is not None and not job.ended:
                self.digest_view.set_stage(job.stage, job.done, job.total, job.eta_s if job.eta_s >= 0 else None)
        self._update_actions()

    def _on_job_preview(self, job_id: str, preview: object) -> None:
        if job_id == self.followed:
            self.digest_view.show_preview(*preview)  # type: ignore[misc]

    def _on_job_partial(self, job_id: str, text: str, source: str) -> None:
        if job_id == self.followed:
            self.digest_view.add_partial(text, source)

    def _on_job_notice(self, job_id: str, text: str) -> None:
        self.status.showMessage(text, 8000)

    def _on_job_finished(self, job_id: str) -> None:
        job = self.queue.job(job_id)
        self._update_actions()
        if job is None:
            return
        if job.state == DONE:
            self._finished(job)
        elif job.state == FAILED:
            if job.error_name == "PasswordRequired":
                self._ask_passwords(job, [(p, job.error) for p in job.paths])
            else:
                messages.error(job.error or "The job failed.")
            if job_id == self.followed:
                self.digest_view.set_stage(f"Failed: {job.error}" if job.error else "Failed")
        elif job.state == CANCELLED and job_id == self.followed:
            self.digest_view.set_stage("Cancelled")

    def _finished(self, job: Job) -> None:
        digest: Digest = job.digest()
        errors = list((job.result or {}).get("errors", []))
        protected = [(e["path"], e.get("message", "")) for e in errors if e.get("error") == "PasswordRequired"]
        other = [e for e in errors if e.get("error") != "PasswordRequired"]
        if other:
            lines = "\n".join(f"  • {e.get('message') or Path(e.get('path', '')).name}" for e in other[:12])
            more = f"\n  … and {len(other) - 12} more" if len(other) > 12 else ""
            messages.warning(f"Some files of “{job.title}” could not be read and were left out:\n{lines}{more}")
        if digest.documents and not protected:
            self._add_to_history(job, digest)
        if protected and not digest.documents and job.id == self.followed:
            self.digest_view.set_stage("Waiting for the password…")
        elif job.id == self.followed or (self.followed is None and self.digest_view.digest is None and digest.documents):
            self._show_job_result(job)
        if digest.engine == "extractive" and self.model_picker.installed_count == 0 and not self._banner_dismissed:
            self.banner.show_message(NO_MODEL_BANNER, "Get FLAN-T5…")
        self.status.show_digest(digest, self.settings)
        if protected:
            self._ask_passwords(job, protected)

    def _add_to_history(self, job: Job, digest: Digest) -> None:
        try:
            entry = self.history.add(digest, job.paths, to_markdown(digest, links=True))
        except OSError as exc:
            messages.error(f"The digest could not be saved to history: {exc}. It is still shown and can be exported.")
            return
        self.entries[job.id] = entry.id
        self.history_view.refresh()
        if self.digest_view.job_id == job.id:
            self.digest_view.entry_id = entry.id

    def _show_job_result(self, job: Job) -> None:
        digest = job.digest()
        if digest is None:
            return
        self.followed = None
        documents = job.documents()
        self.digest_view.show_digest(digest, paths=job.paths, documents=documents, entry_id=self.entries.get(job.id),
                                     job_id=job.id)
        if documents or not digest.documents:
            self.source_view.set_documents_soon(documents)
        else:
            # A job of many files lets its documents go as it summarizes them (job.KEEP_FILES) so the
            # worker's memory stays flat; the source view reads them again here, off the GUI thread.
            self.source_view.load_paths(digest_files(digest))
        self._update_actions()

    def _ask_passwords(self, job: Job, files: list[tuple[str, str]]) -> None:
        prompt = PasswordPrompt(files, self)
        self.password_prompt = prompt

        def requeue(passwords: dict[str, str]) -> None:
            self.password_prompt = None
            merged = {**job.spec.passwords, **passwords}
            self.summarize(job.paths, query=job.spec.query, title=job.title, model=job.spec.model, engine=job.spec.engine,
                           length=job.spec.length, passwords=merged)

        def give_up() -> None:
            self.password_prompt = None
            digest = job.digest()
            if digest is not None and digest.documents and job.id not in self.entries:
                self._add_to_history(job, digest)

        prompt.finished.connect(requeue)
        prompt.cancelled.connect(give_up)
        prompt.start()

    # ------------------------------------------------------------------ files
    def open_paths(self, dropped: list[str]) -> str | None:
        """Queue what Precis reads as one job; list the rest politely in one message."""
        supported, unsupported = split_supported([str(p) for p in dropped])
        job_id = self.summarize(supported) if supported else None
        if unsupported:
            messages.info(unsupported_message(unsupported, len(supported)))
        return job_id

    def open_dialog(self) -> None:
        start = self.tree.root or str(Path.home())
        files, _ = QFileDialog.getOpenFileNames(self, "Open documents", start, OPEN_FILTER)
        if files:
            self.open_paths(files)

    def _on_tree_root(self, folder: str) -> None:
        if Path(folder) == paths.resource("samples").resolve():
            return  # the samples are a first-run courtesy, not the user's choice
        if self.settings.tree_root != folder:
            self.settings.tree_root = folder
            save_settings(self.settings)

    # ------------------------------------------------------------------ models and settings
    def open_model_manager(self) -> None:
        from desktop.gui.models.model_manager import ModelManagerDialog  # loaded on first use: keeps start-up lean

        if self.model_manager is None:
            dialog = ModelManagerDialog(self)
            dialog.models_changed.connect(self.refresh_models)
            self.model_manager = dialog
        self.model_manager.show()
        self.model_manager.raise_()
        self.model_manager.activateWindow()

    def open_finetune_panel(self) -> None:
        from desktop.gui.finetune import FinetunePanel  # loaded on first use, like the model manager

        if self.finetune_panel is None:
            panel = FinetunePanel(self, settings=self.settings)
            panel.models_changed.connect(self.refresh_models)
            self.finetune_panel = panel
        self.finetune_panel.show()
        self.finetune_panel.raise_()
        self.finetune_panel.activateWindow()

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
        self.refresh_models()
        self.digest_view.refresh_style()

    def _on_model_chosen(self, name: str) -> None:
        self.settings.model = name
        save_settings(self.settings)
        self.status.show_settings(self.settings, name)

    def _on_length_chosen(self, _index: int) -> None:
        self.settings.length = self.length_combo.currentData()
        save_settings(self.settings)

    # ------------------------------------------------------------------ misc
    def about(self) -> None:
        messages.info(f"Precis {__version__}\n\nSummarizes PDFs, Word files, email and meeting transcripts on your own "
                      "machine with a local FLAN-T5. Nothing leaves your computer.")

    def _show_message(self, level: str, text: str, details: str) -> None:
        if self.isVisible():
            messages.show_box(self, level, text, details)

    def _update_actions(self) -> None:
        has_digest = self.digest_view.digest is not None
        for action in (self.export_action, self.copy_action, self.edit_action):
            action.setEnabled(has_digest)
        self.close_digest_action.setEnabled(has_digest or self.followed is not None)
        busy = any(not j.ended for j in self.queue.jobs())
        self.cancel_action.setEnabled(busy)
        self.ask_field.setEnabled(bool(self.digest_view.paths))
        self.ask_button.setEnabled(bool(self.digest_view.paths) and bool(self.ask_field.text().strip()))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self.digest_view.is_editing:
            self.digest_view.set_editing(False)  # an edit in progress reaches History before we go
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.drop_filter)
        super().closeEvent(event)

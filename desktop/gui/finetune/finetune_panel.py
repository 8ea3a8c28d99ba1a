"""The fine-tune panel: adapt a model to the user's own (document, summary) pairs.

Train tab: 1 pairs, 2 model and method, 3 training (live loss curve), 4 the evaluation card with
Keep or Discard. Adapters tab: the adapters kept, to rename, delete or export. Training runs in
its own child process (``FinetuneTask``); reading pairs runs in a thread; the window only paints.
Where fine-tuning cannot run (the bundle without torch), a notice across the top says in one
sentence what it needs (``finetune.available()``) and Train stays off; pairs and adapters still work.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import PrecisError
from desktop.core.events import Loss
from desktop.core.settings import Settings, load_settings
from desktop.gui.finetune.adapters_view import AdaptersView
from desktop.gui.finetune.evaluation_card_view import EvaluationCardView
from desktop.gui.finetune.finetune_settings_form import FinetuneSettingsForm
from desktop.gui.finetune.finetune_task import FinetuneTask
from desktop.gui.finetune.pairs_view import PairsView
from desktop.gui.finetune.training_view import TrainingView
from desktop.ml.finetune import FinetuneRequest, FinetuneResult, available, discard_result, keep_result
from desktop.ml.models.store import ModelStore

log = logging.getLogger(__name__)


class FinetunePanel(QDialog):
    """Non-modal; closing it while a run trains only hides it (the run goes on)."""

    #: an adapter was kept, renamed or deleted: the model picker should list the store again
    models_changed = Signal()
    #: the name an adapter was kept under
    adapter_kept = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, settings: Settings | None = None,
                 store_root: Path | str | None = None, preset_name: str = "standard") -> None:
        super().__init__(parent)
        self.setObjectName("finetunePanel")
        self.setWindowTitle("Fine-tune")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(1280, 840)
        self.app_settings = settings or load_settings()
        self.store = ModelStore(store_root if store_root is not None else self.app_settings.store_path())
        self.task: FinetuneTask | None = None
        #: a finished run waiting for Keep or Discard
        self.pending: FinetuneResult | None = None
        #: why fine-tuning cannot run in this installation (torch and the rest missing), or None
        self.unavailable = available()
        self.needs = self._needs_notice(self.unavailable)

        self.pairs_view = PairsView(self.store.root)
        self.form = FinetuneSettingsForm(self.store, preset_name=preset_name)
        self.training = TrainingView()
        self.card_view = EvaluationCardView()
        self.card_view.hide()
        self.adapters_view = AdaptersView(self.store)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 4, 0)
        left_layout.addWidget(self.pairs_view, 1)
        left_layout.addWidget(self.form)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.addWidget(self.training, 2)
        right_layout.addWidget(self.card_view, 3)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("finetuneSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setSizes([630, 650])

        self.tabs = QTabWidget()
        self.tabs.setObjectName("finetuneTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.splitter, "Train")
        self.tabs.addTab(self.adapters_view, "Adapters")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.needs)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

        self.form.changed.connect(self._update_state)
        self.form.base_changed.connect(lambda name: self.pairs_view.set_model(name or None))
        self.pairs_view.pairs_changed.connect(self._update_state)
        self.training.train_clicked.connect(lambda: self.train())
        self.training.resume_run_clicked.connect(lambda: self.train(resume=True))
        self.training.pause_clicked.connect(self.toggle_pause)
        self.training.cancel_clicked.connect(self.cancel)
        self.card_view.keep_clicked.connect(lambda name: self.keep(name))
        self.card_view.discard_clicked.connect(self.discard)
        self.adapters_view.adapters_changed.connect(self._on_adapters_changed)
        self.adapters_view.versions.continue_requested.connect(self.continue_training)
        self.pairs_view.set_model(self.form.base_model or None)
        self._update_state()

    @staticmethod
    def _needs_notice(sentence: str | None) -> QFrame:
        """The notice across the top (the window banner's look, by its object name) where fine-tuning cannot run."""
        frame = QFrame()
        frame.setObjectName("banner")
        label = QLabel(sentence or "")
        label.setObjectName("finetuneNeeds")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout(frame)
        row.setContentsMargins(12, 8, 12, 8)
        row.addWidget(label)
        frame.setVisible(sentence is not None)
        return frame

    # ----- state -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.task is not None and self.task.is_running()

    def train_blocker(self) -> str:
        """Why Train cannot start now, in a sentence; "" when it can."""
        if self.unavailable:
            return self.unavailable
        if self.running:
            return "A run is in progress."
        if self.pending is not None:
            return "Keep or discard the finished run first."
        if not self.form.base_model:
            return "Install a model first (Models… in the main window); it is the base the adapter learns on."
        if self.pairs_view.loading:
            return "Reading the pairs…"
        pairs = self.pairs_view.pairs
        if pairs is None:
            return "Import pairs to train on."
        if not pairs.usable:
            return "None of the pairs can be used: each one is empty, a duplicate or unreadable."
        try:
            pairs.check_tasks()  # a task with too few examples: say so before a run starts
        except PrecisError as exc:
            return exc.message
        problem = self.form.name_problem()
        if problem:
            return problem
        try:
            self.form.settings().checked()
        except PrecisError as exc:
            return exc.message
        return ""

    def _update_state(self) -> None:
        settings = self.form.settings()
        self.pairs_view.set_training_settings(settings.max_source_len, settings.max_target_len, settings.val_share,
                                              settings.seed, settings.replay)
        blocker = self.train_blocker()
        self.training.set_can_train(not blocker, blocker)
        resumable = self.form.resumable_step() if not self.running and self.pending is None else None
        resume_ok = not blocker or blocker == "Reading the pairs…"
        self.training.set_resumable(resumable, resume_ok and self.pairs_view.pairs is not None)
        busy = self.running
        self.pairs_view.setEnabled(not busy)
        self.form.setEnabled(not busy)

    # ----- training --------------------------------------------------------------------------
    def request(self, *, resume: bool = False) -> FinetuneRequest:
        settings = self.form.settings().with_overrides(threads=self.app_settings.threads,
                                                       device=self.app_settings.device)
        return FinetuneRequest(model=self.form.base_model, pairs=list(self.pairs_view.sources), out=self.form.name,
                               settings=settings, resume=resume, store_root=str(self.store.root),
                               continue_from=self.form.plan.continue_from)

    def continue_training(self, name: str) -> bool:
        """Set up the Train tab to train the next version of the kept adapter ``name`` on new pairs."""
        if self.running:
            return False
        self.form.refresh_models()
        if not self.form.plan.set_continue(name):
            return False
        self.tabs.setCurrentIndex(0)
        self._update_state()
        return True

    def train(self, *, resume: bool = False) -> bool:
        """Start a run (or continue the interrupted one of this name); False if it cannot start."""
        blocker = self.train_blocker()
        if blocker:
            self.training.set_can_train(False, blocker)
            return False
        self.card_view.hide()
        self.training.reset()
        if self.task is not None:
            self.task.deleteLater()  # the last run's, ended
        self.task = FinetuneTask(self.request(resume=resume), self)
        self.task.loss.connect(self._on_loss)
        self.task.progress.connect(self.training.on_progress)
        self.task.notice.connect(self.training.add_notice)
        self.task.paused_changed.connect(self._on_paused_changed)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.cancelled.connect(self._on_cancelled)
        self.task.ended.connect(self._on_ended)
        self.training.set_running(True)
        self.task.start()
        self._update_state()
        return True

    def toggle_pause(self) -> None:
        if not self.running or self.task is None:
            return
        if self.task.is_paused:
            self.task.resume()
            self.training.set_paused(False)
            self.training.stage.setText("Training")
        else:
            self.task.pause()
            self.training.set_paused(True)

    def pause(self) -> None:
        if self.running and self.task is not None and not self.task.is_paused:
            self.toggle_pause()

    def resume(self) -> None:
        if self.running and self.task is not None and self.task.is_paused:
            self.toggle_pause()

    def cancel(self) -> None:
        if self.running and self.task is not None:
            self.training.set_cancelling()
            self.task.cancel()

    def shutdown(self) -> None:
        """Stop a run at once (the app is quitting); its checkpoints stay for Resume."""
        if self.task is not None and self.task.is_running():
            self.task.kill()
            self.task.wait(5.0)

    def _on_loss(self, event: Loss) -> None:
        self.training.on_loss(event)

    def _on_paused_changed(self, paused: bool) -> None:
        if self.task is not None and self.task.is_paused == paused:
            self.training.set_paused(paused)

    def _on_finished(self, result: FinetuneResult) -> None:
        self.pending = result
        self.training.finish(f"Done: {result.steps} steps. See how it scores below, then keep it or discard it.",
                             complete=True)
        self.training.clear_notices()  # the card lists them
        self.card_view.set_result(result)
        self.card_view.show()

    def _on_failed(self, _name: str, sentence: str) -> None:
        self.training.finish(sentence, error=True)

    def _on_cancelled(self) -> None:
        resumable = self.form.resumable_step()
        tail = (f" The checkpoint at step {resumable[0]} is kept: Resume continues from there." if resumable else "")
        self.training.finish("Cancelled. Nothing was added to your models." + tail)

    def _on_ended(self) -> None:
        self.form.revalidate()  # a checkpoint may now be resumable
        self._update_state()

    # ----- the decision ----------------------------------------------------------------------
    def keep(self, name: str | None = None) -> Path | None:
        """Move the finished run into the store under ``name``; it then appears in the model picker."""
        result = self.pending
        if result is None:
            return None
        name = (name or "").strip() or result.name
        try:
            dest = keep_result(result, self.store, name)
        except PrecisError as exc:
            self.card_view.show_message(exc.message, error=True)
            return None
        self.pending = None
        self.card_view.set_decided(True)
        what = "model" if result.method == "full" else "adapter"
        picker = f"{name} (fine-tuned)" if result.method != "full" else name
        if result.continued_from == name:
            what = f"version {result.version} of the adapter"
        self.card_view.show_message(f"Kept as the {what} {name}: pick \u201c{picker}\u201d in the toolbar's model picker.")
        self.form.plan.set_continue(None)
        self.form.name_edit.setText("")
        self.form.refresh_models()  # a full fine-tune is a model of its own; the name gets a fresh suggestion
        self.adapters_view.refresh()
        self.adapters_view.select(name)
        self.models_changed.emit()
        self.adapter_kept.emit(name)
        self._update_state()
        return dest

    def discard(self) -> None:
        result = self.pending
        if result is None:
            return
        discard_result(result)
        self.pending = None
        self.card_view.set_decided(True)
        self.card_view.show_message("Discarded: the run and its checkpoints are deleted; nothing was added to your models.")
        self.form.revalidate()
        self._update_state()

    def _on_adapters_changed(self) -> None:
        self.form.revalidate()  # a freed or taken name
        self.models_changed.emit()

    # ----- window ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the store again: models may have been installed or removed (Models…, the CLI)."""
        if not self.running:
            self.form.refresh_models()
            self.adapters_view.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.refresh()
        super().changeEvent(event)

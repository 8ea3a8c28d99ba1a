"""Step 3 of the fine-tune panel: Train, Pause/Resume and Cancel; the stage, a progress bar, step,
loss, tokens per second and time left; and the live loss curve."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.events import Loss
from desktop.core.durations import eta
from desktop.gui.finetune.loss_chart import LossChart

STATS = (("step", "Step"), ("train", "Training loss"), ("val", "Validation loss"), ("speed", "Tokens/s"),
         ("eta", "Time left"))


class TrainingView(QGroupBox):
    train_clicked = Signal()
    resume_run_clicked = Signal()
    pause_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("3 · Train", parent)
        self.setObjectName("trainingView")
        self.running = False
        self.paused = False
        self.total_steps = 0

        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("trainButton")
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self.train_clicked)
        self.resume_run_button = QPushButton("Resume interrupted run")
        self.resume_run_button.setObjectName("resumeRunButton")
        self.resume_run_button.setToolTip("Continue the run of this name from its last checkpoint")
        self.resume_run_button.clicked.connect(self.resume_run_clicked)
        self.resume_run_button.hide()
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setToolTip("Pause training (the computer is free meanwhile); Resume goes on from there")
        self.pause_button.clicked.connect(self.pause_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelTrainingButton")
        self.cancel_button.setToolTip("Stop training; nothing is added to your models, and the last checkpoint "
                                      "stays so the run can be resumed")
        self.cancel_button.clicked.connect(self.cancel_clicked)
        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.train_button, self.resume_run_button, self.pause_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.notices = QLabel()
        self.notices.setObjectName("trainingNotices")
        self.notices.setWordWrap(True)
        self.notices.hide()
        self.stage = QLabel("Not started")
        self.stage.setObjectName("trainingStage")
        self.bar = QProgressBar()
        self.bar.setObjectName("trainingBar")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)

        self.values: dict[str, QLabel] = {}
        stats = QGridLayout()
        stats.setHorizontalSpacing(18)
        stats.setVerticalSpacing(0)
        for col, (key, title) in enumerate(STATS):
            caption = QLabel(title)
            caption.setObjectName("hint")
            value = QLabel("–")
            value.setObjectName(f"stat_{key}")
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.25)
            font.setBold(True)
            value.setFont(font)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            stats.addWidget(caption, 0, col)
            stats.addWidget(value, 1, col)
            self.values[key] = value
        stats.setColumnStretch(len(STATS), 1)

        self.chart = LossChart()
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        layout.addWidget(self.notices)
        layout.addWidget(self.stage)
        layout.addWidget(self.bar)
        layout.addLayout(stats)
        layout.addWidget(self.chart, 1)
        self.set_running(False)

    # ----- state -----------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self.running = running
        if not running:
            self.set_paused(False)
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.train_button.setVisible(not running)
        self.resume_run_button.setVisible(not running and self.resume_run_button.property("available") is True)
        self.pause_button.setVisible(running)
        self.cancel_button.setVisible(running)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setToolTip("Go on training from where it paused" if paused else
                                     "Pause training (the computer is free meanwhile); Resume goes on from there")
        if paused:
            self.stage.setText("Paused")
            self.values["eta"].setText("paused")

    def set_cancelling(self) -> None:
        self.stage.setText("Cancelling…")
        self.pause_button.setEnabled(False)
        self.cancel_button.setEnabled(False)

    def set_can_train(self, ok: bool, reason: str = "") -> None:
        self.train_button.setEnabled(ok)
        self.train_button.setToolTip(reason or "Train on the pairs with these settings")
        self.hint.setText(reason)
        self.hint.setVisible(bool(reason) and not self.running)

    def set_resumable(self, resumable: tuple[int, int] | None, ok: bool = True) -> None:
        self.resume_run_button.setProperty("available", resumable is not None)
        if resumable is not None:
            step, total = resumable
            self.resume_run_button.setText(f"Resume interrupted run (step {step} of {total})" if total else
                                           "Resume interrupted run")
        self.resume_run_button.setEnabled(ok)
        self.resume_run_button.setVisible(resumable is not None and not self.running)

    def add_notice(self, text: str) -> None:
        """Something the run wants the user to know (documents cut, pairs left out)."""
        lines = [t for t in self.notices.text().split("\n") if t]
        if text not in lines:
            self.notices.setText("\n".join([*lines, text]))
        self.notices.show()

    def clear_notices(self) -> None:
        self.notices.clear()
        self.notices.hide()

    def reset(self) -> None:
        """A new run: empty curve, no numbers."""
        self.clear_notices()
        self.stage.setStyleSheet("")
        self.chart.clear()
        self.total_steps = 0
        for value in self.values.values():
            value.setText("–")
        self.bar.setRange(0, 0)
        self.stage.setText("Starting the training process…")

    def finish(self, text: str, *, error: bool = False, complete: bool = False) -> None:
        self.set_running(False)
        self.stage.setStyleSheet("color: palette(bright-text);" if error else "")
        self.stage.setText(text)
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if complete else 0)
        self.values["eta"].setText("–")

    # ----- events ----------------------------------------------------------------------------
    def on_loss(self, event: Loss) -> None:
        if event.total_steps:
            self.total_steps = event.total_steps
            self.chart.set_total(event.total_steps)
        self.chart.add(event.step, event.train, event.val)
        total = self.total_steps
        if event.train is not None:
            self.values["step"].setText(f"{event.step} / {total}" if total else str(event.step))
            self.values["train"].setText(f"{event.train:.3f}")
            if total:
                self._bar(event.step, total)
                if not self.paused:
                    self.stage.setText(f"Training, step {event.step} of {total}")
        if event.val is not None:
            self.values["val"].setText(f"{event.val:.3f}")
        if event.tokens_per_s is not None:
            self.values["speed"].setText(f"{event.tokens_per_s:,.0f}")
        if event.eta_s is not None and not self.paused:
            self.values["eta"].setText(eta(event.eta_s) or "–")

    def on_progress(self, stage: str, done: int, total: int, _eta_s: float) -> None:
        self.stage.setStyleSheet("")
        if stage == "paused":
            self.stage.setText("Paused")
            return
        if stage.startswith("training"):
            if total > 0:
                self._bar(done, total)  # the stage text follows the Loss events, which are never held back
            elif not self.paused:
                self.stage.setText("Training")
            return
        if stage.startswith("resuming"):
            self._bar(done, total)
            self.stage.setText(stage[:1].upper() + stage[1:] + "…")
            return
        self.stage.setText(stage[:1].upper() + stage[1:] + (f" ({done} of {total})" if total > 1 else "") + "…")
        if total > 1:
            self._bar(done, total)
        elif self.bar.maximum() != 0:
            self.bar.setRange(0, 0)

    def _bar(self, done: int, total: int) -> None:
        if self.bar.maximum() != total:
            self.bar.setRange(0, total)
        self.bar.setValue(min(done, total))

"""One row of the job queue: title, labels, progress bar, stage, ETA and the row's action."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QVBoxLayout, QWidget

from desktop.core.durations import time_left
from desktop.gui.common.elided_label import ElidedLabel
from desktop.gui.jobs.job_queue import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job

#: The bar counts in thousandths, so a job of 7 steps moves as smoothly as one of 700.
BAR_MAX = 1000

_STYLE = """
QLabel#queueRowTitle { font-weight: 600; }
QLabel#queueRowLabels { border-radius: 8px; padding: 0px 7px; background: palette(midlight); }
QLabel#queueRowStage, QLabel#queueRowEta { color: palette(placeholder-text); }
QLabel#queueRowError { color: palette(bright-text); }
QProgressBar#queueRowBar { border: none; border-radius: 3px; background: palette(midlight); }
QProgressBar#queueRowBar::chunk { border-radius: 3px; background: palette(highlight); }
"""


_W = TypeVar("_W", bound=QWidget)


def _named(widget: _W, name: str) -> _W:
    widget.setObjectName(name)
    return widget


class QueueRow(QWidget):
    cancel_clicked = Signal(str)
    retry_clicked = Signal(str)
    remove_clicked = Signal(str)

    def __init__(self, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = job.id
        self.setObjectName("queueRow")
        self.setStyleSheet(_STYLE)
        self.title = _named(ElidedLabel(tip_when_elided=False), "queueRowTitle")
        self.labels = _named(QLabel(), "queueRowLabels")
        self.labels.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = _named(QProgressBar(), "queueRowBar")
        self.bar.setRange(0, BAR_MAX)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.stage = _named(ElidedLabel(), "queueRowStage")
        self.eta = _named(QLabel(), "queueRowEta")
        self.eta.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.error = _named(QLabel(), "queueRowError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.action = _named(QToolButton(), "queueRowAction")
        self.action.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.action.clicked.connect(self._on_action)
        self.remove = _named(QToolButton(), "queueRowRemove")
        self.remove.setText("Remove")
        self.remove.setToolTip("Remove this job from the queue")
        self.remove.clicked.connect(lambda: self.remove_clicked.emit(self.job_id))

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.title, 1)
        top.addWidget(self.labels)
        middle = QHBoxLayout()
        middle.setSpacing(8)
        middle.addWidget(self.bar, 1)
        middle.addWidget(self.action)
        middle.addWidget(self.remove)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addWidget(self.stage, 1)
        bottom.addWidget(self.eta)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addLayout(middle)
        layout.addLayout(bottom)
        layout.addWidget(self.error)
        self._state = ""
        self.update_from(job)

    def update_from(self, job: Job) -> bool:
        """Show ``job``; True when the row's height may have changed (the state changed)."""
        self.title.setText(job.title)
        self.title.setToolTip("\n".join(job.paths))
        labels = job.label_text()
        self.labels.setText(labels)
        self.labels.setVisible(bool(labels))
        running_unmeasured = job.state == RUNNING and job.total <= 0 and not job.cancel_requested
        if running_unmeasured:
            if self.bar.maximum() != 0:
                self.bar.setRange(0, 0)  # busy: starting up or loading the model
        else:
            if self.bar.maximum() != BAR_MAX:
                self.bar.setRange(0, BAR_MAX)
            self.bar.setValue(int(job.fraction * BAR_MAX))
        self.stage.setText(self._stage_text(job))
        self.eta.setText(time_left(job.eta_s) if job.state == RUNNING and not job.cancel_requested else "")
        changed = job.state != self._state
        if changed:
            self._state = job.state
            self._set_state(job)
        if job.state == FAILED and self.error.text() != job.error:
            self.error.setText(job.error)
            changed = True
        self.action.setEnabled(not (job.state == RUNNING and job.cancel_requested))
        return changed

    def _stage_text(self, job: Job) -> str:
        if job.state == QUEUED:
            return "waiting"
        if job.state == DONE:
            took = f" in {job.finished - job.started:.0f} s" if job.started and job.finished else ""
            return f"done{took}"
        if job.state == FAILED:
            return "failed"
        if job.state == CANCELLED:
            return "cancelled"
        return job.stage

    def _set_state(self, job: Job) -> None:
        active = job.state in (QUEUED, RUNNING)
        self.action.setVisible(job.state != DONE)
        self.action.setText("Cancel" if active else "Retry")
        self.action.setToolTip("Stop this job" if active else "Run this job again")
        self.remove.setVisible(not active)
        self.error.setVisible(job.state == FAILED)
        self.bar.setVisible(job.state != FAILED)

    def _on_action(self) -> None:
        if self._state in (QUEUED, RUNNING):
            self.cancel_clicked.emit(self.job_id)
        else:
            self.retry_clicked.emit(self.job_id)

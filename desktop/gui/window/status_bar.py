"""The status bar: the running job's stage with its time left ("standup.mp4: Transcribing 12:30 of
58:00 · about 3 min left"), and which model, backend, device and how many threads the last job used."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from desktop.core.digest import Digest
from desktop.core.settings import Settings
from desktop.core.durations import stage_text
from desktop.gui.jobs.job_queue import RUNNING, Job


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        #: the running job's stage (left of the permanent labels; a notice shown for a while covers it)
        self.job_label = QLabel()
        self.job_label.setObjectName("statusJob")
        self.addWidget(self.job_label, 1)
        self.model_label = self._label("statusModel", "Model in use")
        self.backend_label = self._label("statusBackend", "Inference backend and quantization")
        self.device_label = self._label("statusDevice", "Device")
        self.threads_label = self._label("statusThreads", "CPU threads")

    def _label(self, name: str, tip: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setToolTip(tip)
        self.addPermanentWidget(label)
        return label

    def show_settings(self, settings: Settings, model: str) -> None:
        """Before any job: what the next job will use."""
        extractive = model == "extractive"
        self.model_label.setText(f"Model: {'extractive engine' if extractive else model}")
        self.backend_label.setText("Backend: none" if extractive else f"Backend: {settings.backend} {settings.quantization}")
        self.device_label.setText(f"Device: {'cpu' if extractive else settings.device}")
        self.threads_label.setText(f"Threads: {settings.threads or os.cpu_count() or 1}")

    def show_digest(self, digest: Digest, settings: Settings) -> None:
        """After a job: what it actually used (from the digest's stats)."""
        stats = digest.stats
        if digest.engine == "extractive" or "model" not in stats:
            self.model_label.setText("Model: extractive engine")
            self.backend_label.setText("Backend: none")
            self.device_label.setText("Device: cpu")
        else:
            self.model_label.setText(f"Model: {stats.get('model')}")
            self.backend_label.setText(f"Backend: {stats.get('backend', '?')} {stats.get('quantization', '')}".rstrip())
            self.device_label.setText(f"Device: {stats.get('device', '?')}")
        threads = stats.get("threads") or settings.threads or os.cpu_count() or 1
        self.threads_label.setText(f"Threads: {threads}")

    def show_job(self, job: Job | None) -> None:
        """The running job's stage (``queue.running()``); nothing when none runs."""
        if job is None or job.state != RUNNING:
            self.job_label.setText("")
        elif job.cancel_requested:
            self.job_label.setText(f"{job.title}: cancelling…")
        else:
            eta = job.eta_s if job.eta_s >= 0 else None
            self.job_label.setText(f"{job.title}: {stage_text(job.stage, eta)}" if job.stage else job.title)

    def texts(self) -> list[str]:
        return [w.text() for w in (self.model_label, self.backend_label, self.device_label, self.threads_label)]

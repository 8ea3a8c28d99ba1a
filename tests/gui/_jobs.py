"""Helpers shared by the worker, queue and model-manager GUI tests (real processes, real files)."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
from PySide6.QtCore import QElapsedTimer, QObject, QTimer

from desktop.ml.store import ModelStore

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"
SAMPLE_FILES = [str(SAMPLES / n) for n in ("office-move-thread.eml", "product-sync-meeting.vtt", "quarterly-energy-report.md")]


def install_tiny(tiny_model_dir: Path, name: str = "tiny") -> None:
    """The tiny random T5 in this test's store (PRECIS_HOME), so jobs take the real model path."""
    store = ModelStore()
    if not store.is_installed(name):
        store.import_folder(tiny_model_dir, name)


def child_processes() -> list[psutil.Process]:
    """Live (not zombie) descendants of the test process."""
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def zombies() -> list[psutil.Process]:
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() == psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


class LoopWatch(QObject):
    """A 10 ms timer that records the longest gap between its ticks: how long the event loop
    was blocked at worst."""

    def __init__(self, interval_ms: int = 10) -> None:
        super().__init__()
        self.max_gap_ms = 0
        self.ticks = 0
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._clock.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        self.ticks += 1
        self.max_gap_ms = max(self.max_gap_ms, self._clock.restart())


def wait_until(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()

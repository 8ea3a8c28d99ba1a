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
    was blocked at worst.

    Two measures, because CI machines are shared: `max_gap_ms` is wall time (what a user sees,
    which includes time the OS gave our CPU to another process) and `max_busy_ms` is the GUI
    thread's own CPU time within one gap (work we put on the GUI thread, which is the bug this
    guards against). A gap longer than `slowest` is kept with its CPU share for the message."""

    def __init__(self, interval_ms: int = 10) -> None:
        super().__init__()
        self.max_gap_ms = 0
        self.max_busy_ms = 0.0
        self.ticks = 0
        self.slowest: tuple[int, float] = (0, 0.0)
        self._clock = QElapsedTimer()
        self._cpu = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._clock.start()
        self._cpu = time.thread_time()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        self.ticks += 1
        gap = self._clock.restart()
        now = time.thread_time()
        busy = (now - self._cpu) * 1000
        self._cpu = now
        if gap > self.max_gap_ms:
            self.slowest = (gap, busy)
        self.max_gap_ms = max(self.max_gap_ms, gap)
        self.max_busy_ms = max(self.max_busy_ms, busy)

    def assert_responsive(self) -> None:
        """No more than 80 ms of our own work on the GUI thread between two ticks, and no wall
        gap a user would call a freeze (300 ms: room for a shared CI machine's scheduler)."""
        assert self.ticks > 10, self.report()
        assert self.max_busy_ms < 80, f"the GUI thread was busy: {self.report()}"
        assert self.max_gap_ms < 300, f"the event loop was blocked: {self.report()}"

    def report(self) -> str:
        gap, busy = self.slowest
        return (f"longest gap {gap} ms ({busy:.0f} ms of it GUI-thread CPU); "
                f"most GUI-thread CPU in one gap {self.max_busy_ms:.0f} ms over {self.ticks} ticks")


def wait_until(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()

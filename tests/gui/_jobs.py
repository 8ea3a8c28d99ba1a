"""Helpers shared by the worker, queue and model-manager GUI tests (real processes, real files)."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
from PySide6.QtCore import QElapsedTimer, QObject, QTimer

from desktop.gui.app import runqueue_wait_s
from desktop.ml.models.store import ModelStore

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


def blocked_seconds(started_wall: float, started_queue: float | None) -> float:
    """Wall seconds since ``started_wall`` (perf_counter) less this thread's run-queue wait since
    ``started_queue`` (``runqueue_wait_s()``): the time the thread ran or blocked."""
    wall = time.perf_counter() - started_wall
    now = runqueue_wait_s()
    return wall - (now - started_queue if now is not None and started_queue is not None else 0.0)


class LoopWatch(QObject):
    """A 10 ms timer on the GUI thread that records the longest gap between its ticks.

    A gap is time the event loop did not get round to the timer. On a shared CI machine part of
    it can be time the kernel kept the GUI thread waiting for a CPU that other processes held,
    which no code of ours can block or cause. So the measure held to the issue's 100 ms is
    ``max_blocked_ms``: the gap less that run-queue wait (from /proc/thread-self/schedstat; where
    that is missing, the whole gap). What is left is time the thread ran our code or sat blocked
    in a call: exactly a frozen window. ``max_busy_ms`` is the GUI thread's CPU time in one gap."""

    def __init__(self, interval_ms: int = 10) -> None:
        super().__init__()
        self.max_gap_ms = 0
        self.max_blocked_ms = 0.0
        self.max_busy_ms = 0.0
        self.ticks = 0
        #: (gap, blocked, busy) of the gap with the most blocked time
        self.worst: tuple[int, float, float] = (0, 0.0, 0.0)
        self._clock = QElapsedTimer()
        self._cpu = 0.0
        self._waited: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._clock.start()
        self._cpu = time.thread_time()
        self._waited = runqueue_wait_s()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        self.ticks += 1
        gap = self._clock.restart()
        now = time.thread_time()
        busy = (now - self._cpu) * 1000
        self._cpu = now
        waited = runqueue_wait_s()
        queued = (waited - self._waited) * 1000 if waited is not None and self._waited is not None else 0.0
        self._waited = waited
        blocked = max(0.0, gap - queued)
        if blocked > self.max_blocked_ms:
            self.worst = (gap, blocked, busy)
        self.max_gap_ms = max(self.max_gap_ms, gap)
        self.max_blocked_ms = max(self.max_blocked_ms, blocked)
        self.max_busy_ms = max(self.max_busy_ms, busy)

    def assert_responsive(self) -> None:
        """The event loop was never blocked for 100 ms or more (the app issue's bound)."""
        print(self.report())  # shown with the failure, or with -s
        assert self.ticks > 10, self.report()
        assert self.max_blocked_ms < 100, f"the event loop was blocked: {self.report()}"

    def report(self) -> str:
        gap, blocked, busy = self.worst
        return (f"worst gap {gap} ms: {blocked:.0f} ms blocked (the rest waiting for a CPU), {busy:.0f} ms of it "
                f"GUI-thread CPU; longest wall gap {self.max_gap_ms} ms over {self.ticks} ticks")


def wait_until(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()

"""A one-off model task (download, import, build the quantized version) in its own child process.

Same shape as the worker bridge: progress / finished / failed / cancelled signals, and a Cancel
that kills the process if it has not stopped by itself within ``CANCEL_GRACE_MS``.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util  # noqa: F401 - registers its exit handler now, so ours (registered below) runs first
import uuid
import weakref
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.events import Notice, Progress
from desktop.gui.bridge import BUSY_POLL_MS, CANCEL_GRACE_MS
from desktop.gui.child_process import EXITED, ChildProcess, describe_exit
from desktop.ml.worker import task_main

log = logging.getLogger(__name__)

_live_tasks: weakref.WeakSet[TaskProcess] = weakref.WeakSet()

_WHAT = {"download": "The download", "import": "The import", "quantize": "Building the quantized version"}


class TaskProcess(QObject):
    """``TaskProcess("download", {"entry": entry}).start()``; see ``desktop.ml.worker.run_task``."""

    #: stage, done, total, eta in seconds (-1: unknown); total 0 means "no measure of progress"
    progress = Signal(str, int, int, float)
    notice = Signal(str)
    #: the task's result dict ({"name", "path", ...})
    finished = Signal(object)
    #: error name, sentence
    failed = Signal(str, str)
    cancelled = Signal()
    #: after finished, failed or cancelled
    ended = Signal()

    def __init__(self, kind: str, params: dict[str, Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.params = dict(params)
        self.task_id = f"{kind}-{uuid.uuid4().hex[:8]}"
        self._child: ChildProcess | None = None
        self._done = False
        self._cancel_asked = False
        self._timer = QTimer(self)
        self._timer.setInterval(BUSY_POLL_MS)
        self._timer.timeout.connect(self._drain)

    def start(self) -> None:
        if self._child is not None or self._done:
            return
        try:
            self._child = ChildProcess(task_main, (self.task_id, self.kind, self.params),
                                       name=f"precis-{self.kind}", requests=False)
            _live_tasks.add(self)
        except (OSError, RuntimeError) as exc:
            log.exception("task process could not be started")
            self._settle()
            self.failed.emit("TaskDied", f"{_WHAT.get(self.kind, 'The task')} could not be started ({exc}).")
            self.ended.emit()
            return
        self._timer.start()

    def is_running(self) -> bool:
        return self._child is not None and not self._done

    def cancel(self) -> None:
        if not self.is_running() or self._cancel_asked:
            return
        self._cancel_asked = True
        assert self._child is not None
        self._child.flag.set()
        QTimer.singleShot(CANCEL_GRACE_MS, self, self._enforce_cancel)

    def wait(self, timeout: float = 5.0) -> bool:
        """Block until the child process has exited (for app exit and tests)."""
        return self._child is None or self._child.wait(timeout)

    def kill(self) -> None:
        """Stop at once without reporting (the dialog is closing)."""
        if self._child is not None and not self._done:
            self._child.kill()
            self._settle()

    def _enforce_cancel(self) -> None:
        if self._done or self._child is None:
            return
        self._child.kill()
        self._settle()
        self.cancelled.emit()
        self.ended.emit()

    def _settle(self) -> None:
        self._done = True
        self._timer.stop()

    def _drain(self) -> None:
        child = self._child
        if child is None or self._done:
            return
        for message in child.messages():
            if self._done:
                return
            self._dispatch(message)

    def _dispatch(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "event":
            event = message[2]
            if isinstance(event, Progress):
                eta = -1.0 if event.eta_s is None else float(event.eta_s)
                self.progress.emit(event.stage, int(event.done), int(event.total), eta)
            elif isinstance(event, Notice):
                self.notice.emit(event.text)
            return
        if kind not in ("finished", "failed", "cancelled", EXITED):
            return
        self._settle()
        if kind == "finished":
            self.finished.emit(message[2])
        elif kind == "failed":
            self.failed.emit(message[2], message[3])
        elif kind == "cancelled":
            self.cancelled.emit()
        else:
            what = _WHAT.get(self.kind, "The task")
            self.failed.emit("TaskDied", f"{what} stopped unexpectedly ({describe_exit(message[1])}); try again.")
        self.ended.emit()


def _kill_all() -> None:
    """On exit, before multiprocessing's own handler would wait for a download to finish."""
    for task in list(_live_tasks):
        try:
            if task.is_running():
                task.kill()
                task.wait(2.0)
        except Exception:  # exiting anyway
            log.exception("stopping a model task at exit failed")


atexit.register(_kill_all)

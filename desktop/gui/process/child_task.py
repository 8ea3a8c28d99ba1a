"""A task in a spawned child process, as a window sees it: progress / notice / finished / failed /
cancelled / ended signals, and a Cancel that kills the child if it has not stopped by itself
within ``CANCEL_GRACE_MS``.

Model downloads and imports (``ModelTask``) and fine-tuning runs (``FinetuneTask``) are both
this; the summarizing worker has its own bridge because it runs many jobs in one process.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util  # noqa: F401 - registers its exit handler now, so ours (registered below) runs first
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.events import Event, Notice, Progress
from desktop.gui.process.child_process import ChildProcess, describe_exit
from desktop.gui.process.worker_bridge import BUSY_POLL_MS, CANCEL_GRACE_MS
from desktop.ml.protocol import FINAL, EventMessage, Exited, Failed, Message, TaskDied, WasCancelled

log = logging.getLogger(__name__)

#: Children still running, held strongly: a task whose window is gone is still stopped at exit
#: (multiprocessing would otherwise wait for it to finish before the app can quit).
_running: set[ChildProcess] = set()


class ChildTask(QObject):
    #: stage, done, total, eta in seconds (-1: unknown); total 0 means "no measure of progress"
    progress = Signal(str, int, int, float)
    notice = Signal(str)
    #: the task's result (the ``result`` of its ``protocol`` message)
    finished = Signal(object)
    #: the typed error's name (``protocol.error_kind``), sentence
    failed = Signal(str, str)
    cancelled = Signal()
    #: after finished, failed or cancelled
    ended = Signal()

    #: "The download", "Fine-tuning": how messages name the task
    what = "The task"

    def __init__(self, task_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task_id = task_id
        self._child: ChildProcess | None = None
        self._done = False
        self._cancel_asked = False
        self._timer = QTimer(self)
        self._timer.setInterval(BUSY_POLL_MS)
        self._timer.timeout.connect(self._drain)

    # ----- control ---------------------------------------------------------------------------
    def _start(self, target: Callable[..., Any], args: tuple[Any, ...], name: str) -> None:
        if self._child is not None or self._done:
            return
        try:
            self._child = ChildProcess(target, args, name=name, requests=False)
            _running.add(self._child)
        except (OSError, RuntimeError) as exc:
            log.exception("%s could not be started", name)
            self._settle()
            self.failed.emit(TaskDied.__name__, f"{self.what} could not be started ({exc}).")
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

    def kill(self) -> None:
        """Stop at once without reporting (the window or the app is closing)."""
        if self._child is not None and not self._done:
            self._child.kill()
            self._settle()

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until the child process has exited (for app exit and tests)."""
        return self._child is None or self._child.wait(timeout)

    # ----- what subclasses say -----------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        if isinstance(event, Progress):
            eta = -1.0 if event.eta_s is None else float(event.eta_s)
            self.progress.emit(event.stage, int(event.done), int(event.total), eta)
        elif isinstance(event, Notice):
            self.notice.emit(event.text)

    def _result(self, message: Message) -> Any:
        """The ``finished`` signal's value from the task's finishing message; ValueError when the
        child sent something else."""
        result = getattr(message, "result", None)
        if result is None:
            raise ValueError(f"{type(message).__name__} carries no result")
        return result

    def _died(self, how: str) -> str:
        return f"{self.what} stopped unexpectedly ({how}); try again."

    # ----- messages --------------------------------------------------------------------------
    def _enforce_cancel(self) -> None:
        if self._done or self._child is None:
            return
        log.info("%s did not stop within %d ms of Cancel: killed", self.task_id, CANCEL_GRACE_MS)
        self._child.kill()
        self._settle()
        self.cancelled.emit()
        self.ended.emit()

    def _settle(self) -> None:
        self._done = True
        self._timer.stop()
        if self._child is not None:
            _running.discard(self._child)

    def _drain(self) -> None:
        child = self._child
        if child is None or self._done:
            return
        for message in child.messages():
            if self._done:
                return
            self._dispatch(message)

    def _dispatch(self, message: Message) -> None:
        if isinstance(message, EventMessage):
            self._on_event(message.event)
            return
        if not isinstance(message, (*FINAL, Exited)):
            return
        self._settle()
        if isinstance(message, Failed):
            self.failed.emit(message.error, message.message)
        elif isinstance(message, WasCancelled) or (isinstance(message, Exited) and self._cancel_asked):
            self.cancelled.emit()
        elif isinstance(message, Exited):
            self.failed.emit(TaskDied.__name__, self._died(describe_exit(message.exitcode)))
        else:
            try:
                result = self._result(message)
            except ValueError as exc:
                log.exception("unreadable result from %s", self.task_id)
                self.failed.emit(TaskDied.__name__, f"{self.what} sent a result that could not be read ({exc}).")
            else:
                self.finished.emit(result)
        self.ended.emit()


def _kill_all() -> None:
    """On exit, before multiprocessing's own handler would wait for a task to finish."""
    for child in list(_running):
        try:
            child.kill()
            child.wait(2.0)
        except Exception:  # exiting anyway
            log.exception("stopping a child task at exit failed")


atexit.register(_kill_all)

"""One fine-tuning run in a spawned child process (``desktop.ml.finetune.process.finetune_main``),
as the panel sees it: Qt signals, Pause/Resume through a shared flag, and a Cancel that kills
the child if it has not stopped by itself within ``CANCEL_GRACE_MS``.

The child writes checkpoints atomically, so even a killed run can be resumed from the last one;
nothing reaches the model store before the user presses Keep.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing as mp
import multiprocessing.util  # registers its exit handler now, so ours (below) runs before it
import uuid
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.events import Loss, Notice, Progress
from desktop.gui.bridge import BUSY_POLL_MS, CANCEL_GRACE_MS
from desktop.gui.child_process import EXITED, ChildProcess, describe_exit
from desktop.ml.finetune import FinetuneRequest, FinetuneResult
from desktop.ml.finetune.process import finetune_main
from desktop.ml.worker import CancelFlag

log = logging.getLogger(__name__)

#: Children still training: held strongly, so a run whose panel is gone is still stopped at exit
#: (multiprocessing would otherwise wait for it to finish before the app can quit).
_running: set[ChildProcess] = set()


class FinetuneTask(QObject):
    """``FinetuneTask(request).start()``; ``pause()``, ``resume()``, ``cancel()`` act within a second."""

    #: a point of the loss curve (``desktop.core.events.Loss``)
    loss = Signal(object)
    #: stage, done, total, eta in seconds (-1: unknown)
    progress = Signal(str, int, int, float)
    notice = Signal(str)
    #: the child confirmed it is paused (True) or training again (False)
    paused_changed = Signal(bool)
    #: a ``FinetuneResult`` waiting for Keep or Discard
    finished = Signal(object)
    #: error name, sentence
    failed = Signal(str, str)
    cancelled = Signal()
    #: after finished, failed or cancelled
    ended = Signal()

    def __init__(self, request: FinetuneRequest, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.task_id = f"finetune-{uuid.uuid4().hex[:8]}"
        self.pause_flag = CancelFlag(mp.get_context("spawn"))
        self._child: ChildProcess | None = None
        self._done = False
        self._cancel_asked = False
        self._child_paused = False
        self._timer = QTimer(self)
        self._timer.setInterval(BUSY_POLL_MS)
        self._timer.timeout.connect(self._drain)

    # ----- control ---------------------------------------------------------------------------
    def start(self) -> None:
        if self._child is not None or self._done:
            return
        try:
            self._child = ChildProcess(finetune_main, (self.task_id, self.request, self.pause_flag),
                                       name="precis-finetune", requests=False)
            _running.add(self._child)
        except (OSError, RuntimeError) as exc:
            log.exception("fine-tuning process could not be started")
            self._settle()
            self.failed.emit("TaskDied", f"Fine-tuning could not be started ({exc}).")
            self.ended.emit()
            return
        self._timer.start()

    def is_running(self) -> bool:
        return self._child is not None and not self._done

    @property
    def is_paused(self) -> bool:
        return self.pause_flag.is_set()

    def pause(self) -> None:
        if self.is_running():
            self.pause_flag.set()

    def resume(self) -> None:
        self.pause_flag.clear()

    def cancel(self) -> None:
        if not self.is_running() or self._cancel_asked:
            return
        self._cancel_asked = True
        assert self._child is not None
        self._child.flag.set()
        self.pause_flag.clear()  # a paused run must wake up to see the Cancel
        QTimer.singleShot(CANCEL_GRACE_MS, self, self._enforce_cancel)

    def kill(self) -> None:
        """Stop at once without reporting (the app is closing)."""
        if self._child is not None and not self._done:
            self._child.kill()
            self._settle()

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until the child process has exited (for app exit and tests)."""
        return self._child is None or self._child.wait(timeout)

    # ----- messages --------------------------------------------------------------------------
    def _enforce_cancel(self) -> None:
        if self._done or self._child is None:
            return
        log.info("fine-tuning did not stop within %d ms of Cancel: killed", CANCEL_GRACE_MS)
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

    def _dispatch(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "event":
            self._event(message[2])
            return
        if kind not in ("finished", "failed", "cancelled", EXITED):
            return
        self._settle()
        if kind == "finished":
            try:
                result = FinetuneResult.from_dict(message[2])
            except (KeyError, TypeError, ValueError) as exc:
                log.exception("unreadable fine-tuning result")
                self.failed.emit("FinetuneError", f"The finished run sent a result that could not be read ({exc}).")
            else:
                self.finished.emit(result)
        elif kind == "failed":
            self.failed.emit(message[2], message[3])
        elif kind == "cancelled" or self._cancel_asked:
            self.cancelled.emit()
        else:
            self.failed.emit("TaskDied", f"Fine-tuning stopped unexpectedly ({describe_exit(message[1])}). "
                                         "Checkpoints written before the stop are kept: Resume continues from there.")
        self.ended.emit()

    def _event(self, event: Any) -> None:
        if isinstance(event, Loss):
            self._set_child_paused(False)
            self.loss.emit(event)
        elif isinstance(event, Progress):
            self._set_child_paused(event.stage == "paused")
            eta = -1.0 if event.eta_s is None else float(event.eta_s)
            self.progress.emit(event.stage, int(event.done), int(event.total), eta)
        elif isinstance(event, Notice):
            self.notice.emit(event.text)

    def _set_child_paused(self, paused: bool) -> None:
        if paused != self._child_paused:
            self._child_paused = paused
            self.paused_changed.emit(paused)


def _kill_all() -> None:
    """On exit, before multiprocessing's own handler would wait for the run to finish; the
    checkpoints written so far stay, so the run can be resumed next time."""
    for child in list(_running):
        try:
            child.kill()
            child.wait(2.0)
        except Exception:  # exiting anyway
            log.exception("stopping a fine-tuning run at exit failed")


atexit.register(_kill_all)

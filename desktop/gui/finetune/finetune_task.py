"""One fine-tuning run in a spawned child process (``desktop.ml.finetune.process.finetune_main``),
as the panel sees it: ``ChildTask``'s signals and Cancel, plus the loss curve and Pause/Resume
through a shared flag.

The child writes checkpoints atomically, so even a killed run can be resumed from the last one;
nothing reaches the model store before the user presses Keep.
"""

from __future__ import annotations

import multiprocessing as mp
import uuid

from PySide6.QtCore import QObject, Signal

from desktop.core.events import Event, Loss, Progress
from desktop.gui.process.child_task import ChildTask
from desktop.ml.finetune import FinetuneRequest
from desktop.ml.finetune.process import finetune_main
from desktop.ml.worker import CancelFlag


class FinetuneTask(ChildTask):
    """``FinetuneTask(request).start()``; ``pause()``, ``resume()``, ``cancel()`` act within a second.
    ``finished`` carries a ``FinetuneResult`` waiting for Keep or Discard."""

    #: a point of the loss curve (``desktop.core.events.Loss``)
    loss = Signal(object)
    #: the child confirmed it is paused (True) or training again (False)
    paused_changed = Signal(bool)

    what = "Fine-tuning"

    def __init__(self, request: FinetuneRequest, parent: QObject | None = None) -> None:
        super().__init__(f"finetune-{uuid.uuid4().hex[:8]}", parent)
        self.request = request
        self.pause_flag = CancelFlag(mp.get_context("spawn"))
        self._child_paused = False

    def start(self) -> None:
        self._start(finetune_main, (self.task_id, self.request, self.pause_flag), "precis-finetune")

    @property
    def is_paused(self) -> bool:
        return self.pause_flag.is_set()

    def pause(self) -> None:
        if self.is_running():
            self.pause_flag.set()

    def resume(self) -> None:
        self.pause_flag.clear()

    def cancel(self) -> None:
        super().cancel()
        self.pause_flag.clear()  # a paused run must wake up to see the Cancel

    def _died(self, how: str) -> str:
        return (f"Fine-tuning stopped unexpectedly ({how}). "
                "Checkpoints written before the stop are kept: Resume continues from there.")

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Loss):
            self._set_child_paused(False)
            self.loss.emit(event)
            return
        if isinstance(event, Progress):
            self._set_child_paused(event.stage == "paused")
        super()._on_event(event)

    def _set_child_paused(self, paused: bool) -> None:
        if paused != self._child_paused:
            self._child_paused = paused
            self.paused_changed.emit(paused)

"""Pause and Cancel for a training run, checked inside every forward and backward pass.

A training step on a large batch can take many seconds on a CPU; checking only between steps
would make Cancel and Pause feel broken. ``TrainingControl.install`` hooks every transformer
block, so both act within one block's work (milliseconds to a few hundred milliseconds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from desktop.core.errors import Cancelled
from desktop.core.events import CancelToken

_POLL_S = 0.05


class _Flag(Protocol):
    def is_set(self) -> bool: ...

    def set(self) -> None: ...

    def clear(self) -> None: ...


class PauseToken:
    """A pause switch; wraps any flag with ``is_set``/``set``/``clear``, so the window can pause
    a training child process through a shared flag (``desktop.ml.worker.CancelFlag``)."""

    def __init__(self, flag: _Flag | None = None) -> None:
        self._flag: _Flag = flag if flag is not None else threading.Event()

    @property
    def paused(self) -> bool:
        return self._flag.is_set()

    def pause(self) -> None:
        self._flag.set()

    def resume(self) -> None:
        self._flag.clear()


class TrainingControl:
    """Cancel token + pause switch, plus the bookkeeping of time spent paused (for tokens/s and ETA)."""

    def __init__(self, cancel: CancelToken | None = None, pause: PauseToken | None = None,
                 on_pause: Callable[[bool], None] | None = None) -> None:
        self.cancel = cancel or CancelToken()
        self.pause = pause or PauseToken()
        self.paused_seconds = 0.0
        self._on_pause = on_pause

    def checkpoint(self) -> None:
        """Raise ``Cancelled`` if Cancel was pressed; wait here while paused."""
        self.cancel.raise_if_cancelled()
        if not self.pause.paused:
            return
        started = time.monotonic()
        if self._on_pause:
            self._on_pause(True)
        try:
            while self.pause.paused:
                self.cancel.raise_if_cancelled()
                time.sleep(_POLL_S)
        finally:
            self.paused_seconds += time.monotonic() - started
        if self._on_pause:
            self._on_pause(False)
        self.cancel.raise_if_cancelled()

    def should_stop(self) -> bool:
        """For generation (``hf_generate``): stop on Cancel; a pause waits in place."""
        if not self.cancel.cancelled and self.pause.paused:
            try:
                self.checkpoint()
            except Cancelled:
                return True
        return self.cancel.cancelled

    def install(self, model: Any) -> list[Any]:
        """Hook every T5 block: the check runs before its forward pass and again when the
        gradient flows back through its output. Returns the handles (``handle.remove()``)."""
        handles = []
        for module in model.modules():
            if type(module).__name__ == "T5Block":
                handles.append(module.register_forward_pre_hook(self._before_forward))
                handles.append(module.register_forward_hook(self._after_forward))
        return handles

    def _before_forward(self, _module: Any, _args: Any) -> None:
        self.checkpoint()

    def _after_forward(self, _module: Any, _args: Any, output: Any) -> None:
        hidden = output[0] if isinstance(output, tuple) else output
        if getattr(hidden, "requires_grad", False):
            hidden.register_hook(self._during_backward)

    def _during_backward(self, grad: Any) -> Any:
        # An exception raised here leaves ``backward()`` with that exception (checked: torch 2.13).
        self.checkpoint()
        return grad

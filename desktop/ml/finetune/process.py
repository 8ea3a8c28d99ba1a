"""Fine-tuning in a spawned child process, with the worker's messages (``desktop.ml.protocol``).

The child sends typed messages over a queue (or a pipe):

    Started(task_id)
    EventMessage(task_id, Loss|Progress|Notice)
    FinetuneFinished(task_id, FinetuneResult)      then keep_result / discard_result
    Failed(task_id, error, message)
    WasCancelled(task_id)                          checkpoints stay: the run can be resumed

``finetune_main(task_id, request, pause_flag, events, cancel_flag)`` fits the GUI's
``ChildProcess(finetune_main, (task_id, request, pause_flag), requests=False)``; the flags are
``desktop.ml.worker.CancelFlag`` (one shared byte, no lock). ``FinetuneProcess`` is the same
thing without Qt, for the CLI, scripts and tests.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import time
import uuid
from collections.abc import Callable
from typing import Any

from desktop.core.errors import Cancelled, PrecisError
from desktop.core.events import CancelToken
from desktop.core.parent_watch import exit_with_parent
from desktop.ml import protocol
from desktop.ml.finetune.control import PauseToken
from desktop.ml.finetune.pipeline import FinetuneRequest
from desktop.ml.protocol import FINAL, Exited, Failed, FinetuneFinished, Message, Started, WasCancelled
from desktop.ml.worker import CancelFlag, Outbox, _setup_child, unexpected_failure


def finetune_main(task_id: str, request: FinetuneRequest, pause_flag: Any, events: Any, cancel_flag: Any) -> None:
    """Run one fine-tuning request in this (child) process and report how it ended."""
    _setup_child("finetune")
    if mp.parent_process() is not None:
        exit_with_parent()  # when the window dies, even by SIGKILL; checkpoints already written stay
    from desktop.ml.finetune.pipeline import run_finetune

    outbox = Outbox(events)
    outbox.put(Started(task_id))
    try:
        result = run_finetune(request, on_event=outbox.callback(task_id), cancel=CancelToken(cancel_flag),
                              pause=PauseToken(pause_flag))
    except Cancelled:
        outbox.put(WasCancelled(task_id))
    except PrecisError as exc:
        outbox.put(Failed.of(task_id, exc))
    except Exception as exc:  # noqa: BLE001 - the window must hear how the run ended, whatever happened
        outbox.put(Failed.of(task_id, unexpected_failure(exc, "Fine-tuning")))
    else:
        outbox.put(FinetuneFinished(task_id, result))
    finally:
        outbox.close()
        if hasattr(events, "join_thread"):  # a multiprocessing.Queue sends from a thread: flush it
            events.close()
            events.join_thread()
    if mp.parent_process() is not None:
        # Skip the interpreter's teardown (seconds with torch loaded); every message is out.
        logging.shutdown()
        os._exit(0)


class FinetuneProcess:
    """``FinetuneProcess(request).start()``, then ``messages()`` / ``wait()``, ``pause()``,
    ``resume()`` and ``cancel()`` (acts within a second; ``kill()`` if it ever does not)."""

    def __init__(self, request: FinetuneRequest, task_id: str | None = None) -> None:
        ctx = mp.get_context("spawn")
        self.task_id = task_id or f"finetune-{uuid.uuid4().hex[:8]}"
        self.cancel_flag = CancelFlag(ctx)
        self.pause_flag = CancelFlag(ctx)
        self.queue: Any = ctx.Queue()
        # Not a daemon: a daemon may not start processes, and preparing a tokenizer may need one.
        self.process = ctx.Process(target=finetune_main, name="precis-finetune", daemon=False,
                                   args=(self.task_id, request, self.pause_flag, self.queue, self.cancel_flag))
        self.outcome: Message | None = None

    def start(self) -> FinetuneProcess:
        self.process.start()
        return self

    def pause(self) -> None:
        self.pause_flag.set()

    def resume(self) -> None:
        self.pause_flag.clear()

    def cancel(self) -> None:
        self.cancel_flag.set()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)

    def messages(self, timeout: float = 0.0) -> list[Message]:
        """What has arrived; waits up to ``timeout`` for the first message."""
        raw: list[bytes] = []
        try:
            raw.append(self.queue.get(timeout=timeout) if timeout > 0 else self.queue.get_nowait())
            while True:
                raw.append(self.queue.get_nowait())
        except queue.Empty:
            pass
        out = [protocol.decode(data) for data in raw]
        for m in out:
            if isinstance(m, FINAL):
                self.outcome = m
        return out

    def wait(self, timeout: float | None = None, on_message: Callable[[Message], None] | None = None) -> Message:
        """Block until the run ends, passing each message to ``on_message``; returns the final
        message (``Exited(exitcode)`` if the child died without one)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.outcome is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("the fine-tuning process did not finish in time")
            got = self.messages(timeout=0.2)
            if not got and not self.process.is_alive():
                got = self.messages(timeout=0.5)
                if self.outcome is None:
                    self.outcome = Exited(self.process.exitcode)
            for m in got:
                if on_message is not None:
                    on_message(m)
        self.process.join(timeout=30)
        return self.outcome

"""Run one heavy, one-off job (export, conversion, adapter merge) in a spawned child process.

Why a child: the job imports torch and transformers (~300 MB that the CTranslate2 process must
never hold), can take minutes, and must stop at once when the user cancels. A spawned process
can be terminated; a thread cannot. ``spawn`` (not fork) because forking a process that already
runs ONNX Runtime or CTranslate2 thread pools can deadlock, and it is the only start method on
Windows and in a frozen app anyway.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import time
import traceback
from collections.abc import Callable
from typing import Any

from desktop.core.errors import Cancelled, EngineError
from desktop.core.parent_watch import exit_with_parent
from desktop.ml.backends.base import ShouldStop

log = logging.getLogger(__name__)

_POLL_S = 0.1


def _child_main(result: Any, target: Callable[..., None], args: tuple[Any, ...], parent_pid: int) -> None:
    exit_with_parent(parent_pid)
    try:
        target(*args)
    except BaseException as exc:  # noqa: BLE001 - report anything; the parent raises EngineError
        result.put(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    else:
        result.put(("ok", "", ""))


def run_in_child(
    target: Callable[..., None],
    *args: Any,
    what: str,
    should_stop: ShouldStop | None = None,
) -> None:
    """Run ``target(*args)`` (a module-level function) in a spawned process and wait for it.

    Raises ``Cancelled`` (after terminating the child) when ``should_stop`` fires and
    ``EngineError`` when the job fails or the child dies.
    """
    ctx = mp.get_context("spawn")
    result = ctx.Queue()
    proc = ctx.Process(target=_child_main, args=(result, target, args, os.getpid()), name=f"precis-{target.__name__}",
                       daemon=True)
    proc.start()
    outcome: tuple[str, str, str] | None = None
    try:
        while outcome is None:
            if should_stop is not None and should_stop():
                raise Cancelled()
            try:
                outcome = result.get(timeout=_POLL_S)
            except queue.Empty:
                if not proc.is_alive():
                    # It may have put its result just before exiting.
                    time.sleep(_POLL_S)
                    try:
                        outcome = result.get_nowait()
                    except queue.Empty:
                        break
        proc.join(timeout=30)
    finally:
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        result.close()
    if outcome is None:
        raise EngineError(f"{what} stopped unexpectedly (exit code {proc.exitcode}); there may not be enough memory.")
    status, message, tb = outcome
    if status != "ok":
        log.error("%s failed in a child process:\n%s", what, tb)
        raise EngineError(f"{what} failed: {message}")

"""Run batch units on N worker processes of this machine, each holding its own loaded model.

Each worker is a spawned child with its own pipe, so a worker killed mid-file (``kill -9``, the
kernel's OOM killer) cannot leave a shared queue's lock held: its pipe just closes, its process
sentinel fires, and the driver hands the unit to a fresh worker (up to ``max_attempts`` times,
then records ``WorkerCrashed``). Workers ignore Ctrl-C; the driver turns it into the shared
cancel flag, which ``run_job`` checks between batches. A worker whose driver died exits on its own.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

from desktop.core.errors import Cancelled, WorkerCrashed
from desktop.core.events import CancelToken
from desktop.core.parent_watch import exit_with_parent
from desktop.ml.batch.task import TaskSettings, UnitResult, UnitTask, run_unit

log = logging.getLogger(__name__)

#: A worker killed while holding a unit: the unit is tried this many times in all.
MAX_ATTEMPTS = 3
#: After Ctrl-C, how long workers get to notice the cancel flag before they are terminated.
CANCEL_GRACE_S = 3.0


def _worker_main(conn: Connection, settings: TaskSettings, cancel_flag: Any, parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver owns Ctrl-C and tells us via cancel_flag
    from desktop.core.memory import limit_malloc_arenas
    from desktop.ml.engine.job import EnginePool

    limit_malloc_arenas()
    if settings.nice:
        lower_priority(settings.nice)
    exit_with_parent(parent_pid, code=0, interval_s=0.5)  # the driver is gone (kill -9): nobody reads our results
    pool = EnginePool()
    cancel = CancelToken(cancel_flag)
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            conn.send(("start", task.key, os.getpid()))
            try:
                result = run_unit(task, settings, pool, cancel)
            except Cancelled:
                conn.send(("cancelled", task.key, None))
                continue
            conn.send(("result", task.key, result))
    finally:
        pool.close()


def lower_priority(nice: int) -> None:
    """Yield the CPU to the user's own work: niceness for this process (and the threads it starts
    later, which inherit it) and idle I/O priority where the platform has it."""
    try:
        os.nice(nice)
    except (AttributeError, OSError):  # Windows: a lower priority class instead
        try:
            import psutil

            psutil.Process().nice(getattr(psutil, "BELOW_NORMAL_PRIORITY_CLASS", nice))
        except Exception:  # priority is a courtesy; never a reason to fail
            log.debug("could not lower the worker's priority", exc_info=True)
    try:
        import psutil

        if hasattr(psutil, "IOPRIO_CLASS_IDLE"):
            psutil.Process().ionice(psutil.IOPRIO_CLASS_IDLE)
    except Exception:
        log.debug("could not lower the worker's I/O priority", exc_info=True)


class _Worker:
    def __init__(self, ctx: Any, settings: TaskSettings, cancel_flag: Any) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        # Not a daemon: a worker must be able to start children of its own (the first load of a
        # model converts it in a child process). The driver stops its workers itself, and a worker
        # whose driver was killed leaves on its own (_watch_parent).
        self.proc = ctx.Process(target=_worker_main, args=(child, settings, cancel_flag, os.getpid()),
                                name="precis-batch-worker", daemon=False)
        self.proc.start()
        child.close()
        self.task: UnitTask | None = None

    def stop(self, timeout: float) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(2)
        self.conn.close()


def _signal_process(pid: int | None, *, suspend: bool) -> None:
    if pid is None:
        return
    try:
        import psutil

        proc = psutil.Process(pid)
        proc.suspend() if suspend else proc.resume()
    except Exception:  # gone already: nothing to pause
        log.debug("could not %s worker %s", "pause" if suspend else "resume", pid, exc_info=True)


class LocalPool:
    """Hands units one at a time to ``workers`` processes and reports each result as it comes."""

    def __init__(self, settings: TaskSettings, workers: int, *, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.settings = settings
        self.n = max(1, workers)
        self.max_attempts = max_attempts
        self._ctx = mp.get_context("spawn")
        self._cancel_flag = self._ctx.Event()
        self._workers: list[_Worker] = []
        self._paused = False

    def run(self, tasks: list[UnitTask], on_result: Callable[[UnitResult, int], None], *,
            on_start: Callable[[str, int], None] | None = None,
            on_retry: Callable[[str, int], None] | None = None,
            cancel: CancelToken | None = None) -> bool:
        """Run every task; ``on_result(result, attempts)`` is called in this thread. Returns False
        when cancelled (Ctrl-C or ``cancel``); results that finished before are all reported."""
        pending: deque[UnitTask] = deque(tasks)
        attempts: dict[str, int] = {}
        workers = self._workers = [_Worker(self._ctx, self.settings, self._cancel_flag) for _ in range(min(self.n, len(tasks)))]
        if self._paused:
            self.pause()
        cancelled = False
        try:
            while pending or any(w.task for w in workers):
                if cancel is not None and cancel.cancelled and not cancelled:
                    cancelled = True
                    self._cancel_flag.set()
                    pending.clear()
                for i, w in enumerate(list(workers)):
                    if w.task is None and pending:
                        task = pending.popleft()
                        try:
                            w.conn.send(task)
                        except OSError:  # it died while idle (killed, out of memory): a new one takes the task
                            log.warning("batch worker %s died while idle (exit code %s)", w.proc.pid, w.proc.exitcode)
                            pending.appendleft(task)
                            w.conn.close()
                            workers[i] = _Worker(self._ctx, self.settings, self._cancel_flag)
                            continue
                        w.task = task
                        attempts[task.key] = attempts.get(task.key, 0) + 1
                if cancelled and not any(w.task for w in workers):
                    break
                try:
                    self._step(workers, pending, attempts, on_result, on_start, on_retry)
                except KeyboardInterrupt:
                    cancelled = True
                    self._cancel_flag.set()
                    pending.clear()
                    self._drain(workers, attempts, on_result)
                    break
        finally:
            self._resume_workers()  # a stopped process cannot hear that it should leave
            for w in workers:
                w.stop(CANCEL_GRACE_S if cancelled else 5.0)
            self._workers = []
        return not cancelled

    def pause(self) -> None:
        """Stop the workers where they are (SIGSTOP; Windows: suspended threads) until ``resume``:
        the user's own job gets the CPU at once, and nothing is lost or redone."""
        self._paused = True
        for w in list(self._workers):
            _signal_process(w.proc.pid, suspend=True)

    def resume(self) -> None:
        self._paused = False
        self._resume_workers()

    def _resume_workers(self) -> None:
        for w in list(self._workers):
            _signal_process(w.proc.pid, suspend=False)

    def _step(self, workers: list[_Worker], pending: deque[UnitTask], attempts: dict[str, int],
              on_result: Callable[[UnitResult, int], None], on_start: Callable[[str, int], None] | None,
              on_retry: Callable[[str, int], None] | None) -> None:
        ready = wait([w.conn for w in workers] + [w.proc.sentinel for w in workers], timeout=0.5)
        for i, w in enumerate(list(workers)):
            if w.conn in ready or w.conn.poll():
                try:
                    self._handle(w, w.conn.recv(), attempts, on_result, on_start)
                    continue
                except (EOFError, OSError):
                    pass
            if w.proc.sentinel in ready and not w.proc.is_alive():
                task, w.task = w.task, None
                log.warning("batch worker %s died (exit code %s)", w.proc.pid, w.proc.exitcode)
                w.conn.close()
                workers[i] = _Worker(self._ctx, self.settings, self._cancel_flag)
                if task is None:
                    continue
                n = attempts[task.key]
                if n < self.max_attempts:
                    if on_retry:
                        on_retry(task.key, n)
                    pending.appendleft(task)
                else:
                    on_result(UnitResult(task.key, "failed", WorkerCrashed.__name__,
                                         f"The process summarizing {task.key} died {n} times (killed, or out of "
                                         "memory); it was given up.", worker=f"pid {w.proc.pid}"), n)

    def _handle(self, w: _Worker, msg: tuple[str, str, Any], attempts: dict[str, int],
                on_result: Callable[[UnitResult, int], None], on_start: Callable[[str, int], None] | None) -> None:
        kind, key, payload = msg
        if kind == "start":
            if on_start:
                on_start(key, payload)
        elif kind == "result":
            w.task = None
            on_result(payload, attempts.get(key, 1))
        elif kind == "cancelled":
            w.task = None

    def _drain(self, workers: list[_Worker], attempts: dict[str, int],
               on_result: Callable[[UnitResult, int], None]) -> None:
        """After Ctrl-C: record what finishes within the grace period, then give up on the rest."""
        deadline = time.monotonic() + CANCEL_GRACE_S
        while any(w.task for w in workers) and time.monotonic() < deadline:
            busy = [w for w in workers if w.task]
            ready = wait([w.conn for w in busy], timeout=0.2)
            for w in busy:
                if w.conn in ready:
                    try:
                        self._handle(w, w.conn.recv(), attempts, on_result, None)
                    except (EOFError, OSError):
                        w.task = None

"""Wall and CPU seconds per stage of a job, so a benchmark can say where the time goes.

CPU time is the whole process's (every backend thread included), so ``idle core-s`` = wall x
cores - CPU shows how long cores sat waiting in each stage (a lone merge, a score call).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class StageClock:
    """Accumulates (wall, CPU) seconds per named stage; stages may repeat (every window, level)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._nested = 0.0

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - w0, time.process_time() - c0)

    def add(self, name: str, wall: float, cpu: float) -> None:
        self.wall[name] = self.wall.get(name, 0.0) + wall
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu
        self.calls[name] = self.calls.get(name, 0) + 1

    def timed(self, name: str, fn: Callable[..., T]) -> Callable[..., T]:
        """``fn`` with its time added to ``name`` (token counting inside chunking, cache calls)."""

        def wrapper(*args: object, **kwargs: object) -> T:
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - w0, time.process_time() - c0)

        return wrapper

    def iterate(self, name: str, items: Iterable[T]) -> Iterator[T]:
        """Yields ``items``, counting only the time spent producing them (reading files)."""
        it = iter(items)
        while True:
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                item = next(it)
            except StopIteration:
                self.add(name, time.perf_counter() - w0, time.process_time() - c0)
                return
            self.add(name, time.perf_counter() - w0, time.process_time() - c0)
            yield item

    def report(self, total_wall: float | None = None) -> dict[str, dict[str, float]]:
        """``{stage: {wall_s, cpu_s, idle_core_s, calls}}`` in the order stages first ran."""
        cores = _cores()
        out = {name: {"wall_s": round(w, 3), "cpu_s": round(self.cpu[name], 3),
                      "idle_core_s": round(max(0.0, w * cores - self.cpu[name]), 3), "calls": self.calls[name]}
               for name, w in self.wall.items()}
        if total_wall is not None:
            out["_total"] = {"wall_s": round(total_wall, 3), "cpu_s": 0.0, "idle_core_s": 0.0, "calls": cores}
        return out

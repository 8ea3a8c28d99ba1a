"""Progressive learning: batches whose share of the user's new pairs rises over the run.

FLAN-T5's recipe brings a new task in gradually: the first batches are mostly what the model
already does (replay answers, general instructions, earlier pairs of a continued adapter) and the
share of new pairs grows linearly to its final value (the share it has in the whole mix) over the
first ``ramp_ratio`` of the run. Every batch of any step follows from the seed alone, so a
resumed run trains on exactly the batches it would have had.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from desktop.ml.finetune.settings import FinetuneSettings


def user_share(step: int, total: int, start: float, final: float, ramp_ratio: float) -> float:
    """The planned share of new pairs in the batch of 0-based ``step``."""
    start = min(start, final)
    ramp = max(1, round(total * ramp_ratio))
    return start + (final - start) * min(1.0, step / ramp)


class ProgressiveOrder:
    """Batches of example indices for any step, drawn from two pools (new pairs, the rest).

    Each pool is drawn in passes, each pass a fresh seeded shuffle, so every example is seen
    once before any is seen twice. Same interface as ``batches.BatchOrder``."""

    def __init__(self, is_new: Sequence[bool], batch_size: int, seed: int, total_steps: int,
                 settings: FinetuneSettings) -> None:
        if not is_new:
            raise ValueError("no training examples")
        self.new = [i for i, flag in enumerate(is_new) if flag]
        self.rest = [i for i, flag in enumerate(is_new) if not flag]
        self.batch_size = max(1, min(batch_size, len(is_new)))
        self.seed = seed
        self.final = len(self.new) / len(is_new)
        self.start = settings.progressive_start
        self.ramp_ratio = settings.ramp_ratio
        self.total_steps = total_steps
        self._plan = self._build(total_steps)

    @property
    def batches_per_epoch(self) -> int:
        return -(-(len(self.new) + len(self.rest)) // self.batch_size)

    def planned_share(self, step: int) -> float:
        return user_share(step, self.total_steps, self.start, self.final, self.ramp_ratio)

    def batch(self, step: int) -> list[int]:
        return self._plan[step]

    def _build(self, total: int) -> list[list[int]]:
        draws = {"new": _Stream(self.new, self.seed, 1), "rest": _Stream(self.rest, self.seed, 2)}
        plan = []
        for step in range(total):
            n_new = round(self.batch_size * self.planned_share(step))
            if not self.rest:
                n_new = self.batch_size
            elif not self.new:
                n_new = 0
            else:  # both kinds in every batch: the ramp's first and last steps included
                n_new = min(self.batch_size - 1, max(1, n_new)) if self.batch_size > 1 else n_new
            plan.append(draws["new"].take(n_new) + draws["rest"].take(self.batch_size - n_new))
        return plan


class _Stream:
    """An endless sequence of a pool's indices: pass after pass, each pass shuffled by its seed."""

    def __init__(self, pool: list[int], seed: int, salt: int) -> None:
        self.pool = pool
        self.seed = seed * 1_000_003 + salt
        self.passes = 0
        self.buffer: list[int] = []

    def take(self, n: int) -> list[int]:
        out: list[int] = []
        while len(out) < n and self.pool:
            if not self.buffer:
                self.buffer = list(self.pool)
                random.Random(self.seed * 7919 + self.passes).shuffle(self.buffer)
                self.passes += 1
            out.append(self.buffer.pop())
        return out

"""Token ids for training and a deterministic, length-grouped batch order.

The order of every epoch follows from (seed, epoch) alone, so a resumed run finds the batch of
any step without saving the order itself.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.finetune.examples import Example

#: Examples are sorted by length inside windows of this many batches: batches with little
#: padding, yet still a different mix every epoch.
_WINDOW_BATCHES = 16


@dataclass(frozen=True, slots=True)
class Encoded:
    source: tuple[int, ...]
    target: tuple[int, ...]

    @property
    def tokens(self) -> int:
        return len(self.source) + len(self.target)


def encode(examples: Sequence[Example], counter: TokenCounter, max_source_len: int, max_target_len: int) -> list[Encoded]:
    """Ids with the EOS kept last when a sequence is cut (T5 learns where outputs end)."""
    out = []
    for src, tgt in zip(counter.encode_batch([e.source for e in examples]), counter.encode_batch([e.target for e in examples])):
        out.append(Encoded(_cut(src, max_source_len, counter.eos_id), _cut(tgt, max_target_len, counter.eos_id)))
    return out


def _cut(ids: list[int], limit: int, eos: int) -> tuple[int, ...]:
    if len(ids) <= limit:
        return tuple(ids)
    return tuple(ids[: limit - 1]) + (eos,)


class BatchOrder:
    """Batches of example indices for any step: epoch = step // batches_per_epoch."""

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int) -> None:
        if not lengths:
            raise ValueError("no training examples")
        self.lengths = list(lengths)
        self.batch_size = max(1, min(batch_size, len(lengths)))
        self.seed = seed
        self._cache: dict[int, list[list[int]]] = {}

    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def batch(self, step: int) -> list[int]:
        """The example indices of 0-based ``step``."""
        epoch, index = divmod(step, self.batches_per_epoch)
        return self.epoch(epoch)[index]

    def epoch(self, epoch: int) -> list[list[int]]:
        if epoch not in self._cache:
            self._cache = {epoch: self._plan(epoch)}  # one epoch at a time is all a run needs
        return self._cache[epoch]

    def _plan(self, epoch: int) -> list[list[int]]:
        rng = random.Random(self.seed * 1_000_003 + epoch)
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        window = self.batch_size * _WINDOW_BATCHES
        batches: list[list[int]] = []
        for start in range(0, len(order), window):
            part = sorted(order[start : start + window], key=lambda i: self.lengths[i])
            batches += [part[i : i + self.batch_size] for i in range(0, len(part), self.batch_size)]
        rng.shuffle(batches)
        return batches


def micro_batches(batch: Sequence[int], data: Sequence[Encoded], max_tokens: int) -> list[list[int]]:
    """Split a batch (sorted by length first) into slices whose padded size stays under
    ``max_tokens``; a single example is never split."""
    ordered = sorted(batch, key=lambda i: data[i].tokens)
    slices: list[list[int]] = []
    current: list[int] = []
    width_s = width_t = 0
    for i in ordered:
        ws, wt = max(width_s, len(data[i].source)), max(width_t, len(data[i].target))
        if current and (len(current) + 1) * (ws + wt) > max_tokens:
            slices.append(current)
            current, ws, wt = [], len(data[i].source), len(data[i].target)
        current.append(i)
        width_s, width_t = ws, wt
    if current:
        slices.append(current)
    return slices

"""Helpers every backend shares: length-sorted token-budget batches, thread count, memory use."""

from __future__ import annotations

import os
from collections.abc import Sequence

#: Default budget of padded input tokens in flight (batch size x longest prompt, summed over the
#: batches running at once: CTranslate2 runs two side by side on the CPU, each with half).
#: Measured with CTranslate2 int8 at flan-t5-base shape, 2 cores, 16 prompts of 500 tokens, 96
#: new tokens each, one batch at a time (prompts/s, whole-process peak RSS): 1024: 0.89, 440 MB;
#: 2048: 1.21, 535 MB; 4096: 1.29, 720-760 MB; 8192: 1.34, 1030 MB. Memory grows with the
#: budget (encoder output and cross-attention cache: budget x d_model x layers x 2 x 4 bytes,
#: ~300 MB at 4096), speed barely does past 2048 on 2 cores; 4096 keeps the process under 900 MB
#: (690-720 MB with two batches of 2048) and leaves machines with more cores bigger batches.
DEFAULT_TOKEN_BUDGET = 4096
#: Upper bound on prompts per batch whatever their length (short prompts would otherwise make
#: huge batches whose decoder state, not the input, dominates memory).
MAX_BATCH_SIZE = 32


def plan_batches(
    lengths: Sequence[int], token_budget: int = DEFAULT_TOKEN_BUDGET, max_batch_size: int = MAX_BATCH_SIZE,
    *, first_alone: bool = False,
) -> list[list[int]]:
    """Indices grouped into batches of similar length so padding is minimal.

    Sorted by length (longest first, so the first batch shows the worst-case memory at once);
    a batch grows while ``len(batch) * longest <= token_budget``. A single prompt longer than
    the budget still gets a batch of its own. ``first_alone``: prompt 0 is a batch of its own,
    planned first, so its output is back within seconds (the rest follow it in the same call,
    so a backend that runs batches side by side starts on them at once).
    """
    if first_alone and len(lengths) > 1:
        rest = plan_batches(lengths[1:], token_budget, max_batch_size)
        return [[0]] + [[i + 1 for i in batch] for batch in rest]
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        longest_if_added = max(longest, lengths[i])
        if current and (len(current) + 1 > max_batch_size or (len(current) + 1) * longest_if_added > token_budget):
            batches.append(current)
            current, longest_if_added = [], lengths[i]
        current.append(i)
        longest = longest_if_added
    if current:
        batches.append(current)
    return batches


def resolve_threads(threads: int) -> int:
    """0 means "all physical cores": hyper-threads rarely help matrix multiplication."""
    if threads and threads > 0:
        return threads
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
    except ImportError:  # pragma: no cover - psutil is a dependency
        physical = None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    # A container or `taskset` may allow fewer CPUs than the machine has.
    return max(1, min(physical or usable or 1, usable or 1))


def process_rss_mb() -> float | None:
    """Resident memory of this process in MB (what the user sees in the task manager)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / (1024 * 1024)
    except Exception:  # noqa: BLE001 - memory is informative only; never fail a job over it
        return None

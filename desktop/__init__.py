"""Precis: summarize documents on your own machine with a local FLAN-T5."""

import os as _os

__version__ = "0.1.0"

# OpenMP threads (torch's CPU kernels) that finish their share early sleep instead of spinning.
# Spinning waiters keep the cores busy while their partner thread waits for one, so whenever
# another program uses a core, every parallel op stalls: torch int8 at flan-t5-base size fell
# from ~1.5 to 0.14-0.3 chunks/s on 2 cores with one busy program beside it, and stayed at
# 0.8-1.5 with this setting (benchmarks/README.md). It only takes effect if set before torch
# loads its OpenMP runtime, hence here, the first module any Precis process imports. A value
# the user set is kept.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# glibc allocator settings (an arena cap, for flat memory over long jobs): before any thread
# starts, and in the environment of every process Precis starts. See desktop/core/memory.py.
from desktop.core.memory import limit_malloc_arenas as _limit_malloc_arenas

_limit_malloc_arenas()

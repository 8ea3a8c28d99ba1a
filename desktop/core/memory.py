"""Keep a long-running Precis process's memory where its data is: glibc allocator settings.

Two measured problems (tests/reliability/test_soak.py, 100 documents with the tiny model):

* glibc gives each thread that allocates its own heap ("arena"), up to 8 per core. Model work
  allocates on the backend's worker threads, and which arena holds what depends on thread
  timing, so a job's peak memory varied from run to run: usually +4% over its first 50
  documents, once in about eight runs +16% (197 MB against 170 MB). Capped at 2 arenas the same
  job ran at 117-119 MB instead of about 161 MB, and its peak was flat (-0.4%) in every run.
* Freed memory stays in those heaps, fragmented, after a large PDF; ``malloc_trim`` returns it.

Both are glibc features; on other C libraries these functions do nothing.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys

#: glibc's mallopt parameter for the arena cap (malloc.h: M_ARENA_MAX).
_M_ARENA_MAX = -8
ARENAS = 2


def _load_libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _load_libc()


def limit_malloc_arenas() -> None:
    """Cap glibc's arenas for this process (call before threads start) and for the processes it
    starts (through the environment, which glibc reads at start-up). A value the user set wins."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return  # glibc already applied the user's own value when this process started
    os.environ["MALLOC_ARENA_MAX"] = str(ARENAS)
    if _LIBC is not None:
        _LIBC.mallopt(_M_ARENA_MAX, ARENAS)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (benchmarks, reliability probes).

    On Linux the kernel's ``VmHWM``: ``ru_maxrss`` survives ``exec``, so a child of a large parent
    would report the parent's peak (https://man7.org/linux/man-pages/man2/getrusage.2.html).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def release_memory() -> None:
    """Give freed memory back to the operating system (between the documents of a job)."""
    gc.collect()
    trim_heap()


def trim_heap() -> None:
    """Hand the C heap's free pages back (no garbage collection: a few milliseconds). Between the
    stages of a model job, whose buffers (CTranslate2's) are C++ allocations of other shapes."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)

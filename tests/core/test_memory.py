"""The allocator settings every Precis process starts with (the soak test measures their effect)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.memory import release_memory

REPO = Path(__file__).resolve().parents[2]


def _arena_setting(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    if env_value is not None:
        env["MALLOC_ARENA_MAX"] = env_value
    code = "import os, desktop, subprocess, sys; print(subprocess.run([sys.executable, '-c', " \
           "'import os; print(os.environ.get(\"MALLOC_ARENA_MAX\"))'], capture_output=True, text=True).stdout.strip())"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a glibc setting")
def test_processes_precis_starts_cap_malloc_arenas() -> None:
    assert _arena_setting(None) == "2"


def test_a_users_own_setting_wins() -> None:
    assert _arena_setting("4") == "4"


def test_peak_rss_counts_this_process_not_its_parent() -> None:
    # A child of this (large) test process starts small: VmHWM is its own, ru_maxrss would not be.
    code = ("from desktop.core.memory import peak_rss_mb; a = peak_rss_mb(); "
            "block = bytearray(200 * 2**20); block[::4096] = b'x' * len(block[::4096]); print(a, peak_rss_mb())")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    before, after = (float(x) for x in done.stdout.split())
    assert after - before > 150  # the 200 MB it touched
    release_memory()  # and giving memory back is safe to call at any time

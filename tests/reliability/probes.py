"""Measuring instruments for the reliability tests: child-process RSS, file writes, folder trees."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
#: The memory bound every case must keep (the issue: about 1 GiB).
MEMORY_BOUND_MB = 1024


def time_bound_s(size_bytes: int, ocr_pages: int = 0) -> float:
    """A few seconds per MB, plus a constant for start-up and a loaded 2-core CI runner, plus a few
    seconds per page recognized by OCR (a mutation can leave a PDF's fonts undecodable, and then
    every page is recognized instead: about a second a page on an idle 2-core machine)."""
    return 8.0 + 4.0 * size_bytes / 2**20 + 3.0 * ocr_pages


@dataclass
class Finished:
    rc: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def run_measured(cmd: Sequence[str], *, timeout: float, cwd: Path | None = None, env: dict[str, str] | None = None,
                 stdin: bytes | None = None) -> Finished:
    """Run ``cmd``, sampling the RSS of it and its children every 20 ms; kill it at ``timeout``."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        try:
            ps = psutil.Process(proc.pid)
            while not done.wait(0.02):
                peak[0] = max(peak[0], _tree_rss(ps))
        except psutil.NoSuchProcess:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        done.set()
        raise AssertionError(f"{' '.join(cmd[:4])}... did not finish within {timeout:.0f} s; stderr: {err[-2000:]!r}")
    finally:
        done.set()
        sampler.join(1)
    return Finished(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                    time.monotonic() - started, peak[0] / 2**20)


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for a child Precis: its own PRECIS_HOME and TMPDIR, the repo importable."""
    env = dict(os.environ)
    env.update(PRECIS_HOME=str(home), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""))
    env.update(extra)
    return env


def cli(args: Sequence[str]) -> list[str]:
    """The real ``precis-cli`` entry point of this venv, else ``python -m desktop.cli``."""
    script = Path(PYTHON).with_name("precis-cli")
    return [str(script), *args] if script.is_file() else [PYTHON, "-m", "desktop.cli", *args]


# ----- the filesystem --------------------------------------------------------------------
def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (relative path -> size, mtime in ns), links not followed."""
    out: dict[str, tuple[int, int]] = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            try:
                st = p.lstat()
            except OSError:
                continue
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


_AUDIT: list[list[str]] = []
_HOOKED = False


def _audit(event: str, args: tuple) -> None:
    if not _AUDIT or event != "open":
        return
    path, mode, flags = (list(args) + [None, None, None])[:3]
    writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
        isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
    if writing and isinstance(path, (str, bytes, os.PathLike)):
        _AUDIT[-1].append(os.fsdecode(path))


@contextmanager
def file_writes() -> Iterator[list[str]]:
    """Every path this process opens for writing while the block runs (PEP 578 audit hook on
    ``open``: the io module and os.open both raise it, so any Python code writing a file shows)."""
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_audit)
        _HOOKED = True
    record: list[str] = []
    _AUDIT.append(record)
    try:
        yield record
    finally:
        _AUDIT.remove(record)

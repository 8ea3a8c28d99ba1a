"""Proof that reading a store changes nothing: every file's bytes and times before and after, and
a PEP 578 audit hook that fails the test if anything is opened for writing while it reads."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

_WATCHING: list[tuple[str, list[str]]] = []


def _hook(event: str, args: tuple) -> None:
    if event != "open" or not _WATCHING:
        return
    path, mode = args[0], args[1]
    flags = args[2] if len(args) > 2 else 0
    writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
        isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND))
    if not writing or not isinstance(path, str | bytes | os.PathLike):
        return
    text = os.fsdecode(path)
    for root, seen in _WATCHING:
        if text.startswith(root):
            seen.append(f"{text} ({mode!r}, {flags})")


sys.addaudithook(_hook)


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[str(path.relative_to(root))] = (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns)
        else:
            out[str(path.relative_to(root)) + "/"] = ("dir", 0)
    return out


@contextlib.contextmanager
def nothing_written(root: Path) -> Iterator[None]:
    """Fail if a file under ``root`` is opened for writing, created, changed or removed."""
    before = snapshot(root)
    seen: list[str] = []
    _WATCHING.append((str(root), seen))
    try:
        yield
    finally:
        _WATCHING.remove((str(root), seen))
    assert not seen, f"opened for writing: {seen}"
    assert snapshot(root) == before

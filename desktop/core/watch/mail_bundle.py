"""A folder's new messages as one mbox file: what a watched mailbox hands the worker to summarize
(one digest citing each message, by number, sender and date) and what History keeps as the
digest's source, so a digest reopened later shows the very messages it cites, offline. Which
bundles may go is the watcher's call (``ml/watch/prune.py``); here they are listed and removed."""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

from desktop.core.atomic import atomic_write_bytes
from desktop.core.watch.mail_marks import private_dir, slug

#: At most this many messages, or bytes, in one digest; more (after a long time away) are split.
MAX_MESSAGES = 100
MAX_BYTES = 32 * 1024 * 1024
_ESCAPE = re.compile(rb"^(>*From )", re.MULTILINE)
_FILE_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def mbox_bytes(messages: list[bytes]) -> bytes:
    """mboxrd: each message behind a "From " line, its own "From " lines escaped with '>'."""
    stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime()).encode("ascii")
    out: list[bytes] = []
    for data in messages:
        if data.startswith(b"From "):  # a delivery's own separator line: replaced by ours
            data = data.split(b"\n", 1)[1] if b"\n" in data else b""
        body = _ESCAPE.sub(rb">\1", data)
        if not body.endswith(b"\n"):
            body += b"\n"
        out.append(b"From precis-watch " + stamp + b"\n" + body + b"\n")
    return b"".join(out)


def chunks(sizes: list[int]) -> list[slice]:
    """Consecutive runs of at most MAX_MESSAGES messages and MAX_BYTES bytes (one message more
    than MAX_BYTES is a run of its own)."""
    out: list[slice] = []
    start, total = 0, 0
    for i, size in enumerate(sizes):
        if i > start and (i - start >= MAX_MESSAGES or total + size > MAX_BYTES):
            out.append(slice(start, i))
            start, total = i, 0
        total += size
    if start < len(sizes):
        out.append(slice(start, len(sizes)))
    return out


def write_bundle(root: Path, folder: str, messages: list[bytes]) -> Path:
    """The messages as ``ROOT/<folder>/<date time> <folder name>, N new.mbox``, written atomically
    into an owner-only folder."""
    where = private_dir(root / slug(folder or "top"))
    leaf = _FILE_UNSAFE.sub("_", folder.rsplit("/", 1)[-1] or "mail").strip(" .")[:60] or "mail"
    n = len(messages)
    name = f"{time.strftime('%Y-%m-%d %H%M%S')} {leaf}, {n} new"
    path = where / f"{name}.mbox"
    k = 2
    while path.exists():  # two bundles of one folder in one second (a split, or a quick second poll)
        path = where / f"{name} ({k}).mbox"
        k += 1
    atomic_write_bytes(path, mbox_bytes(messages))
    return path


def bundle_files(root: Path) -> list[Path]:
    """Every bundle under a mailbox's ``new`` folder."""
    try:
        return sorted(p for p in root.glob("*/*.mbox") if p.is_file())
    except OSError:
        return []


def remove_bundle(path: Path) -> None:
    """Delete a bundle, and its folder's directory once it is empty."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        os.rmdir(path.parent)  # fails while other bundles are there: that is the test

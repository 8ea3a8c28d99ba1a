"""Which of a watched mailbox's bundles (a folder's new mail set aside as one mbox file to
summarize: ``core/watch/mail_bundle.py``) may go, decided from the manifest and History.

A bundle is the source History keeps for its digest (reopened, its citations open the very
messages), so one that a History entry names always stays. A bundle no manifest row names was set
aside but never recorded (a crash, a stop mid-summary): its messages are listed and bundled again,
so after ``ORPHAN_S`` it goes. A bundle whose digest is done and whose History entry the user
deleted goes; with History off (``precis-cli watch --no-history``) the digest is in the output
folder and the bundle goes after ``KEEP_S``, as does one whose digest failed (kept that long
to look into). A bundle still to be summarized (``busy``) never goes. Nothing a user has not got
is lost: the mail itself stays in the mailbox, untouched."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path

from desktop.core.history import History
from desktop.core.watch.mail_bundle import bundle_files, remove_bundle
from desktop.core.watch.sources import WatchSource
from desktop.ml.batch.manifest import Manifest

log = logging.getLogger(__name__)

#: Seconds an unrecorded bundle is left alone (it may be about to be summarized).
ORPHAN_S = 600.0
#: Seconds a bundle is kept when no History entry needs it: a failed digest's, or with History off.
KEEP_S = 30 * 86400.0
#: Seconds between prunings while watching.
PRUNE_S = 3600.0


def prune_bundles(sources: Iterable[WatchSource], manifest: Manifest, history: History | None, busy: set[str],
                  now: float | None = None) -> list[Path]:
    """Remove the bundles that may go; returns them."""
    now = time.time() if now is None else now
    roots = [r for r in (getattr(s, "bundle_dir", None) for s in sources) if isinstance(r, Path)]
    if not roots:
        return []
    statuses: dict[str, set[str]] = {}
    for row in manifest.rows.values():
        for source in row.sources:
            statuses.setdefault(source, set()).add(row.status)
    kept = {p for entry in history.list() for p in entry.paths} if history is not None else set()
    removed: list[Path] = []
    for root in roots:
        for path in bundle_files(root):
            name = str(path)
            if name in busy or name in kept:
                continue
            try:
                age = now - path.stat().st_mtime
            except OSError:
                continue
            status = statuses.get(name)
            if status is None:
                gone = age > ORPHAN_S
            elif status == {"done"}:
                gone = history is not None or age > KEEP_S
            else:
                gone = age > KEEP_S
            if gone:
                try:
                    remove_bundle(path)
                    removed.append(path)
                except OSError as exc:
                    log.warning("a watched mailbox's bundle %s could not be removed: %s", path, exc)
    return removed

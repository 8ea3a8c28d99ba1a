"""What a roll-up is made from and the making of it, off the GUI thread: the chosen History
entries' digest files are read (History's own ``load``, which reads only the entry's file), rolled
up by ``core/rollup`` and shaped by the roll-up template. No document is read and no model runs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from desktop.core.errors import PrecisError
from desktop.core.history import History, HistoryEntry
from desktop.core.prompting.templates import load_template
from desktop.core.rollup.build import Rolled, Rollup, build_rollup, shape_rollup
from desktop.core.rollup.people import Me

#: Which digests: everything in History, the watched folders', one folder's, or chosen entries.
ALL, WATCHED, FOLDER, CHOSEN = "all", "watched", "folder", "chosen"


@dataclass(slots=True)
class RollupRequest:
    #: Only its ``load`` runs on the builder's thread: it reads the entry's file, not the index.
    history: History
    #: (entry id, when it was made) of the digests to roll up.
    entries: list[tuple[str, float]]
    me: list[str]
    since: date | None = None
    until: date | None = None
    template: str = "rollup"


@dataclass(slots=True)
class Built:
    rollup: Rollup | None
    problem: str = ""
    seconds: float = 0.0
    #: Entries whose files could not be read (deleted meanwhile, damaged).
    skipped: int = 0


def under(path: str, folder: str) -> bool:
    try:
        return Path(path).resolve().is_relative_to(Path(folder).expanduser().resolve())
    except (OSError, ValueError):
        return False


def choose_entries(entries: list[HistoryEntry], kind: str, folders: list[str], chosen: set[str]) -> list[HistoryEntry]:
    """The History entries a source choice names (``folders``: the watched ones, or the one chosen)."""
    if kind == CHOSEN:
        return [e for e in entries if e.id in chosen]
    if kind in (WATCHED, FOLDER):
        return [e for e in entries if any(under(p, f) for p in e.paths for f in folders)]
    return list(entries)


def build(request: RollupRequest) -> Built:
    started = time.perf_counter()
    try:
        template = load_template(request.template)
    except PrecisError as exc:
        return Built(None, exc.message)
    rolled: list[Rolled] = []
    skipped = 0
    for entry_id, created in request.entries:
        try:
            digest, _ = request.history.load(entry_id)
        except (OSError, ValueError, KeyError, TypeError):
            skipped += 1
            continue
        rolled.append(Rolled(digest, datetime.fromtimestamp(created).date()))
    rollup = shape_rollup(build_rollup(rolled, Me.parse(request.me), request.since, request.until), template)
    return Built(rollup, seconds=time.perf_counter() - started, skipped=skipped)

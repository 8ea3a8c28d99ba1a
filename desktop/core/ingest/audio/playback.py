"""Where a time citation plays: the recording and the moment, for the window's player (Qt-free).

A cited point of a recording's digest carries the recording's path and a locator with start
and end seconds; so does a point of a caption file (``meeting.vtt``) whose recording sits beside
it. ``playback_target`` turns either into the file to play and where to start. The window plays
it in its own player (Qt Multimedia); ``player_command`` is the fallback, a system player that
can start at a time, when that module is not there.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.document import Locator
from desktop.core.ingest.audio.sniff import RECORDING_EXTENSIONS, SIDECAR_SUFFIXES, recording_kind

#: Playback starts this much before the cited moment, so the first word is heard whole.
LEAD_IN_S = 1.0


@dataclass(frozen=True, slots=True)
class PlaybackTarget:
    """Play ``path`` from ``start`` seconds; the citation ends at ``end`` (None: open-ended)."""

    path: Path
    start: float
    end: float | None
    cited_start: float


def recording_for(path: Path | str) -> Path | None:
    """The recording behind a cited document: the file itself when it is one, or for a caption
    file the recording beside it with the same name (any letter case)."""
    path = Path(path)
    if _is_recording(path):
        return path
    if path.suffix.lower() not in SIDECAR_SUFFIXES:
        return None
    try:
        siblings = sorted(path.parent.iterdir())
    except OSError:
        return None
    stem = path.stem.casefold()
    for sibling in siblings:
        if sibling.stem.casefold() == stem and sibling.suffix.lower() in RECORDING_EXTENSIONS and _is_recording(sibling):
            return sibling
    return None


def playback_target(path: Path | str, locator: Locator | dict[str, Any]) -> PlaybackTarget | None:
    """What to play for a citation of ``path`` at ``locator``; None when it has no time or no sound."""
    loc = Locator.from_dict(locator) if isinstance(locator, dict) else locator
    if loc.start is None:
        return None
    recording = recording_for(path)
    if recording is None:
        return None
    return PlaybackTarget(recording, max(0.0, loc.start - LEAD_IN_S), loc.end, loc.start)


def player_command(target: PlaybackTarget) -> list[str] | None:
    """A command that plays ``target`` from its start in a system player that can seek (mpv, VLC,
    ffplay), or None when none is installed: then open the file with the system's default player,
    which starts at the beginning."""
    start = f"{target.start:.2f}"
    candidates = [
        ("mpv", [f"--start={start}", "--force-window=yes"]),
        ("vlc", [f"--start-time={start}"]),
        ("ffplay", ["-ss", start, "-autoexit"]),
    ]
    if sys.platform == "win32":
        candidates.insert(1, ("vlc.exe", [f"--start-time={start}"]))
    for program, args in candidates:
        found = shutil.which(program)
        if found:
            return [found, *args, str(target.path)]
    return None


def _is_recording(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return recording_kind(fh.read(4096)) is not None
    except OSError:
        return False

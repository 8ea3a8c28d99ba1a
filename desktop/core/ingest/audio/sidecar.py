"""Speaker names for a recording from the captions beside it (``meeting.vtt`` next to
``meeting.mp4``, as Teams and Zoom export them), matched to Whisper's segments by time.

Whisper writes words, not who said them. A meeting tool's caption export knows the speakers;
its turns are read with Precis's own WebVTT and SubRip readers, and each segment takes the
speaker whose turns overlap it longest. Without such a file the transcript names no one.
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import DocumentError
from desktop.core.ingest.audio.sniff import SIDECAR_SUFFIXES
from desktop.core.ingest.audio.whisper import Segment
from desktop.core.ingest.context import ReadContext

log = logging.getLogger(__name__)

#: A caption file is read only up to this size; a sidecar is text, not a recording.
MAX_SIDECAR_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Turn:
    start: float
    end: float
    speaker: str


@dataclass(slots=True)
class Speakers:
    """The sidecar's name (None: there is none) and its speaker turns in time order."""

    path: Path | None
    turns: list[Turn]
    note: str | None = None


def find_sidecar(recording: Path) -> Path | None:
    """``<stem>.vtt`` or ``<stem>.srt`` in the recording's folder (any letter case)."""
    for suffix in SIDECAR_SUFFIXES:
        exact = recording.with_suffix(suffix)
        if exact.is_file():
            return exact
    try:
        stem = recording.stem.casefold()
        for entry in sorted(recording.parent.iterdir()):
            if entry.suffix.lower() in SIDECAR_SUFFIXES and entry.stem.casefold() == stem and entry.is_file():
                return entry
    except OSError:
        return None
    return None


def read_speakers(ctx: ReadContext) -> Speakers:
    """The speaker turns of the recording's sidecar; a missing, unreadable or nameless one is a note."""
    if ctx.part is not None:
        return Speakers(None, [])
    sidecar = find_sidecar(ctx.path)
    if sidecar is None:
        return Speakers(None, [], f"{ctx.display_name}: no speaker names. Whisper writes what is said, not who says "
                                  f"it; put the meeting's caption file beside the recording with the same name "
                                  f"({ctx.path.stem}.vtt or .srt, as Teams and Zoom export it) to name the speakers.")
    from desktop.core.ingest import read_bytes

    try:
        if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
            raise OSError("too large")
        doc = read_bytes(sidecar.read_bytes(), ReadContext(path=sidecar, limits=ctx.limits))
    except (DocumentError, OSError) as exc:
        log.info("sidecar %s not read: %s", sidecar.name, type(exc).__name__)
        return Speakers(sidecar, [], f"{sidecar.name} beside {ctx.display_name} could not be read as captions, "
                                     "so the transcript names no speakers.")
    turns = sorted((Turn(b.locator.start, b.locator.end if b.locator.end is not None else b.locator.start,
                         b.locator.speaker)
                    for b in doc.blocks if b.locator.speaker and b.locator.start is not None),
                   key=lambda t: (t.start, t.end))
    if not turns:
        return Speakers(sidecar, [], f"{sidecar.name} beside {ctx.display_name} names no speakers, so the "
                                     "transcript names none either.")
    return Speakers(sidecar, turns)


def assign(segments: list[Segment], turns: list[Turn]) -> list[str | None]:
    """For each segment, the speaker whose turns overlap it longest (None where no turn does)."""
    starts = [t.start for t in turns]
    longest = max((t.end - t.start for t in turns), default=0.0)
    names: list[str | None] = []
    for seg in segments:
        overlap: dict[str, float] = {}
        # Turns starting before the segment's end, back to those that could still reach its start.
        i = bisect.bisect_left(starts, seg.end)
        while i > 0 and turns[i - 1].start >= seg.start - longest:
            i -= 1
            turn = turns[i]
            shared = min(seg.end, turn.end) - max(seg.start, turn.start)
            if shared > 0 or (shared == 0 and seg.start == seg.end and turn.start <= seg.start <= turn.end):
                overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + max(shared, 0.0)
        names.append(max(overlap, key=lambda k: overlap[k]) if overlap else None)
    return names

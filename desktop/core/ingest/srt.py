"""Read SubRip (.srt) subtitles into a transcript.

SubRip has no specification, only habits: numbered cues, "00:00:01,500 --> 00:00:04,000"
timings (some tools write a dot, or add "X1:.. Y1:.." coordinates), HTML-ish <font>/<b>/<i>
tags and SubStation {\\an8} overrides. Players are forgiving, so this reader is too: it keys
on timing lines, not on blank lines or cue numbers, which real files get wrong.
"""

from __future__ import annotations

import re

from desktop.core.document import Document
from desktop.core.errors import CorruptFile
from desktop.core.ingest.captions import (
    TIMING,
    apply_inline_speakers,
    clean_caption_text,
    dedupe_rolling,
    drop_hidden,
    looks_rolling,
    parse_timestamp,
    split_turns,
)
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.cues import Cue, build_transcript
from desktop.core.ingest.encoding import decode_text

_COUNTER = re.compile(r"^\s*\d{1,9}\s*$")


def read(data: bytes, ctx: ReadContext) -> Document:
    text = decode_text(data).lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    raw = _parse(lines)
    if not raw:
        raise CorruptFile(f"{ctx.display_name} is not SubRip subtitles: it has no cue timings.", ctx.path)
    cues = [
        Cue(start, end, None, clean_caption_text("\n".join(body), has_ass=True))
        for start, end, body in raw
    ]
    cues.sort(key=lambda c: c.start or 0.0)  # stable: cues shown together keep file order
    cues = drop_hidden(cues)
    if looks_rolling(cues):
        cues = dedupe_rolling(cues)
    cues = apply_inline_speakers(split_turns(cues))
    return build_transcript(cues, ctx)


def _parse(lines: list[str]) -> list[tuple[float, float, list[str]]]:
    """(start, end, text lines) per cue. A cue's text runs to the next timing line; the counter
    just before that line, and blank lines at the end, are not text."""
    cues: list[tuple[float, float, list[str]]] = []
    current: list[str] | None = None
    for line in lines:
        timing = TIMING.match(line) if "-->" in line else None
        if timing:
            if current is not None:
                _trim(current)
            current = []
            cues.append((parse_timestamp(timing["start"]), parse_timestamp(timing["end"]), current))
        elif current is not None:
            current.append(line)
    if current is not None:
        _trim(current)
    return cues


def _trim(body: list[str]) -> None:
    """Drop trailing blanks, the next cue's number, and the blanks before it."""
    while body and not body[-1].strip():
        body.pop()
    if body and _COUNTER.match(body[-1]):
        body.pop()
    while body and not body[-1].strip():
        body.pop()

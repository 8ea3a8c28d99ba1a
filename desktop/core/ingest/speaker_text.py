"""Read plain-text transcripts: "Speaker: text" lines, optionally "[hh:mm:ss] Speaker: text".

Lines that do not start with a speaker continue the previous turn. What counts as a speaker is
decided over the whole file, not line by line: a label that recurs, carries a timestamp or looks
like a name ("Grad A", "Hon. Mary Ng (Markham, Lib.)") starts a turn; a clause such as "the
plan is simple: ship it" or "see https://..." inside someone's speech does not.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from desktop.core.document import Document
from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest.captions import parse_timestamp
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.cues import Cue, build_transcript, name_like, plausible_label, speaker_base, strip_noise_tags
from desktop.core.ingest.encoding import decode_text

_TIME = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
# "[00:01:02] - Name: text", "(01:02) Name: text", "00:01:02 Name: text", "Name: text", "Name:".
_SPEAKER = re.compile(
    rf"(?:[\[(]?(?P<ts>{_TIME})[\])]?\s*(?:[-–—]\s*)?)?(?P<label>[^\W\d_][^:\n]{{0,119}}?)\s*:(?=\s|$)"
)
_TIME_ONLY = re.compile(rf"[\[(]?(?P<ts>{_TIME})[\])]?\s*(?:[-–—]\s*)?(?=\S)")
_HEAD = 200  # a speaker label sits at the start of a line; never scan further than this
# DialogSum and similar corpora write speakers as "#Person1#: text".
_HASH_LABEL = re.compile(r"^#([^\W_][^#:\n]{0,40})#(?=:)")


def read(data: bytes, ctx: ReadContext) -> Document:
    text = decode_text(data).lstrip("\ufeff")
    lines = [_HASH_LABEL.sub(r"\1", ln.strip()) for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    if not any(lines):
        raise EmptyDocument(f"{ctx.display_name} is empty.", ctx.path)
    matches = [_SPEAKER.match(ln[:_HEAD]) if ln else None for ln in lines]
    counts = Counter(speaker_base(m["label"]).casefold() for m in matches if m and plausible_label(m["label"]))

    cues: list[Cue] = []
    speakers = 0
    for line, m in zip(lines, matches):
        if not line:
            continue
        if m and plausible_label(m["label"]) and (
            m["ts"] or counts[speaker_base(m["label"]).casefold()] > 1 or name_like(m["label"])
        ):
            speakers += 1
            label = " ".join(m["label"].split())
            cues.append(Cue(_seconds(m["ts"]), None, label, _clean(line[m.end():])))
            continue
        timed = _TIME_ONLY.match(line[:_HEAD])
        if timed and cues:
            # "[00:05:10] more words": a new timed cue, same speaker as before.
            cues.append(Cue(_seconds(timed["ts"]), None, cues[-1].speaker, _clean(line[timed.end():])))
        elif cues:
            last = cues[-1]
            cues[-1] = replace(last, text=f"{last.text}\n{_clean(line)}")
        else:
            cues.append(Cue(None, None, None, _clean(line)))  # a preamble before the first speaker
    if not speakers:
        raise CorruptFile(f"{ctx.display_name} has no \"Speaker: text\" lines, so it cannot be read as a transcript.",
                          ctx.path)
    return build_transcript(_end_times(cues), ctx)


def _clean(text: str) -> str:
    return " ".join(strip_noise_tags(text).split())


def _seconds(ts: str | None) -> float | None:
    return parse_timestamp(ts) if ts else None


def _end_times(cues: list[Cue]) -> list[Cue]:
    """A turn ends when the next timed one starts (the last ends where it starts: we cannot know)."""
    out = list(cues)
    following: float | None = None
    for i in range(len(out) - 1, -1, -1):
        cue = out[i]
        if cue.start is not None:
            end = following if following is not None and following >= cue.start else cue.start
            out[i] = replace(cue, end=end)
            following = cue.start
    return out

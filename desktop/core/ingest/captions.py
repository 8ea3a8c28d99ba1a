"""What WebVTT and SubRip captions share: timestamps, markup to strip, and the habits of real
caption files (hidden cues, rolling auto-captions, ">>" speaker changes, "Name: text" lines)."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import replace

from desktop.core.ingest.cues import Cue, name_like, plausible_label

_TS = r"(?:\d{1,5}:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
#: "00:01:02.500 --> 00:01:04.000 align:start" (VTT) or "00:01:02,500 --> 00:01:04,000  X1:..." (SRT).
TIMING = re.compile(rf"^\s*(?P<start>{_TS})\s*-->\s*(?P<end>{_TS})(?:[ \t]+(?P<settings>.*))?\s*$")

# Tags whose name starts with a letter (<font color=red>, <c.color>, </i>, <invalid_tag par=5>);
# "2<3,5>1" in a subtitle is text, not a tag.
_TAG = re.compile(r"</?[A-Za-z][^<>\n]{0,200}>")
# Karaoke timestamps inside YouTube auto-captions: "this<00:05:04.199><c> will</c>".
_INLINE_TIME = re.compile(r"<\d{1,5}:[\d:.,]{1,16}>")
_RUBY_TEXT = re.compile(r"<rt>.*?</rt>", re.DOTALL)
# SubStation overrides that players hide ({\an8}, {\i1}) and MicroDVD-style ones ({Y:i}).
_ASS_TAG = re.compile(r"\{\\[^{}\n]{0,200}\}|\{[A-Za-z]:[^{}\n]{0,200}\}")
_WORD = re.compile(r"\w")
_TURN_MARK = re.compile(r">{2,}")
_DIALOGUE_DASH = re.compile(r"^\s*-(?!-)\s*(?=\S)")  # "- Hi" (a lone "-" is not a turn)
_INLINE_LABEL = re.compile(r"^([^\W\d_][^:\n]{0,119}?)\s*:\s+(?=\S)")


def parse_timestamp(text: str) -> float:
    """'0:0:0.210', '00:04:46.070', '01:02,5' -> seconds (the fraction is read as decimal)."""
    clock, _, frac = text.replace(",", ".").partition(".")
    parts = [int(p) for p in clock.split(":")]
    seconds = 0
    for p in parts:
        seconds = seconds * 60 + p
    return seconds + (int(frac) / 10 ** len(frac) if frac else 0.0)


def clean_caption_text(text: str, *, has_ass: bool = False) -> str:
    """Markup out, entities decoded, lines kept (rolling captions are compared line by line)."""
    text = _RUBY_TEXT.sub("", text)
    text = _INLINE_TIME.sub("", text)
    text = _TAG.sub("", text)
    if has_ass:
        text = _ASS_TAG.sub("", text)
        text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    text = html.unescape(text).replace("\u200b", "").replace("\u00a0", " ")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def drop_hidden(cues: list[Cue]) -> list[Cue]:
    """Remove zero-length cues: players never show them (the SRT "hidden data" trick, CDP's
    empty 00:00 cue). A file whose cues are all zero-length keeps them: then they are just untimed."""
    fixed = [replace(c, end=c.start) if c.start is not None and c.end is not None and c.end < c.start else c
             for c in cues]
    shown = [c for c in fixed if c.start is None or c.end is None or c.end > c.start]
    return shown if shown else fixed


def looks_rolling(cues: list[Cue]) -> bool:
    """Roll-up captions (YouTube auto-captions, live TV) repeat the previous cue's last line as
    their first. Only such files are de-duplicated: elsewhere a repeated line was really said twice."""
    multi = repeats = 0
    prev: list[str] = []
    for cue in cues:
        lines = cue.text.split("\n")
        if len(lines) > 1:
            multi += 1
            repeats += bool(prev) and lines[0] == prev[-1]
        prev = lines
    return repeats >= 2 and repeats >= 0.3 * multi


def dedupe_rolling(cues: list[Cue]) -> list[Cue]:
    """Keep only the lines each cue adds to the one before; a cue that adds none extends it.

    YouTube's word-timed captions show "yeah" / "yeah what" / "this will happen" / "this will
    happen": read naively the text doubles.
    """
    out: list[Cue] = []
    prev: list[str] = []
    for cue in cues:
        lines = cue.text.split("\n")
        overlap = 0
        for k in range(min(len(prev), len(lines), 8), 0, -1):
            if prev[-k:] == lines[:k]:
                overlap = k
                break
        new = lines[overlap:]
        if new:
            out.append(replace(cue, text="\n".join(new)))
        elif out and cue.end is not None:
            last = out[-1]
            out[-1] = replace(last, end=max(cue.end, last.end if last.end is not None else cue.end))
        prev = lines
    return out


def split_turns(cues: list[Cue]) -> list[Cue]:
    """Split unnamed cues at speaker-change marks: ">>" (">>>" = new story) and "- " dialogue lines.

    The new pieces keep the cue's times (captions do not say when within a cue the turn came)
    and carry ``turn=True`` with no speaker: the file says someone else speaks, not who.
    """
    out: list[Cue] = []
    pending = False  # a mark with no words after it: the turn starts with the next words
    for cue in cues:
        if cue.speaker is not None or (">>" not in cue.text and "-" not in cue.text):
            out.append(replace(cue, turn=True) if pending else cue)
            pending = False
            continue
        pieces: list[tuple[bool, list[str]]] = [(cue.turn, [])]
        for line in cue.text.split("\n"):
            dash = _DIALOGUE_DASH.match(line)
            if dash:
                pieces.append((True, []))
                line = line[dash.end():]
            first, *rest = _TURN_MARK.split(line)
            pieces[-1][1].append(first)
            pieces.extend((True, [part]) for part in rest)
        for turn, lines in pieces:
            text = "\n".join(s.strip() for s in lines if _WORD.search(s))
            if text:
                out.append(replace(cue, text=text, turn=turn or pending))
                pending = False
            else:
                pending = pending or turn
    return out


def apply_inline_speakers(cues: list[Cue]) -> list[Cue]:
    """Zoom and many caption exports write "Name: text" inside the cue instead of a voice tag.

    Trusted only when most cues do it with names that recur, so "NOTE: ..." or a stray
    "Agenda: ..." in ordinary captions is left as text. Cues without a label continue the
    previous speaker.
    """
    unnamed = [c for c in cues if c.speaker is None]
    if len(unnamed) < 2:
        return cues
    labels: list[str | None] = []
    for cue in cues:
        m = _INLINE_LABEL.match(cue.text[:200]) if cue.speaker is None else None
        labels.append(m.group(1).strip() if m and plausible_label(m.group(1)) else None)
    found = [lb for lb in labels if lb]
    counts = Counter(found)
    if len(found) < 0.6 * len(unnamed) or len(counts) == len(found):
        return cues
    out: list[Cue] = []
    current: str | None = None
    for cue, label in zip(cues, labels):
        if cue.speaker is not None:
            current = cue.speaker
            out.append(cue)
        elif label and (counts[label] > 1 or name_like(label)):
            current = label
            out.append(replace(cue, speaker=label, text=_INLINE_LABEL.sub("", cue.text, count=1)))
        else:
            out.append(replace(cue, speaker=current) if not cue.turn else cue)
    return out

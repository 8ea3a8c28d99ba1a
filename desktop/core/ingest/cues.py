"""Timed or untimed speech cues, and how every transcript reader turns them into one Document.

WebVTT, SubRip, ``Speaker: text`` files and JSON transcripts all boil down to a list of
``Cue``s; this module owns the rules they share, so a meeting reads the same whatever the file:
consecutive cues of one speaker become one ``Role.UTTERANCE`` block, and captions that name no
speaker are grouped into blocks of about a minute so a citation still points at the right moment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from desktop.core.document import Block, DocKind, Document, Locator, Role
from desktop.core.errors import EmptyDocument
from desktop.core.ingest.context import ReadContext

#: Unnamed captions: a block closes at the first sentence end after this much time or text...
SOFT_SECONDS = 60.0
SOFT_CHARS = 1000
#: ...and regardless of sentences after this much (auto-captions have no punctuation at all).
HARD_SECONDS = 90.0
HARD_CHARS = 1500
#: Silence this long between unnamed captions is taken as a new turn.
PAUSE_SECONDS = 8.0

_SENTENCE_END = re.compile(r"[.?!…][\"'”’)\]]*$")
# QMSum/ICSI/AMI transcripts mark noises and disfluencies as {vocalsound}, {disfmarker}, {gap}...
_NOISE_TAG = re.compile(r"\{[a-z_]{2,24}\}")
_LABEL_BAD = re.compile(r"[?!;\"“”<>\[\]{}=|*#@\\]|https?|www\.")


@dataclass(frozen=True, slots=True)
class Cue:
    """One stretch of speech. ``turn`` marks a change of speaker whose name the file does not give
    (a ">>" in broadcast captions, a "- " dialogue line in subtitles)."""

    start: float | None
    end: float | None
    speaker: str | None
    text: str
    turn: bool = False


def strip_noise_tags(text: str) -> str:
    """Drop ``{vocalsound}``-style annotations: they are not words anyone said."""
    return _NOISE_TAG.sub(" ", text)


def speaker_base(label: str) -> str:
    """The name without a trailing parenthetical: "Ms. Gladu (Sarnia, CPC)" -> "Ms. Gladu".

    Parliamentary transcripts give the riding and party on a member's first turn only; both
    forms are the same person, so turns merge and the participant list names them once.
    """
    label = label.strip()
    if not label.endswith(")"):
        return label
    depth = 0
    for i in range(len(label) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(label[i], 0)
        if depth == 0:
            return label[:i].strip() or label
    return label


def plausible_label(label: str) -> bool:
    """Could this text before a colon be a speaker's name (not a URL, a question, a clause)?"""
    label = label.strip()
    if not label or len(label) > 120 or not label[0].isalpha() or _LABEL_BAD.search(label):
        return False
    return len(speaker_base(label).split()) <= 8


def name_like(label: str) -> bool:
    """A short capitalised label ("Grad A", "Hon. Mary Ng"): trusted even if it speaks only once."""
    base = speaker_base(label)
    return plausible_label(label) and base[:1].isupper() and len(base.split()) <= 5


def title_from_name(name: str) -> str:
    """'qmsum-ES2008a-product_kickoff.json' -> 'Qmsum ES2008a product kickoff' (dates kept whole)."""
    stem = PurePath(name).stem or name
    words = re.sub(r"(?<!\d)[-_.]+|[-_.]+(?!\d)", " ", stem).split()
    title = " ".join(words) or stem
    return title[:1].upper() + title[1:] if title.islower() or title[:1].islower() else title


@dataclass(slots=True)
class _Group:
    key: str | None
    speaker: str | None
    start: float | None
    end: float | None
    texts: list[str]
    chars: int

    def add(self, cue: Cue, text: str) -> None:
        self.texts.append(text)
        self.chars += len(text) + 1
        if self.start is None:
            self.start = cue.start
        ends = [t for t in (self.end, cue.end, cue.start) if t is not None]
        self.end = max(ends) if ends else None


def _key(speaker: str | None) -> str | None:
    return speaker_base(speaker).casefold() if speaker else None


def _continues(group: _Group, cue: Cue) -> bool:
    """Does ``cue`` belong to the block being built, or start a new one?"""
    if cue.turn or _key(cue.speaker) != group.key:
        return False
    if group.key is not None:
        return True  # a named speaker's consecutive cues are one turn, however long
    if cue.start is not None and group.end is not None and cue.start - group.end > PAUSE_SECONDS:
        return False
    last = cue.end if cue.end is not None else cue.start
    span = last - group.start if last is not None and group.start is not None else 0.0
    if span > HARD_SECONDS or group.chars > HARD_CHARS:
        return False
    sofar = group.end - group.start if group.start is not None and group.end is not None else 0.0
    long_enough = sofar >= SOFT_SECONDS or group.chars >= SOFT_CHARS
    return not (long_enough and _SENTENCE_END.search(group.texts[-1]))


def _participants(speakers: Iterable[str]) -> list[str]:
    """Ordered unique speakers; of a name's variants, the longest (most informative) is kept."""
    best: dict[str, str] = {}
    for s in speakers:
        k = _key(s) or ""
        if k not in best or len(s) > len(best[k]):
            best[k] = s
    return list(best.values())


def build_transcript(
    cues: Iterable[Cue],
    ctx: ReadContext,
    *,
    title: str | None = None,
    metadata: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
) -> Document:
    """Merge ``cues`` (in reading order) into utterance blocks; raise ``EmptyDocument`` if none speak."""
    warnings = list(warnings or [])
    budget = ctx.limits.max_chars
    groups: list[_Group] = []
    used = 0
    for cue in cues:
        text = " ".join(cue.text.split())
        if not text:
            continue
        full = used + len(text) > budget
        if full:
            text = text[: max(0, budget - used)].rstrip()
            warnings.append(
                f"{ctx.display_name} is longer than Precis reads; only the first {budget:,} characters were read."
            )
        if text:
            used += len(text) + 1  # and the space or break that joins it to the next
            if groups and _continues(groups[-1], cue):
                groups[-1].add(cue, text)
            else:
                group = _Group(_key(cue.speaker), cue.speaker, None, None, [], 0)
                group.add(cue, text)
                groups.append(group)
        if full:
            break
    if not groups:
        raise EmptyDocument(f"{ctx.display_name} has no spoken text in it.", ctx.path)

    blocks = [
        Block(
            text=" ".join(g.texts),
            role=Role.UTTERANCE,
            locator=Locator(
                start=_round(g.start), end=_round(g.end), speaker=g.speaker, paragraph=i
            ),
        )
        for i, g in enumerate(groups, start=1)
    ]
    meta: dict[str, Any] = dict(metadata or {})
    participants = _participants(g.speaker for g in groups if g.speaker)
    if participants:
        meta["participants"] = participants
    starts = [g.start for g in groups if g.start is not None]
    ends = [g.end for g in groups if g.end is not None]
    if starts and ends:
        meta["duration"] = round(max(0.0, max(ends) - min(starts)), 3)
    return Document(
        path=ctx.path,
        kind=DocKind.TRANSCRIPT,
        title=title or title_from_name(ctx.name),
        metadata=meta,
        blocks=blocks,
        warnings=warnings,
        part=ctx.part,
    )


def _round(t: float | None) -> float | None:
    return None if t is None else round(t, 3)

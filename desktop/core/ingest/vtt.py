"""Read WebVTT captions (Teams, Zoom, YouTube, city-council broadcasts) into a transcript.

A small lenient parser rather than a spec-strict one: real files break the spec in ways that
still leave their meaning plain (YouTube omits the blank line between cues, broadcast captions
write raw ">>", some files lose the WEBVTT line), and a summarizer should read what a person can.
"""

from __future__ import annotations

import html
import logging
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

log = logging.getLogger(__name__)

# <v Yuri Bakulin>, <v.loud Esme>, <v Roger Bingham> - the speaker of the text that follows.
_VOICE = re.compile(r"<v(?:\.[^\s>]{0,100})?(?:[ \t]+([^>\n]{0,200}))?>")
_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")
_KARAOKE = re.compile(r"<\d{1,5}:\d")


def read(data: bytes, ctx: ReadContext) -> Document:
    text = decode_text(data).lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title, language, body = _header(lines)
    raw, bad = _parse_cues(lines[body:])
    if body == 0 and not raw:
        raise CorruptFile(f"{ctx.display_name} is not WebVTT captions: it has no WEBVTT line and no cue timings.", ctx.path)
    if not raw and bad:
        raise CorruptFile(f"{ctx.display_name} is damaged: none of its caption timings could be read.", ctx.path)
    if body == 0:
        # The spec says to reject a file without the signature, but a .vtt with well-formed cue
        # timings is plainly captions (webvtt-py's invalid.vtt fixture); losing its text helps nobody.
        log.info("%s has no WEBVTT header; read leniently from its cue timings", ctx.display_name)
    warnings = []
    if bad:
        warnings.append(f"{ctx.display_name}: {bad} caption(s) with unreadable timings were skipped.")

    cues: list[Cue] = []
    karaoke = False
    for start, end, cue_lines in raw:
        body_text = "\n".join(cue_lines)
        karaoke = karaoke or bool(_KARAOKE.search(body_text))
        cues.extend(_voice_split(start, end, body_text))
    cues.sort(key=lambda c: c.start or 0.0)  # stable: simultaneous cues keep file order
    cues = drop_hidden(cues)
    if karaoke or looks_rolling(cues):
        cues = dedupe_rolling(cues)
    cues = apply_inline_speakers(split_turns(cues))
    metadata = {"language": language} if language else {}
    return build_transcript(cues, ctx, title=title, metadata=metadata, warnings=warnings)


def _header(lines: list[str]) -> tuple[str | None, str | None, int]:
    """(title after "WEBVTT", Language: header, index of the first body line); index 0 = no header."""
    first = lines[0].strip() if lines else ""
    if not first.startswith("WEBVTT"):
        return None, None, 0
    title = first[6:].strip(" \t-–:") or None
    language = None
    i = 1
    while i < len(lines) and lines[i].strip() and not TIMING.match(lines[i]):
        key, sep, value = lines[i].partition(":")
        if sep and key.strip().lower() == "language" and value.strip():
            language = value.strip()[:35]
        i += 1
    return title, language, i


def _parse_cues(lines: list[str]) -> tuple[list[tuple[float, float, list[str]]], int]:
    """Cues as (start, end, raw text lines), and how many had timings that could not be read.

    A timing line starts a cue even without a blank line before it (YouTube writes such files);
    a block without one is a NOTE/STYLE/REGION (skipped) or stray text, which joins the cue
    before it rather than being lost.
    """
    cues: list[tuple[float, float, list[str]]] = []
    bad = 0
    current: list[str] | None = None
    skipping = False
    at_block_start = True
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            current, skipping, at_block_start = None, False, True
            continue
        if skipping:
            continue
        timing = TIMING.match(line) if "-->" in line else None
        if timing:
            current = []
            cues.append((parse_timestamp(timing["start"]), parse_timestamp(timing["end"]), current))
        elif "-->" in line:
            bad += 1
            skipping = True
        elif at_block_start and stripped.split(None, 1)[0] in _SKIPPED_BLOCKS:
            skipping = True
        elif at_block_start and i + 1 < len(lines) and "-->" in lines[i + 1]:
            pass  # a cue identifier
        elif current is not None:
            current.append(line)
        elif cues:
            cues[-1][2].append(line)
        at_block_start = False
    return cues, bad


def _voice_split(start: float, end: float, text: str) -> list[Cue]:
    """One cue per voice span: a cue may hold several speakers' lines, each after its <v> tag."""
    parts = _VOICE.split(text)
    cues = []
    # parts: [text before any voice, name1, text1, name2, text2, ...]
    spans = [(None, parts[0])] + [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]
    for name, span in spans:
        cleaned = clean_caption_text(span)
        speaker = " ".join(html.unescape(name).split()) if name and name.strip() else None
        if cleaned:
            cues.append(Cue(start, end, speaker, cleaned))
    return cues

"""Read a recording (audio, or the sound of a video) into a transcript: Whisper's segments, named by
the sidecar captions when there are some, grouped into timed blocks like any caption file.

Transcribing is a reader-level step (``audio/``), as OCR is for scans: what comes out is a
transcript Document whose blocks carry start and end times, and nothing downstream knows it
was sound. A file on disk is read as a stream (``read_path``); bytes already in memory
(``read``) are transcribed the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.core.document import Document
from desktop.core.events import TranscriptSoFar
from desktop.core.ingest.audio import runner, sidecar
from desktop.core.ingest.audio.decode import clock
from desktop.core.ingest.audio.sniff import recording_kind
from desktop.core.ingest.audio.whisper import Segment
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.cues import Cue, build_transcript, title_from_name

#: Whisper's codes of the languages a note names in words (the rest are named by code).
LANGUAGE_NAMES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
                  "nl": "Dutch", "ru": "Russian", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "pl": "Polish",
                  "sv": "Swedish", "tr": "Turkish", "ar": "Arabic", "hi": "Hindi", "uk": "Ukrainian", "cs": "Czech"}


def read(data: bytes, ctx: ReadContext) -> Document:
    return _read(data, recording_kind(data[:4096]) or "recording", ctx)


def read_path(path: Path, kind: str, ctx: ReadContext) -> Document:
    """A recording on disk, decoded as a stream (a video of gigabytes is never read whole)."""
    return _read(path, kind, ctx)


def _read(source: Path | bytes, kind: str, ctx: ReadContext) -> Document:
    speakers = sidecar.read_speakers(ctx)

    def partial(segments: list[Segment], done_s: float, total_s: float) -> None:
        doc = transcript_document(segments, speakers, None, ctx)
        doc.warnings.insert(0, f"Transcribed {clock(done_s)} of {clock(total_s)} so far.")
        ctx.report(TranscriptSoFar(doc, done_s, total_s))

    transcript = runner.transcribe(source, kind, ctx, on_partial=partial if ctx.on_event is not None else None)
    return transcript_document(transcript.segments, speakers, transcript, ctx)


def transcript_document(segments: list[Segment], speakers: sidecar.Speakers, transcript: runner.Transcript | None,
                        ctx: ReadContext) -> Document:
    """The transcript Document: segments (with their speakers) grouped by the caption rules."""
    names = sidecar.assign(segments, speakers.turns) if speakers.turns else [None] * len(segments)
    cues = [Cue(s.start, s.end, name, s.text) for s, name in zip(segments, names, strict=True)]
    warnings: list[str] = []
    metadata: dict[str, Any] = {}
    if transcript is not None:
        metadata = _metadata(transcript, speakers, ctx)
        warnings = list(transcript.warnings)
        if transcript.translated:
            spoken = LANGUAGE_NAMES.get(transcript.spoken, transcript.spoken)
            warnings.append(f"The transcript of {ctx.display_name} is Whisper's English translation of speech in "
                            f"{spoken}; quotes are translated, not the words said.")
    if speakers.note:
        warnings.append(speakers.note)
    doc = build_transcript(cues, ctx, title=title_from_name(ctx.name), metadata=metadata, warnings=warnings)
    if transcript is not None:
        doc.metadata["duration"] = transcript.duration  # the recording's length, not its speech's
    return doc


def _metadata(transcript: runner.Transcript, speakers: sidecar.Speakers, ctx: ReadContext) -> dict[str, Any]:
    opts = ctx.recording
    meta: dict[str, Any] = {
        "recording": f"{transcript.kind} {'video' if transcript.has_video else 'audio'} ({transcript.codec})",
        "language": transcript.language,
        "spoken_language": transcript.spoken,
        "transcribed_by": f"Whisper {opts.model_id or Path(opts.model_dir or '').name} (faster-whisper)",
        "speech_seconds": transcript.speech_s,
        "speakers_from": speakers.path.name if speakers.path and speakers.turns else "none",
        "transcript_cached": transcript.cached,
    }
    if transcript.translated:
        meta["translated_from"] = transcript.spoken
    return meta

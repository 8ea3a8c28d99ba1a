"""The recording options every reading command shares (extract, summarize, batch): which Whisper
model transcribes, what to do with speech not in English, and the longest recording read."""

from __future__ import annotations

import argparse
import dataclasses

from desktop.core.ingest.audio.options import LANGUAGE_MODES, RecordingOptions
from desktop.core.limits import Limits
from desktop.core.settings import load_settings


def add_recording_options(p: argparse.ArgumentParser) -> None:
    """Add ``--recording-model``, ``--recording-language``, ``--spoken-language`` and
    ``--max-recording-hours`` with the user's settings as defaults."""
    settings = load_settings()
    p.add_argument("--recording-model", default=settings.recording_model, metavar="MODEL",
                   help="the Whisper model that transcribes audio and video (an installed name or a folder; "
                        f"default {settings.recording_model})")
    p.add_argument("--recording-language", choices=LANGUAGE_MODES, default=settings.recording_language,
                   help="speech not in English: translate (Whisper's English translation, summarized with a note) "
                        "or transcribe (a transcript in the spoken language, which FLAN-T5 quotes rather than reads)")
    p.add_argument("--spoken-language", metavar="CODE", default=None,
                   help="the language spoken in the recordings (en, fr, de...), when known; default: identified")
    p.add_argument("--max-recording-hours", type=float, default=settings.max_recording_hours, metavar="H",
                   help=f"longest recording transcribed (default {settings.max_recording_hours:g} hours)")


def recording_limits(args: argparse.Namespace, limits: Limits) -> Limits:
    hours = getattr(args, "max_recording_hours", None)
    if hours is None:
        return limits
    if hours <= 0:
        raise SystemExit("precis-cli: --max-recording-hours must be more than 0")
    return dataclasses.replace(limits, max_recording_seconds=hours * 3600.0)


def check_spoken(args: argparse.Namespace) -> str | None:
    """The --spoken-language code, checked; a malformed one is a usage error (exit 2)."""
    spoken = getattr(args, "spoken_language", None)
    try:
        RecordingOptions(spoken=spoken)
    except ValueError as exc:
        raise SystemExit(f"precis-cli: {exc}") from exc
    return spoken


def recording_options(args: argparse.Namespace) -> RecordingOptions:
    """Options for reading recordings as given on the command line (``extract``)."""
    from desktop.ml.models.transcriber import recording_options as resolve

    settings = load_settings()
    return resolve(getattr(args, "recording_model", settings.recording_model),
                   language=getattr(args, "recording_language", settings.recording_language),
                   spoken=check_spoken(args), device=settings.device, threads=settings.threads,
                   store_root=settings.model_store)

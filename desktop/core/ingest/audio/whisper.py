"""Whisper through faster-whisper (CTranslate2): one model kept loaded, speech found by its Silero
voice-activity filter, one slab of sound transcribed into timed segments.

The filter runs here, not inside ``transcribe``, so a slab without speech costs no Whisper call
and a recording that is silence throughout says so; the speech it keeps is transcribed as one
stream and the times mapped back onto the recording, as faster-whisper's own ``vad_filter`` does.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from desktop.core.errors import Cancelled, TranscriberMissing
from desktop.core.ingest.audio import silero
from desktop.core.ingest.audio.decode import RATE, Slab
from desktop.core.ingest.audio.options import RecordingOptions
from desktop.core.ingest.context import ReadContext

log = logging.getLogger(__name__)

ENGLISH = "en"
#: Benchmarks only (``benchmarks/recordings.py``), the same switch as the summarizer's: "1" makes
#: every 30-second window cost the same (no timestamps, so each window advances a full 30 s; one
#: temperature; no previous text as a prompt), whatever a random-weight model writes. Never set
#: by the app.
FIXED_LENGTH_ENV = "PRECIS_BENCH_FIXED_LENGTH"
_lock = threading.Lock()
_loaded: tuple[tuple[str, str, str, int], Any] | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of speech and its text, times in seconds from the recording's start."""

    start: float
    end: float
    text: str

    def to_json(self) -> list[Any]:
        return [self.start, self.end, self.text]

    @classmethod
    def from_json(cls, data: list[Any]) -> Segment:
        return cls(float(data[0]), float(data[1]), str(data[2]))


def device_and_compute(device: str) -> tuple[str, str]:
    """("cpu", "int8") on a CPU; on CUDA int8 weights with float16 activations where the GPU
    supports it, else float16."""
    import ctranslate2

    if device in ("auto", "cuda") and ctranslate2.get_cuda_device_count() > 0:
        types = ctranslate2.get_supported_compute_types("cuda")
        return "cuda", "int8_float16" if "int8_float16" in types else "float16"
    return "cpu", "int8" if "int8" in ctranslate2.get_supported_compute_types("cpu") else "float32"


def check_model(opts: RecordingOptions, ctx: ReadContext) -> None:
    """``TranscriberMissing`` when no Whisper model was found for the job."""
    if opts.model_dir is None:
        raise TranscriberMissing(f"{ctx.display_name} is a recording, and transcribing it needs a speech model: "
                                 f"{opts.missing}", ctx.path)


def load_model(opts: RecordingOptions, ctx: ReadContext) -> Any:
    """The faster-whisper model of ``opts``, loaded once and kept for the job's next recording."""
    global _loaded
    check_model(opts, ctx)
    assert opts.model_dir is not None
    device, compute = device_and_compute(opts.device)
    threads = opts.threads or _cores()
    key = (opts.model_dir, device, compute, threads)
    with _lock:
        if _loaded is not None and _loaded[0] == key:
            return _loaded[1]
        _loaded = None  # one Whisper at a time: the old one goes before the new one loads
        from faster_whisper import WhisperModel

        try:
            model = WhisperModel(opts.model_dir, device=device, compute_type=compute, cpu_threads=threads,
                                 local_files_only=True)
        except (RuntimeError, ValueError, OSError) as exc:
            log.warning("loading the Whisper model %s failed: %s", opts.model_dir, exc)
            raise TranscriberMissing(f"The speech model in {opts.model_dir} could not be loaded ({exc}); download "
                                     "it again with the model manager.", ctx.path) from exc
        _loaded = (key, model)
        return model


def release() -> None:
    """Let the loaded model go (the job is over, or another model is wanted)."""
    global _loaded
    with _lock:
        _loaded = None


def speech_of(slab: Slab) -> list[dict[str, int]]:
    """The slab's speech as Silero VAD finds it, with faster-whisper's default settings (its
    network run in numpy by ``silero.py``: the same probabilities, faster, and no onnxruntime)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    silero.install()
    return get_speech_timestamps(slab.samples, VadOptions(), sampling_rate=RATE)


def detect_language(model: Any, speech: np.ndarray) -> tuple[str, float]:
    """The spoken language of the first 30 seconds of ``speech`` (Whisper's code) and its probability."""
    if not model.model.is_multilingual:
        return ENGLISH, 1.0
    language, probability, _all = model.detect_language(audio=speech)
    return language, float(probability)


def transcribe_slab(model: Any, slab: Slab, chunks: list[dict[str, int]], *, language: str, task: str,
                    opts: RecordingOptions, prompt: str | None, should_stop: Callable[[], bool]) -> Iterator[Segment]:
    """Segments of the speech ``chunks`` of ``slab``, in order, with times on the recording's clock;
    ``should_stop`` is checked between segments (each is one Whisper call of at most 30 seconds)."""
    from faster_whisper.transcribe import restore_speech_timestamps
    from faster_whisper.vad import collect_chunks

    pieces, _meta = collect_chunks(slab.samples, chunks, sampling_rate=RATE)
    speech = np.concatenate(pieces)
    fixed = fixed_length()
    segments, _info = model.transcribe(
        speech, language=language, task=task, beam_size=opts.beam_size, vad_filter=False,
        initial_prompt=None if fixed else prompt or None, max_new_tokens=opts.max_new_tokens,
        without_timestamps=fixed, condition_on_previous_text=not fixed,
        # Whisper's own fallback: a window that decodes into repetition is decoded again, warmer.
        temperature=0.0 if fixed else [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    for seg in restore_speech_timestamps(segments, chunks, RATE):
        if should_stop():
            raise Cancelled()
        text = " ".join(seg.text.split())
        if not text:
            continue
        # A window is padded with silence to 30 seconds and Whisper may time a word into the padding.
        start = min(max(slab.start + seg.start, slab.start), slab.end)
        end = min(max(slab.start + seg.end, start), slab.end)
        yield Segment(round(start, 2), round(end, 2), text)


def fixed_length() -> bool:
    return os.environ.get(FIXED_LENGTH_ENV) == "1"


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)

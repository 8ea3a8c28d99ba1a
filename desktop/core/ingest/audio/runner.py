"""Transcribe one recording with progress, Cancel within a second, and a cache.

Decoding and Whisper run on a helper thread that hands each segment over a queue; the reading
thread waits on the queue a tenth of a second at a time, so it reports progress ("transcribing
12:30 of 58:00", with an ETA) and sees Cancel at once even while one 30-second window is being
decoded. The helper stops at its next check (between packets, between segments). The finished
transcript is cached by the recording's bytes, the model and the decoding choices: summarizing
the same recording again, or with another length, transcribes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop.core import paths
from desktop.core.cache import SummaryCache, cache_key
from desktop.core.errors import Cancelled, NoSpeech
from desktop.core.events import EtaEstimator, Progress
from desktop.core.ingest.audio import decode, whisper
from desktop.core.ingest.audio.decode import clock
from desktop.core.ingest.audio.whisper import ENGLISH, Segment
from desktop.core.ingest.context import ReadContext

log = logging.getLogger(__name__)

#: How long the reading thread waits on the helper before it looks at Cancel again.
POLL_S = 0.1
#: After Cancel, how long the helper gets to finish its current step before the reader returns.
JOIN_S = 0.5
#: The transcript so far goes to the preview after the first slab, then every this many seconds of sound.
PARTIAL_EVERY_S = 300.0
_HASH_BLOCK = 1 << 20


@dataclass(slots=True)
class Transcript:
    """What transcribing a recording gives (and what the cache keeps)."""

    segments: list[Segment]
    language: str  # the transcript's language
    spoken: str  # the language spoken
    duration: float
    kind: str
    codec: str
    has_video: bool = False
    speech_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cached: bool = False

    @property
    def translated(self) -> bool:
        return self.language != self.spoken

    def to_json(self) -> str:
        data = asdict(self)
        data["segments"] = [s.to_json() for s in self.segments]
        data.pop("cached")
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        data = json.loads(text)
        data["segments"] = [Segment.from_json(s) for s in data["segments"]]
        return cls(**data, cached=True)


def transcript_cache_path() -> Path:
    return paths.cache_dir() / "transcripts.sqlite3"


def content_hash(source: Path | bytes, ctx: ReadContext) -> str:
    """SHA-256 of the recording's bytes, read a megabyte at a time (a video of gigabytes too)."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    digest = hashlib.sha256()
    with open(source, "rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
            ctx.cancel_check()
    return digest.hexdigest()


def transcribe(source: Path | bytes, kind: str, ctx: ReadContext,
               on_partial: Callable[[list[Segment], float, float], None] | None = None) -> Transcript:
    """The transcript of ``source`` (a path, read as a stream, or bytes), from the cache if it is
    there. Raises the reader's typed errors, ``NoSpeech`` when nothing is said, ``Cancelled``."""
    opts = ctx.recording
    started = time.monotonic()
    whisper.check_model(opts, ctx)  # a missing model is said before any byte is hashed
    cache = SummaryCache(transcript_cache_path() if opts.use_cache else None)
    try:
        key = cache_key("whisper", opts.model_id or str(opts.model_dir), opts.decoding_key(), content_hash(source, ctx))
        hit = cache.get(key)
        if hit is not None:  # served without loading the model
            return Transcript.from_json(hit)
        src = decode.open_recording(source, kind, ctx)
        try:
            ctx.report(Progress(f"loading the speech model for {ctx.display_name}", 0, 0))
            model = whisper.load_model(opts, ctx)
            result = _Job(model, src, ctx, on_partial).run()
        finally:
            src.close()
        result.seconds = round(time.monotonic() - started, 3)
        if result.segments:
            cache.put(key, result.to_json(), "transcript")
    finally:
        cache.close()
    if not result.segments:
        found = "no speech" if not result.speech_s else "speech, but Whisper wrote no words for it"
        raise NoSpeech(f"{ctx.display_name} has no speech in it: the voice filter found {found} in its "
                       f"{clock(result.duration)} of sound.", ctx.path)
    return result


class _Job:
    """One transcription: the helper thread's work and the reading thread's wait."""

    def __init__(self, model: Any, src: decode.AudioSource, ctx: ReadContext,
                 on_partial: Callable[[list[Segment], float, float], None] | None) -> None:
        self.model, self.src, self.ctx, self.on_partial = model, src, ctx, on_partial
        self.opts = ctx.recording
        self.stop = threading.Event()
        self.out: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=256)
        self.language: str | None = self.opts.spoken
        self.task = "transcribe"
        self.speech_s = 0.0
        if self.language is not None:
            self._set_task()

    def run(self) -> Transcript:
        total = self.src.duration or 0.0
        helper = threading.Thread(target=self._work, name="precis-transcribe", daemon=True)
        eta = EtaEstimator(max(1, int(total)))
        segments: list[Segment] = []
        done_s, partial_at = 0.0, 0.0  # the first slab goes to the preview at once
        self._progress(0.0, total, None)
        helper.start()
        try:
            while True:
                try:
                    what, value = self.out.get(timeout=POLL_S)
                except queue.Empty:
                    self.ctx.cancel_check()
                    continue
                self.ctx.cancel_check()
                if what == "error":
                    raise value
                if what == "end":
                    break
                if what == "segment":
                    segments.append(value)
                    done_s = max(done_s, value.end)
                elif what == "slab":
                    done_s = max(done_s, value)
                    more = not total or done_s < total - 1  # (a length the header does not give: always more)
                    if self.on_partial is not None and segments and done_s >= partial_at and more:
                        self.on_partial(list(segments), done_s, total)
                        partial_at = done_s + PARTIAL_EVERY_S
                if total:  # an estimated length (ADTS) can be passed; the ETA needs one
                    total = max(total, done_s)
                    self._progress(done_s, total, eta.update(int(done_s), max(1, int(total))))
                else:
                    self._progress(done_s, 0.0, None)
        except BaseException:
            self.stop.set()
            helper.join(JOIN_S)
            raise
        helper.join()
        duration = self.src.decoded_s  # the header's length can be an estimate (ADTS, MP3 without a VBR header)
        self.ctx.report(Progress(f"transcribed {clock(duration)}", int(duration), int(duration), 0.0))
        spoken = self.language or ENGLISH
        return Transcript(segments, ENGLISH if self.task == "translate" else spoken, spoken, round(duration, 3),
                          self.src.kind, self.src.codec, self.src.has_video, round(self.speech_s, 2),
                          self._warnings(duration))

    def _progress(self, done: float, total: float, eta_s: float | None) -> None:
        stage = f"transcribing {clock(done)} of {clock(total)}" if total else f"transcribing {clock(done)}"
        self.ctx.report(Progress(stage, int(done), int(total), eta_s))

    def _work(self) -> None:
        """The helper thread: decode slabs, find their speech, transcribe it, hand segments over."""
        try:
            prompt = ""
            for slab in decode.slabs(self.src, self.ctx, self.opts.slab_seconds, self.stop.is_set):
                chunks = whisper.speech_of(slab)
                if chunks:
                    self.speech_s += sum(c["end"] - c["start"] for c in chunks) / decode.RATE
                    if self.language is None:
                        self._choose_language(slab, chunks)
                    for seg in whisper.transcribe_slab(self.model, slab, chunks, language=self.language or ENGLISH,
                                                       task=self.task, opts=self.opts, prompt=prompt,
                                                       should_stop=self.stop.is_set):
                        self._put("segment", seg)
                        prompt = seg.text  # Whisper's context across the slab's edge
                self._put("slab", slab.end)
            self._put("end", None)
        except Cancelled:
            pass
        except BaseException as exc:  # noqa: BLE001 - the reading thread raises it as its own
            self._put("error", exc)

    def _choose_language(self, slab: decode.Slab, chunks: list[dict[str, int]]) -> None:
        from faster_whisper.vad import collect_chunks

        pieces, _meta = collect_chunks(slab.samples, chunks, sampling_rate=decode.RATE)
        language, probability = whisper.detect_language(self.model, pieces[0][: 30 * decode.RATE])
        log.info("%s: spoken language %s (p=%.2f)", self.ctx.display_name, language, probability)
        self.language = language
        self._set_task()

    def _set_task(self) -> None:
        if self.language != ENGLISH and self.opts.language == "translate":
            self.task = "translate"

    def _put(self, what: str, value: Any) -> None:
        while not self.stop.is_set():
            try:
                self.out.put((what, value), timeout=POLL_S)
                return
            except queue.Full:
                continue
        raise Cancelled()

    def _warnings(self, duration: float) -> list[str]:
        name, notes = self.ctx.display_name, []
        if self.src.truncated or (self.src.duration and duration < 0.9 * self.src.duration - 1.0):
            notes.append(f"{name} ends early (it looks cut short): {clock(duration)} of the "
                         f"{clock(self.src.duration or duration)} its header promises could be read.")
        if self.src.damaged:
            notes.append(f"{name} has damaged stretches: {self.src.damaged} of its sound packets could not be "
                         "decoded and were skipped.")
        return notes

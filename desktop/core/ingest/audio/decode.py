"""Decode a recording's sound as a stream with PyAV: only the audio track, 16 kHz mono, in slabs.

A two-hour video is gigabytes of pictures around megabytes of sound; the demuxer hands over the
audio packets alone and the video is never decoded. The sound comes out in slabs of about two
minutes, each cut at its quietest tenth of a second near the end (a pause between words, not the
middle of one), so memory stays the same for a five-minute memo and an eight-hour stream.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop.core.errors import Cancelled, CorruptFile, LimitExceeded, NoAudioTrack, UnsupportedFormat
from desktop.core.ingest.context import ReadContext

log = logging.getLogger(__name__)

RATE = 16_000
#: The cut between two slabs is searched for in this many last seconds of the slab...
CUT_SEARCH_S = 15.0
#: ...as the quietest stretch of this length.
CUT_FRAME_S = 0.1


@dataclass(slots=True)
class Slab:
    """``samples`` (float32, 16 kHz mono) start ``start`` seconds into the recording."""

    start: float
    samples: np.ndarray

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / RATE


@dataclass(slots=True)
class AudioSource:
    """An opened recording: its audio track and what the header says about it."""

    container: Any
    stream: Any
    kind: str
    codec: str
    duration: float | None
    has_video: bool
    #: Set while decoding: packets the decoder rejected, and whether the file ended early.
    damaged: int = 0
    truncated: bool = False
    decoded_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.container.close()


def open_recording(source: Path | bytes, kind: str, ctx: ReadContext) -> AudioSource:
    """Open ``source`` and pick its audio track; one sentence for every way that can fail."""
    import av

    name = ctx.display_name
    try:
        handle: Any = str(source) if isinstance(source, Path) else io.BytesIO(source)
        container = av.open(handle, mode="r", metadata_errors="ignore")
    except av.error.FileNotFoundError as exc:
        raise CorruptFile(f"{name} could not be opened.", ctx.path) from exc
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        log.debug("PyAV could not open %s: %s", name, exc)
        raise CorruptFile(f"{name} looks like {_article(kind)} file but is damaged or cut short, so its sound "
                          "could not be read.", ctx.path) from exc
    try:
        if not container.streams.audio:
            what = "video with no sound track" if container.streams.video else "file with no sound track"
            raise NoAudioTrack(f"{name} is a {what}, so there is nothing to transcribe.", ctx.path)
        stream = max(container.streams.audio, key=_track_rank)  # the main track: most channels, highest rate
        codec = stream.codec_context.name if stream.codec_context is not None else None
        if codec is None or not _decodable(stream):
            what = f"encoded as {codec}" if codec else "in an encoding FFmpeg does not know"
            raise UnsupportedFormat(f"{name} holds sound {what}, which Precis cannot decode; convert it to MP3, M4A "
                                    "or WAV to transcribe it.", ctx.path)
        duration = _duration(container, stream)
        limit = ctx.limits.max_recording_seconds
        if duration is not None and duration > limit:
            raise LimitExceeded(f"{name} is {clock(duration)} long; Precis transcribes recordings of up to "
                                f"{clock(limit)} (a setting).", ctx.path)
        stream.thread_type = "AUTO"
        return AudioSource(container, stream, kind, codec, duration, bool(container.streams.video))
    except BaseException:
        container.close()
        raise


def slabs(src: AudioSource, ctx: ReadContext, slab_s: float, should_stop: Callable[[], bool]) -> Iterator[Slab]:
    """The sound in slabs of about ``slab_s`` seconds, in order; checks ``should_stop`` between packets."""
    target = int(slab_s * RATE)
    limit = ctx.limits.max_recording_seconds
    pending: list[np.ndarray] = []
    held = 0
    start = 0.0
    for chunk in _pcm(src, ctx, should_stop):
        pending.append(chunk)
        held += len(chunk)
        src.decoded_s = start + held / RATE
        if src.decoded_s > limit:
            raise LimitExceeded(f"{ctx.display_name} runs past {clock(limit)}; Precis transcribes recordings of up "
                                "to that length (a setting).", ctx.path)
        if held >= target + int(CUT_SEARCH_S * RATE):
            audio = np.concatenate(pending)
            cut = quiet_cut(audio, target)
            yield Slab(start, audio[:cut])
            rest = audio[cut:]
            start += cut / RATE
            pending, held = [rest], len(rest)
            del audio
    if held:
        yield Slab(start, np.concatenate(pending))


def quiet_cut(audio: np.ndarray, target: int) -> int:
    """The sample to cut at: the start of the quietest ``CUT_FRAME_S`` in the ``CUT_SEARCH_S`` seconds
    before ``target``."""
    frame = int(CUT_FRAME_S * RATE)
    lo = max(frame, target - int(CUT_SEARCH_S * RATE))
    window = audio[lo:target]
    usable = len(window) // frame * frame
    if usable < frame:
        return target
    energy = np.square(window[:usable].reshape(-1, frame)).mean(axis=1)
    return lo + int(np.argmin(energy)) * frame + frame // 2


def _pcm(src: AudioSource, ctx: ReadContext, should_stop: Callable[[], bool]) -> Iterator[np.ndarray]:
    """Float32 16 kHz mono chunks of the audio track only; a bad packet is skipped and counted, a
    file cut short ends the stream (``src.truncated``)."""
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
    try:
        packets = src.container.demux(src.stream)
        while True:
            if should_stop():
                raise Cancelled()
            try:
                packet = next(packets)
            except StopIteration:
                break
            except (av.error.FFmpegError, OSError) as exc:  # the container breaks off: keep what came
                log.debug("demuxing %s stopped: %s", ctx.display_name, exc)
                src.truncated = True
                break
            try:
                frames = packet.decode()
            except (av.error.FFmpegError, ValueError) as exc:
                src.damaged += 1
                log.debug("a packet of %s could not be decoded: %s", ctx.display_name, exc)
                continue
            for frame in frames:
                frame.pts = None  # the resampler keeps its own clock; broken timestamps cannot stop it
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
        for out in resampler.resample(None):
            yield out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
    finally:
        del resampler


def _track_rank(stream: Any) -> tuple[int, int, int]:
    context = stream.codec_context
    if context is None:
        return (0, 0, 0)
    return (1, getattr(context, "channels", 0) or 0, getattr(context, "sample_rate", 0) or 0)


def _decodable(stream: Any) -> bool:
    import av

    try:
        av.Codec(stream.codec_context.name, "r")
    except (av.error.FFmpegError, ValueError, av.codec.codec.UnknownCodecError):
        return False
    return stream.codec_context.name not in ("none", "unknown")


def _duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return None


def clock(seconds: float) -> str:
    """12:30, or 1:02:03 from an hour on: how a player shows a time."""
    total = int(seconds)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _article(kind: str) -> str:
    return ("an " if kind[:1] in "AEFIMO" else "a ") + kind

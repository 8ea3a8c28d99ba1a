"""Real recordings for the tests: speech spoken by espeak-ng, written by PyAV into every container
Precis reads (with a small moving picture for the video ones)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

RATE = 16_000
#: extension -> (PyAV container format, audio encoder, video encoder or None)
CONTAINERS: dict[str, tuple[str, str, str | None]] = {
    "wav": ("wav", "pcm_s16le", None),
    "mp3": ("mp3", "libmp3lame", None),
    "m4a": ("ipod", "aac", None),
    "aac": ("adts", "aac", None),
    "ogg": ("ogg", "vorbis", None),
    "opus": ("ogg", "libopus", None),
    "flac": ("flac", "flac", None),
    "webm": ("webm", "libopus", "libvpx"),
    "mp4": ("mp4", "aac", "libx264"),
    "mov": ("mov", "aac", "mpeg4"),
    "mkv": ("matroska", "libmp3lame", "libx264"),
    "avi": ("avi", "libmp3lame", "mpeg4"),
    "aiff": ("aiff", "pcm_s16be", None),
}
VIDEO_FPS = 2


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, voice: str = "en", wpm: int = 165) -> np.ndarray:
    """``text`` read by espeak-ng, as 16 kHz mono int16 samples."""
    if not espeak_available():
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng; .ci/run installs it)")
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text], check=True,
                         capture_output=True).stdout
    return decode(wav)


def decode(data: bytes) -> np.ndarray:
    import io

    import av

    with av.open(io.BytesIO(data)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        chunks = [f.to_ndarray().reshape(-1) for frame in container.decode(audio=0) for f in resampler.resample(frame)]
        chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(chunks).astype(np.int16)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def write(path: Path, samples: np.ndarray, ext: str | None = None, *, video: bool | None = None) -> Path:
    """Write ``samples`` (16 kHz mono int16) into the container of ``ext`` (default: the path's)."""
    import av

    fmt, acodec, vcodec = CONTAINERS[ext or path.suffix.lstrip(".")]
    if video is False:
        vcodec = None
    with av.open(str(path), "w", format=fmt) as out:
        if acodec == "libopus":
            audio = out.add_stream(acodec, rate=48_000)
        elif acodec == "vorbis":  # FFmpeg's own Vorbis encoder: experimental, and stereo only
            audio = out.add_stream(acodec, rate=RATE, layout="stereo")
            audio.codec_context.options = {"strict": "experimental"}
        else:
            audio = out.add_stream(acodec, rate=RATE, layout="mono")
            if acodec == "aac":
                audio.codec_context.options = {"aac_coder": "fast"}  # the default coder takes seconds a minute
        picture = None
        if vcodec:
            picture = out.add_stream(vcodec, rate=VIDEO_FPS)
            picture.width, picture.height, picture.pix_fmt = 64, 64, "yuv420p"
        for at in range(0, len(samples), RATE):  # a second at a time: one huge frame encodes slowly
            frame = av.AudioFrame.from_ndarray(samples[at:at + RATE].reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = RATE
            frame.pts = at
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode(None):
            out.mux(packet)
        if picture is not None:
            write_pictures(out, picture, len(samples) / RATE)
    return path


def write_pictures(out: object, stream: object, seconds: float) -> None:
    import av

    for i in range(int(seconds * VIDEO_FPS) + 1):
        image = np.full((64, 64, 3), (i * 37) % 255, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = i
        for packet in stream.encode(frame):  # type: ignore[attr-defined]
            out.mux(packet)  # type: ignore[attr-defined]
    for packet in stream.encode(None):  # type: ignore[attr-defined]
        out.mux(packet)  # type: ignore[attr-defined]


def video_only(path: Path, seconds: float = 4.0) -> Path:
    """An MP4 with pictures and no sound track."""
    import av

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=VIDEO_FPS)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        write_pictures(out, stream, seconds)
    return path


def meeting_lines(corpus: Path, count: int, start: int = 0, words: int = 14) -> list[str]:
    """Spoken lines of a corpus meeting transcript ("Speaker: words"): the words only, without
    its {vocalsound}-style marks, at most ``words`` words each."""
    from desktop.core.ingest.cues import strip_noise_tags

    text = (corpus / "transcript" / "qmsum-TS3003c-product-meeting.txt").read_text(encoding="utf-8")
    lines = [" ".join(strip_noise_tags(ln.split(":", 1)[1]).split()) for ln in text.splitlines() if ":" in ln]
    lines = [" ".join(ln.split()[:words]) for ln in lines if len(ln.split()) >= 6]
    return lines[start:start + count]

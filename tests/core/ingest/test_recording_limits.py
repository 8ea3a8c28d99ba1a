"""Recordings that cannot be transcribed each say why in one sentence, and the job goes on; a long
recording is decoded in slabs, so memory does not grow with its length."""

from __future__ import annotations

import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from desktop.core.errors import CorruptFile, LimitExceeded, NoAudioTrack, NoSpeech, UnsupportedFormat
from desktop.core.ingest import expand_paths, iter_documents, read_document
from desktop.core.ingest.audio import decode
from desktop.core.ingest.audio.sniff import recording_kind
from desktop.core.ingest.context import ReadContext
from desktop.core.limits import Limits
from tests.core.ingest._recordings import RATE, silence, video_only, write
from tests.core.ingest.test_recordings import options

pytestmark = pytest.mark.xdist_group("recordings")


def _wav_header(tag: int, data: bytes) -> bytes:
    fmt = struct.pack("<HHIIHH", tag, 1, RATE, RATE * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_silence_only_is_no_speech_found(tmp_path: Path, whisper_model_dir: Path) -> None:
    quiet = silence(20) + np.random.default_rng(0).integers(-20, 20, 20 * RATE).astype(np.int16)  # hiss, no voice
    with pytest.raises(NoSpeech) as info:
        read_document(write(tmp_path / "empty-room.wav", quiet), recording=options(whisper_model_dir))
    assert "no speech in it" in info.value.message and "0:20" in info.value.message


def test_a_video_without_sound(tmp_path: Path, whisper_model_dir: Path) -> None:
    with pytest.raises(NoAudioTrack, match="video with no sound track"):
        read_document(video_only(tmp_path / "screen.mp4"), recording=options(whisper_model_dir))


def test_a_codec_ffmpeg_does_not_know(tmp_path: Path, whisper_model_dir: Path) -> None:
    path = tmp_path / "dictaphone.wav"
    path.write_bytes(_wav_header(0x1234, bytes(32_000)))
    with pytest.raises(UnsupportedFormat, match="cannot decode"):
        read_document(path, recording=options(whisper_model_dir))


def test_corrupt_and_truncated_files(tmp_path: Path, meeting_speech: np.ndarray, whisper_model_dir: Path) -> None:
    # An MP4 keeps its index at the end: cut in half, it cannot be opened at all.
    mp4 = write(tmp_path / "call.mp4", meeting_speech).read_bytes()
    (tmp_path / "cut.mp4").write_bytes(mp4[: len(mp4) // 2])
    # A signature and then noise.
    (tmp_path / "noise.mp3").write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + np.random.default_rng(1).bytes(50_000))
    # Cut in half, an MP3 (whose header counts its frames) and a WAV: the half that is there is read,
    # and where the header promised more, the transcript says the file ends early.
    mp3 = write(tmp_path / "memo.mp3", meeting_speech).read_bytes()
    (tmp_path / "half.mp3").write_bytes(mp3[: len(mp3) // 2])
    wav = write(tmp_path / "memo.wav", meeting_speech).read_bytes()
    (tmp_path / "half.wav").write_bytes(wav[: len(wav) // 2])
    names = ["cut.mp4", "noise.mp3", "half.mp3", "half.wav"]
    outcomes = {o.path.name: o for o in iter_documents([tmp_path / n for n in names], recording=options(whisper_model_dir))}
    assert isinstance(outcomes["cut.mp4"].error, CorruptFile)
    assert "damaged or cut short" in outcomes["cut.mp4"].error.message
    assert isinstance(outcomes["noise.mp3"].error, (CorruptFile, NoSpeech))
    for name in ("half.mp3", "half.wav"):
        half = outcomes[name].document
        assert half is not None, outcomes[name].error
        assert half.metadata["duration"] == pytest.approx(len(meeting_speech) / RATE / 2, abs=0.3)
        assert all(b.locator.end <= half.metadata["duration"] + 0.05 for b in half.blocks)
    assert any("ends early" in w for w in outcomes["half.mp3"].document.warnings)


def test_the_duration_cap_refuses_before_decoding(tmp_path: Path, meeting_speech: np.ndarray,
                                                  whisper_model_dir: Path) -> None:
    path = write(tmp_path / "all-hands.mp3", meeting_speech)
    with pytest.raises(LimitExceeded) as info:
        read_document(path, recording=options(whisper_model_dir), limits=Limits(max_recording_seconds=5))
    assert "up to 0:05" in info.value.message


def test_the_duration_cap_holds_while_decoding_when_the_header_does_not_say(tmp_path: Path,
                                                                            meeting_speech: np.ndarray) -> None:
    ctx = ReadContext(path=tmp_path / "stream.wav", limits=Limits(max_recording_seconds=5))
    src = decode.open_recording(write(tmp_path / "stream.wav", meeting_speech), "WAV",
                                ReadContext(path=tmp_path / "stream.wav"))
    src.duration = None  # as for a live stream's dump
    try:
        with pytest.raises(LimitExceeded, match="runs past 0:05"):
            list(decode.slabs(src, ctx, 30.0, lambda: False))
    finally:
        src.close()


def test_a_very_large_recording_is_not_refused_for_its_size(tmp_path: Path, meeting_speech: np.ndarray,
                                                            whisper_model_dir: Path) -> None:
    """Documents are read whole up to ``max_file_bytes``; a recording is a stream and is not."""
    path = write(tmp_path / "board.wav", np.concatenate([meeting_speech] * 2))
    doc = read_document(path, recording=options(whisper_model_dir), limits=Limits(max_file_bytes=1000))
    assert doc.blocks


def _peak_decoding(path: Path) -> tuple[int, float]:
    ctx = ReadContext(path=path)
    src = decode.open_recording(path, "WAV", ctx)
    tracemalloc.start()
    seconds = 0.0
    try:
        for slab in decode.slabs(src, ctx, 60.0, lambda: False):
            seconds = slab.end
        return tracemalloc.get_traced_memory()[1], seconds
    finally:
        tracemalloc.stop()
        src.close()


def test_memory_is_flat_from_two_to_ten_minutes(tmp_path: Path) -> None:
    """Sound is decoded a slab at a time: decoding ten minutes peaks where decoding two does
    (benchmarks/recordings.py measures the whole read, video included, from 5 minutes to an hour)."""
    tone = (np.sin(np.arange(60 * RATE) * 2 * np.pi * 220 / RATE) * 8000).astype(np.int16)
    short = write(tmp_path / "short.wav", np.concatenate([tone] * 2))
    long = write(tmp_path / "long.wav", np.concatenate([tone] * 10))
    peak_short, seconds_short = _peak_decoding(short)
    peak_long, seconds_long = _peak_decoding(long)
    assert seconds_short == pytest.approx(120, abs=1) and seconds_long == pytest.approx(600, abs=1)
    slab_bytes = 75 * RATE * 4  # one slab of float32 with its search margin
    assert peak_long < 4 * slab_bytes
    assert peak_long < 1.3 * peak_short + 1_000_000


def test_sniffing_tells_recordings_from_lookalikes() -> None:
    assert recording_kind(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") is None  # an iPhone photo
    assert recording_kind(b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom") == "MP4"
    assert recording_kind("\ufeffhello, this is text".encode("utf-16")) is None
    assert recording_kind(b"\xff\xfb\x90\x64" + bytes(413) + b"\xff\xfb\x90\x64" + bytes(100)) == "MP3"
    assert recording_kind(b"\xff\xfb\x90\x64" + bytes(600)) is None  # one frame header alone is not enough
    assert recording_kind(b"RIFF\x00\x00\x00\x00WEBPVP8 ") is None


def test_a_caption_file_beside_its_recording_is_not_read_twice_in_a_folder(tmp_path: Path) -> None:
    for name in ("weekly.mp4", "weekly.vtt", "other.vtt", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in expand_paths([tmp_path])] == ["notes.txt", "other.vtt", "weekly.mp4"]
    assert [p.name for p in expand_paths([tmp_path / "weekly.vtt"])] == ["weekly.vtt"]  # named: read

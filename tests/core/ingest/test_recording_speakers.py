"""Speaker names for a recording from the caption file beside it, matched by time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop.core.ingest import read_document
from desktop.core.ingest.audio.sidecar import Turn, assign, find_sidecar
from desktop.core.ingest.audio.whisper import Segment
from tests.core.ingest._recordings import RATE, meeting_lines, silence, speak, write
from tests.core.ingest.test_recordings import options

pytestmark = pytest.mark.xdist_group("recordings")


def test_each_segment_takes_the_speaker_it_overlaps_most() -> None:
    turns = [Turn(0.0, 10.0, "Alice"), Turn(9.0, 20.0, "Bob"), Turn(30.0, 40.0, "Alice")]
    segments = [Segment(0.5, 4.0, "a"), Segment(8.0, 12.0, "b"), Segment(12.5, 19.0, "c"),
                Segment(21.0, 29.0, "gap"), Segment(28.0, 45.0, "d"), Segment(35.0, 35.0, "instant")]
    assert assign(segments, turns) == ["Alice", "Bob", "Bob", None, "Alice", "Alice"]


def test_turns_of_one_speaker_add_up() -> None:
    """Two short turns of Carol outweigh one longer turn of Dan inside the same segment."""
    turns = [Turn(0.0, 2.0, "Carol"), Turn(2.0, 5.0, "Dan"), Turn(5.0, 7.0, "Carol")]
    assert assign([Segment(0.0, 7.0, "x")], turns) == ["Carol"]


def _vtt(turns: list[tuple[float, float, str]]) -> str:
    def ts(t: float) -> str:
        return f"00:{int(t // 60):02d}:{t % 60:06.3f}"

    cues = "\n\n".join(f"{ts(a)} --> {ts(b)}\n<v {name}>We said things here.</v>" for a, b, name in turns)
    return f"WEBVTT\n\n{cues}\n"


@pytest.fixture(scope="module")
def two_voices(corpus: Path) -> tuple[np.ndarray, float]:
    """Alice (a male voice) for about 36 seconds, a pause, then Bob (a female voice): one 30-second
    Whisper window holds one of them alone at each end."""
    alice = speak(" ".join(meeting_lines(corpus, 12, words=9)), voice="en+m3")
    bob = speak(" ".join(meeting_lines(corpus, 12, start=12, words=9)), voice="en+f3")
    return np.concatenate([alice, silence(3), bob]), len(alice) / RATE


def test_a_teams_caption_export_names_the_speakers(tmp_path: Path, two_voices, whisper_model_dir: Path) -> None:
    samples, switch = two_voices
    end = len(samples) / RATE
    recording = write(tmp_path / "design-review.mp4", samples)
    (tmp_path / "design-review.vtt").write_text(
        _vtt([(0.0, switch, "Alice Ng"), (switch + 3, end, "Bob Okafor")]), encoding="utf-8")
    doc = read_document(recording, recording=options(whisper_model_dir))
    assert doc.metadata["speakers_from"] == "design-review.vtt"
    assert doc.metadata["participants"] == ["Alice Ng", "Bob Okafor"]
    assert not any("no speaker names" in w for w in doc.warnings)
    spans = {"Alice Ng": (0.0, switch), "Bob Okafor": (switch + 3, end)}
    for block in doc.blocks:
        a, b = spans[block.locator.speaker]
        assert min(block.locator.end, b) > max(block.locator.start, a), block.locator  # it overlaps its speaker
        assert block.locator.label().endswith(block.locator.speaker)
    assert doc.blocks[0].locator.speaker == "Alice Ng" and doc.blocks[-1].locator.speaker == "Bob Okafor"


def test_captions_without_names_say_the_transcript_names_none(tmp_path: Path, meeting_speech: np.ndarray,
                                                              whisper_model_dir: Path) -> None:
    recording = write(tmp_path / "lecture.mp3", meeting_speech)
    (tmp_path / "lecture.srt").write_text("1\n00:00:00,000 --> 00:00:05,000\nWelcome.\n", encoding="utf-8")
    doc = read_document(recording, recording=options(whisper_model_dir))
    assert doc.metadata["speakers_from"] == "none" and "participants" not in doc.metadata
    assert any("lecture.srt beside lecture.mp3 names no speakers" in w for w in doc.warnings)
    assert all(b.locator.speaker is None for b in doc.blocks)


def test_the_sidecar_is_found_whatever_its_letter_case(tmp_path: Path) -> None:
    (tmp_path / "Weekly.MP4").write_bytes(b"")
    (tmp_path / "weekly.VTT").write_text("WEBVTT\n", encoding="utf-8")
    (tmp_path / "weekly-notes.vtt").write_text("WEBVTT\n", encoding="utf-8")
    assert find_sidecar(tmp_path / "Weekly.MP4") == tmp_path / "weekly.VTT"
    assert find_sidecar(tmp_path / "other.mp4") is None

"""A time citation becomes the recording to play and the moment to start (for the window's player)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop.core.document import Locator
from desktop.core.ingest.audio import playback
from desktop.core.ingest.audio.playback import PlaybackTarget, playback_target, player_command, recording_for
from tests.core.ingest._recordings import write

TONE = (np.sin(np.arange(16_000) * 0.1) * 5000).astype(np.int16)


def test_a_citation_of_a_recording_plays_it_from_just_before_the_cited_moment(tmp_path: Path) -> None:
    rec = write(tmp_path / "sync.mp4", TONE)
    target = playback_target(rec, Locator(start=754.2, end=781.0, speaker="Ana"))
    assert target == PlaybackTarget(rec, 753.2, 781.0, 754.2)
    assert playback_target(rec, {"start": 0.4, "end": 2.0}).start == 0.0  # never before the beginning
    assert playback_target(rec, Locator(page=3)) is None


def test_a_caption_files_citation_plays_the_recording_beside_it(tmp_path: Path) -> None:
    rec = write(tmp_path / "Board.webm", TONE)
    captions = tmp_path / "board.vtt"
    captions.write_text("WEBVTT\n", encoding="utf-8")
    assert recording_for(captions) == rec
    assert playback_target(captions, Locator(start=12.0, end=20.0)).path == rec
    alone = tmp_path / "alone.vtt"
    alone.write_text("WEBVTT\n", encoding="utf-8")
    assert playback_target(alone, Locator(start=12.0)) is None  # no sound to play
    notes = tmp_path / "board.mp4"
    notes.write_text("not a video, whatever its name says", encoding="utf-8")
    assert recording_for(tmp_path / "board.mp4") is None


def test_a_system_player_that_can_seek_is_preferred(tmp_path: Path, monkeypatch) -> None:
    target = PlaybackTarget(tmp_path / "a.mp3", 61.5, 70.0, 62.5)
    monkeypatch.setattr(playback.shutil, "which", lambda name: f"/usr/bin/{name}" if name == "vlc" else None)
    assert player_command(target) == ["/usr/bin/vlc", "--start-time=61.50", str(tmp_path / "a.mp3")]
    monkeypatch.setattr(playback.shutil, "which", lambda name: None)
    assert player_command(target) is None

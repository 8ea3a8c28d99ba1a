"""Citations you can hear: a time citation of a recording (or of a caption file with its recording
beside it) plays the recording in the source view's player strip from a second before the cited
moment; without Qt Multimedia a system player starts there, else the default player opens it.

The recordings are real (espeak-ng speech written by PyAV), the digest is a real job's over a
random-weight Whisper. The offscreen platform has no audio device: Qt's FFmpeg player then plays
on its own clock, so the position still moves on from the cited moment and is asserted on."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from desktop.core.digest import Source
from desktop.core.document import Locator
from desktop.core.ingest import read_document
from desktop.gui.digest.digest_view import DigestView
from desktop.gui.source.player_strip import DEFAULT_PLAYER, IN_APP, SYSTEM_PLAYER, PlayerStrip
from desktop.gui.source.source_view import SourceView
from desktop.ml.engine.job import JobResult, JobSpec, run_job
from tests.core.ingest._recordings import write
from tests.gui._window import SAMPLES, UrlSink

#: The offscreen platform's and a machine without sound's notes (no window manager, no PulseAudio).
pytestmark = [
    pytest.mark.qt_log_ignore(r"^This plugin does not support (propagateSizeHints|raise)\(\)",
                              r"(No audio device|PulseAudio|pa_context|ALSA|audio output)"),
    pytest.mark.xdist_group("recordings"),
]


@pytest.fixture
def view(qtbot: QtBot) -> SourceView:
    widget = SourceView()
    qtbot.addWidget(widget)
    widget.resize(520, 480)
    widget.show()
    return widget


def _playing_from(qtbot: QtBot, strip: PlayerStrip, path: Path, start_ms: int) -> None:
    """The strip holds ``path``, was asked for ``start_ms``, and plays on from there."""
    assert strip.isVisible() and strip.source_path() == str(path)
    assert strip.requested_ms == start_ms
    qtbot.waitUntil(lambda: strip.is_playing() and strip.position_ms() >= start_ms, timeout=10_000)
    assert strip.position_ms() < start_ms + 5_000  # from the cited moment, not from the start or the end
    assert strip.name_label.text() == path.name
    qtbot.waitUntil(lambda: strip.slider.maximum() > start_ms, timeout=5_000)
    assert " / " in strip.time_label.text()


@pytest.fixture(scope="module")
def transcribed(tmp_path_factory: pytest.TempPathFactory, meeting_speech: np.ndarray,
                whisper_model_dir: Path) -> tuple[Path, JobResult]:
    """A half-minute video's sound transcribed and summarized by a real job (random-weight Whisper)."""
    recording = write(tmp_path_factory.mktemp("rec") / "standup.mp4", np.concatenate([meeting_speech] * 3))
    return recording, run_job(JobSpec(paths=[str(recording)], engine="extractive", recording_model=str(whisper_model_dir),
                                      recording_max_tokens=4, spoken_language="en", threads=1))


def test_a_citation_of_a_recordings_digest_plays_it_from_the_cited_moment(
        qtbot: QtBot, view: SourceView, transcribed: tuple[Path, JobResult]) -> None:
    recording, result = transcribed
    digest_view = DigestView()
    qtbot.addWidget(digest_view)
    digest_view.citation_activated.connect(view.show_source)
    digest_view.show_digest(result.digest, paths=[str(recording)], documents=result.documents)
    view.set_documents(result.documents)
    cited = result.digest.points[0].sources[0].locator
    assert cited.start is not None
    assert digest_view.activate_link("cite:points/0/0")
    assert view.played == IN_APP
    _playing_from(qtbot, view.player, recording, round(max(0.0, cited.start - 1.0) * 1000))
    assert view.text.marked_blocks  # the transcript's passage is on show beside it
    assert result.documents[0].metadata["duration"] * 1000 - 1500 < view.player.slider.maximum()  # its length

    # A later passage of the same recording (its transcript's last block): the loaded file seeks there.
    transcript = result.documents[0]
    last = transcript.blocks[-1]
    assert last.locator.start is not None and last.locator.start > 10
    assert view.show_source(Source(str(recording), last.locator, transcript.display_name, last.text[:200]))
    _playing_from(qtbot, view.player, recording, round((last.locator.start - 1.0) * 1000))
    assert view.text.marked_blocks == [len(transcript.blocks) - 1]
    view.player.play_button.click()
    qtbot.waitUntil(lambda: not view.player.is_playing(), timeout=2_000)

    # Other documents on show: the player stops and hides.
    view.set_documents([read_document(SAMPLES / "quarterly-energy-report.md")])
    assert not view.player.isVisible() and not view.player.is_playing()


def test_a_previews_citation_plays_before_the_transcript_is_in_the_source_view(
        qtbot: QtBot, view: SourceView, transcribed: tuple[Path, JobResult]) -> None:
    """While a recording is still being transcribed the job shows its preview; its citations play
    the recording though the source view has no document yet."""
    recording, result = transcribed
    digest_view = DigestView()
    qtbot.addWidget(digest_view)
    digest_view.citation_activated.connect(view.show_source)
    digest_view.begin_job("job1", recording.name, [str(recording)])
    digest_view.show_preview(result.digest)
    view.clear()
    assert digest_view.activate_link("cite:points/0/0")
    start = result.digest.points[0].sources[0].locator.start or 0.0
    _playing_from(qtbot, view.player, recording, round(max(0.0, start - 1.0) * 1000))
    assert view.documents == []


def test_a_caption_files_citation_plays_the_recording_beside_it(qtbot: QtBot, view: SourceView, tmp_path: Path,
                                                              meeting_speech: np.ndarray) -> None:
    captions = tmp_path / "product-sync-meeting.vtt"
    shutil.copy(SAMPLES / captions.name, captions)
    recording = write(tmp_path / "Product-Sync-Meeting.wav", np.concatenate([meeting_speech] * 6))
    meeting = read_document(captions)
    view.set_documents([meeting])
    block = meeting.blocks[3]
    assert view.show_source(Source(str(captions), block.locator, meeting.display_name, block.text[:200]))
    assert view.text.marked_blocks == [3]
    _playing_from(qtbot, view.player, recording, round((block.locator.start - 1.0) * 1000))

    # A citation without a time (a page, a paragraph) leaves the player as it is.
    report = read_document(SAMPLES / "quarterly-energy-report.md")
    assert not view.play_citation(Source(str(report.path), report.blocks[0].locator, report.display_name))
    assert view.player.source_path() == str(recording)


def test_without_qt_multimedia_a_system_player_starts_at_the_time_else_the_default_opens_it(
        qtbot: QtBot, tmp_path: Path, meeting_speech: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.core.ingest.audio.playback import playback_target

    recording = write(tmp_path / "memo.wav", meeting_speech)
    target = playback_target(recording, Locator(start=6.0, end=9.0))
    assert target is not None
    strip = PlayerStrip(multimedia=False)
    qtbot.addWidget(strip)

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    said = tmp_path / "mpv-args.txt"
    mpv = bin_dir / "mpv"  # a stand-in for mpv that writes down how it was started
    mpv.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{said}'\n", encoding="utf-8")
    mpv.chmod(mpv.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert strip.play(target) == SYSTEM_PLAYER
    qtbot.waitUntil(said.exists, timeout=5_000)
    qtbot.waitUntil(lambda: str(recording) in said.read_text(encoding="utf-8"), timeout=5_000)
    assert said.read_text(encoding="utf-8").split("\n")[:3] == ["--start=5.00", "--force-window=yes", str(recording)]
    assert not strip.isVisible() and strip.player is None  # Qt Multimedia never loaded

    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    opened = UrlSink()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        assert strip.play(target) == DEFAULT_PLAYER
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in opened.urls] == [str(recording)]
    assert os.environ["PATH"].endswith("nothing-here")

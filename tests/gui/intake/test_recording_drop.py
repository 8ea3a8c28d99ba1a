"""Recordings dropped on the window: an .mp3 and an .mp4 (real speech by espeak-ng, written by
PyAV) become one job with the settings' recording options; the queue row and the status bar say
"transcribing 0:05 of 0:12"; the digest's points cite time ranges, and a citation plays the
recording in the source view. Whisper is the random-weight test model, installed under the
settings' default name, its decode length fixed so the test takes seconds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from desktop.core.ingest import EXTENSION_GROUPS
from desktop.gui.intake.formats import open_filter
from desktop.gui.models.model_picker import EXTRACTIVE
from desktop.gui.window.main_window import MainWindow
from desktop.ml.models.store import ModelStore
from tests.core.ingest._recordings import write
from tests.gui._window import drop_files, open_window, wait_digest

pytestmark = [
    pytest.mark.qt_log_ignore(r"^This plugin does not support (propagateSizeHints|raise)\(\)",
                              r"(No audio device|PulseAudio|pa_context|ALSA|audio output)"),
    pytest.mark.xdist_group("recordings"),
]
TRANSCRIBING = re.compile(r"^transcribing \d+:\d\d of 0:\d\d$")


@pytest.fixture
def window(qtbot: QtBot, whisper_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    ModelStore().import_folder(whisper_model_dir, "whisper-base")  # the settings' default transcriber
    for win in open_window(qtbot):
        assert win.model_picker.select(EXTRACTIVE)
        overrides = win.job_overrides
        # Random weights never write end-of-text: each 30-second window is cut at 4 tokens.
        monkeypatch.setattr(win, "job_overrides", lambda made=overrides: {**made(), "recording_max_tokens": 4})
        yield win


def test_the_open_filter_offers_recordings() -> None:
    recordings = EXTENSION_GROUPS["Recordings"]
    assert {".mp3", ".mp4", ".wav", ".m4a", ".webm"} <= set(recordings)
    assert "Recordings (" in open_filter() and "*.mp3" in open_filter()


def test_dropped_recordings_become_a_job_whose_citations_play(window: MainWindow, qtbot: QtBot, tmp_path: Path,
                                                             meeting_speech: np.ndarray) -> None:
    mp3 = write(tmp_path / "standup.mp3", meeting_speech)
    mp4 = write(tmp_path / "design review.mp4", meeting_speech)
    rows: list[str] = []
    status: list[str] = []

    def seen(job_id: str) -> None:
        row = window.queue_view.row(job_id)
        if row is not None:
            rows.append(row.stage.text())
        status.append(window.status.job_label.text())

    window.queue.job_changed.connect(seen)
    drop_files(window.digest_view.browser.viewport(), [mp3, mp4])
    [job] = window.queue.jobs()
    assert job.paths == [str(mp3), str(mp4)]
    spec = job.spec
    settings = window.settings
    assert (spec.recording_model, spec.recording_language) == (settings.recording_model, settings.recording_language)
    assert spec.limits.max_recording_seconds == settings.max_recording_hours * 3600
    wait_digest(qtbot, window, timeout=120_000)

    assert any(TRANSCRIBING.match(text) for text in rows), rows
    assert any(re.match(r"^standup\.mp3.*: Transcribing \d+:\d\d of 0:\d\d", text) for text in status), status
    assert window.status.job_label.text() == ""  # the job is done
    digest = window.digest_view.digest
    assert digest is not None and {d.path for d in digest.documents} == {str(mp3), str(mp4)}
    cited = [s for p in digest.all_points() for s in p.sources]
    assert cited and all(s.locator.start is not None and s.locator.end is not None for s in cited)

    href = window.digest_view.citation_hrefs()[0]
    source = window.digest_view.source_for(href)
    assert source is not None
    assert window.digest_view.activate_link(href)
    player = window.source_view.player
    assert player.isVisible() and player.source_path() == source.path
    assert player.requested_ms == round(max(0.0, source.locator.start - 1.0) * 1000)

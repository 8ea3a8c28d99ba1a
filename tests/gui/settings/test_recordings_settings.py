"""The settings dialog's Recordings page: the Whisper models (installed first, then the catalog's
to download; no FLAN-T5), what happens to speech not in English (one line on each choice), the
longest recording; saved to the settings file, and the next job reads recordings with them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.settings import Settings, load_settings
from desktop.gui.settings.recordings_group import LANGUAGE_CHOICES
from desktop.gui.settings.settings_dialog import SettingsDialog
from desktop.ml.engine.job import JobSpec
from desktop.ml.models.catalog import Catalog
from desktop.ml.models.store import ModelStore
from tests.gui._window import OFFSCREEN_NOISE

pytestmark = [OFFSCREEN_NOISE, pytest.mark.xdist_group("recordings")]


def _choices(dialog: SettingsDialog) -> list[tuple[str, str]]:
    model = dialog.recordings.model
    return [(model.itemData(i), model.itemText(i)) for i in range(model.count())]


def test_the_recordings_group_saves_the_transcriber_the_language_and_the_cap(
        qtbot: QtBot, whisper_model_dir: Path, tiny_model_dir: Path) -> None:
    store = ModelStore()
    store.import_folder(whisper_model_dir, "my-whisper")
    store.import_folder(tiny_model_dir, "tiny")
    dialog = SettingsDialog(Settings(model="tiny"))
    qtbot.addWidget(dialog)
    dialog.show()
    group = dialog.recordings
    dialog.tabs.setCurrentWidget(group)
    assert group.isVisible() and dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Recordings"
    choices = _choices(dialog)
    catalog = [e.name for e in Catalog.load().of_kind("transcriber")]
    assert [name for name, _text in choices] == ["my-whisper", *catalog]  # installed first; no summarizer
    assert choices[0][1] == "my-whisper (installed)"
    assert dict(choices)["whisper-base"].startswith("whisper-base (not downloaded, ") and "default" in dict(choices)["whisper-base"]
    assert group.model.currentData() == "whisper-base"  # the default setting
    assert group.language.currentData() == "translate" and group.language_hint.text() == LANGUAGE_CHOICES[0][2]
    assert group.hours.value() == 8.0

    group.model.setCurrentIndex(group.model.findData("my-whisper"))
    group.language.setCurrentIndex(group.language.findData("transcribe"))
    assert group.language_hint.text() == LANGUAGE_CHOICES[1][2]  # the line says what the choice does
    group.hours.setValue(2.5)
    with qtbot.waitSignal(dialog.settings_saved):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    saved = load_settings()
    assert (saved.recording_model, saved.recording_language, saved.max_recording_hours) == ("my-whisper", "transcribe", 2.5)
    assert saved.model == "tiny"

    # The next job reads recordings with them.
    spec = JobSpec.from_settings(saved, ["/tmp/standup.mp3"])
    assert (spec.recording_model, spec.recording_language) == ("my-whisper", "transcribe")
    assert spec.limits.max_recording_seconds == 2.5 * 3600


def test_a_model_folder_in_the_settings_is_kept_as_it_is(qtbot: QtBot, whisper_model_dir: Path) -> None:
    dialog = SettingsDialog(Settings(recording_model=str(whisper_model_dir)))
    qtbot.addWidget(dialog)
    assert dialog.recordings.model.currentData() == str(whisper_model_dir)
    assert dialog.values().recording_model == str(whisper_model_dir)

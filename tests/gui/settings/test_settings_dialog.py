"""Settings: the dialog saves what the user chose to the settings file the CLI reads too, and
the window applies it (theme, length, model store) at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core.settings import Settings, load_settings, settings_file
from desktop.gui.common.theme import apply_theme
from desktop.gui.models.model_picker import ModelPicker
from desktop.gui.settings.settings_dialog import SettingsDialog
from desktop.gui.window.main_window import MainWindow
from desktop.ml.models.store import ModelStore
from tests.gui._jobs import install_tiny
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES, open_window

pytestmark = OFFSCREEN_NOISE
@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    yield from open_window(qtbot)


def test_dialog_saves_settings(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(Settings(model="flan-t5-small"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.threads.text() == "Automatic (all cores)"
    store = tmp_path / "models"
    dialog.store_field.setText(str(store))
    dialog.threads.setValue(3)
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.length.setCurrentIndex(dialog.length.findData("long"))
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    with qtbot.waitSignal(dialog.settings_saved) as blocker:
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    saved = load_settings()
    assert blocker.args == [saved]
    assert (saved.model_store, saved.threads, saved.device, saved.length, saved.theme) == (str(store), 3, "cpu", "long", "dark")
    assert saved.model == "flan-t5-small"  # untouched fields are kept


def test_cancel_saves_nothing(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.threads.setValue(5)
    dialog.reject()
    assert load_settings().threads == 0


def test_window_applies_new_settings(window: MainWindow, qtbot: QtBot, tmp_path: Path, tiny_model_dir: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window.settings_action.trigger()
    dialog = window.settings_dialog
    assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
    # A second store that already holds a model: the picker lists it after OK.
    store = tmp_path / "other-store"

    ModelStore(store).import_folder(tiny_model_dir, "tiny")
    dialog.store_field.setText(str(store))
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.length.setCurrentIndex(dialog.length.findData("short"))
    try:
        dialog.accept()
        assert app.property("precis_theme") == "dark"
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 128
        assert window.length_combo.currentData() == "short"
        assert "tiny" in window.model_picker.names()
        assert window.settings.model_store == str(store)
    finally:
        apply_theme(app, "light")


def test_model_picker_lists_installed_models(qtbot: QtBot, tiny_model_dir: Path) -> None:
    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.refresh(load_settings())
    assert picker.names() == ["flan-t5-base", "extractive"] and picker.currentText() == "flan-t5-base (not installed)"
    assert picker.spec_overrides() == {"model": "flan-t5-base", "engine": "auto"}
    install_tiny(tiny_model_dir)
    picker.refresh(load_settings())
    assert picker.installed_count == 1 and picker.names() == ["tiny", "extractive"]
    assert picker.current_name() == "tiny"  # the default is not installed, the tiny one is
    assert picker.select("extractive") and picker.spec_overrides() == {"model": "extractive", "engine": "extractive"}


def test_the_flagged_points_setting_explains_itself_and_reaches_the_job(window: MainWindow, qtbot: QtBot) -> None:
    """Settings → Flagged points: each choice says in one line what it does; the choice is saved,
    and the next job runs its check stage with it (``JobSpec.from_settings``, in the worker)."""
    window.settings_action.trigger()
    dialog = window.settings_dialog
    assert isinstance(dialog, SettingsDialog)
    assert dialog.unsupported.currentData() == "flag"
    assert dialog.unsupported_hint.text().startswith("A point its source does not support stays in the digest")
    lines = {dialog.unsupported.itemData(i): dialog.unsupported.itemData(i, Qt.ItemDataRole.ToolTipRole)
             for i in range(dialog.unsupported.count())}
    assert set(lines) == {"flag", "drop", "retry"} and all(lines.values())
    dialog.unsupported.setCurrentIndex(dialog.unsupported.findData("drop"))
    assert dialog.unsupported_hint.text() == lines["drop"] and "left out" in lines["drop"]
    dialog.accept()
    assert window.settings.unsupported == "drop" and load_settings().unsupported == "drop"
    assert window.model_picker.select("extractive")
    job_id = window.summarize([SAMPLE_FILES[2]])
    job = window.queue.job(job_id or "")
    assert job is not None and job.spec.unsupported == "drop"
    qtbot.waitUntil(lambda: job.digest() is not None, timeout=60_000)
    digest = job.digest()
    assert digest is not None and digest.support is not None and digest.support.mode == "drop"
    assert "unsupported" in json.loads(settings_file().read_text(encoding="utf-8"))

"""Settings the disk refuses to keep are one message, never a traceback, and still apply until
Precis closes: from the toolbar's length and model choice and from the Settings dialog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.settings import Settings, settings_file
from desktop.gui.common import messages
from desktop.gui.settings.settings_dialog import SettingsDialog
from desktop.gui.window.main_window import MainWindow
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES, message_boxes, open_window

pytestmark = OFFSCREEN_NOISE


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    yield from open_window(qtbot)


@pytest.fixture
def unwritable_settings() -> None:
    """A folder where the settings file should be: every save fails with an OSError."""
    settings_file().parent.mkdir(parents=True, exist_ok=True)
    settings_file().unlink(missing_ok=True)
    settings_file().mkdir()


def test_a_toolbar_choice_that_cannot_be_saved_is_one_message(window: MainWindow, qtbot: QtBot,
                                                             unwritable_settings: None) -> None:
    combo = window.length_combo
    combo.setCurrentIndex(combo.findData("long"))
    combo.activated.emit(combo.currentIndex())  # as a click does
    qtbot.waitUntil(lambda: len(message_boxes(window)) == 1)
    [box] = message_boxes(window)
    assert box.text().startswith("Your settings could not be saved to ") and "until Precis closes" in box.text()
    assert window.settings.length == "long"  # in memory, the choice holds
    job = window.queue.job(window.summarize(SAMPLE_FILES[:1], model="extractive") or "")
    assert job is not None and job.spec.length == "long"


def test_the_settings_dialog_applies_what_it_cannot_save(qtbot: QtBot, unwritable_settings: None) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.threads.setValue(2)
    said: list[tuple[str, str, str]] = []
    messages.bridge().shown.connect(lambda *args: said.append(args))
    with qtbot.waitSignal(dialog.settings_saved) as saved:
        dialog.accept()
    assert saved.args[0].threads == 2  # the window applies it all the same
    assert [(level, text.startswith("Your settings could not be saved")) for level, text, _ in said] == [("error", True)]

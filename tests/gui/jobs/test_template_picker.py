"""Templates in the window: the toolbar's (and the Summarize menu's) pick changes the next digest's
sections, a user's own template from the data folder is listed and used, the default comes from
Settings, and a template file with a mistake is one sentence naming its line, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core import paths
from desktop.core.settings import Settings, load_settings
from desktop.gui.models.model_picker import EXTRACTIVE
from desktop.gui.settings.settings_dialog import SettingsDialog
from desktop.gui.window.main_window import MainWindow
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES, message_boxes, open_window, wait_digest

pytestmark = OFFSCREEN_NOISE

MEETING = SAMPLE_FILES[1]  # product-sync-meeting.vtt
STANDUP = """name = "standup"
version = 1
title = "Stand-up"

[[section]]
id = "action_items"
title = "Who does what"
length = 10

[[section]]
id = "overview"
title = "Gist"
length = 40
"""
BROKEN = """name = "broken"
version = 1

[[section]]
id = "overview"

[[section]]
id = "risks"
title = "Risks"
"""


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    yield from open_window(qtbot)


def _row(window: MainWindow, label: str) -> int:
    rows = [i for i, (text, _value, _kind) in enumerate(window.template_picker.items()) if text == label]
    assert rows, window.template_picker.items()
    return rows[0]


def _digest(window: MainWindow, qtbot: QtBot):  # type: ignore[no-untyped-def]
    window.digest_view.show_welcome()
    assert window.model_picker.select(EXTRACTIVE)
    window.summarize([MEETING])
    qtbot.waitUntil(lambda: window.digest_view.digest is not None, timeout=30_000)
    wait_digest(qtbot, window)
    return window.digest_view.digest


def test_a_chosen_template_changes_the_digests_sections(window: MainWindow, qtbot: QtBot) -> None:
    standard = _digest(window, qtbot)
    assert standard.layout == [] and standard.overview and standard.points
    window.template_picker.pick_row(_row(window, "Action list"))
    assert window.template_picker.current() == "actions"
    actions = _digest(window, qtbot)
    assert [s["id"] for s in actions.layout] == ["action_items", "asks", "deadlines"]
    assert actions.overview == "" and actions.points == [] and actions.action_items
    page = window.digest_view.browser.toPlainText()
    assert "Action items" in page and "Key points" not in page
    # The Summarize menu lists the same templates and picks in the toolbar.
    menu = window.window_actions.template_menu
    menu.aboutToShow.emit()
    [minutes] = [a for a in menu.actions() if a.text() == "Minutes"]
    minutes.trigger()
    assert window.template_picker.current() == "minutes" and window.template_picker.currentText() == "Minutes"
    menu.aboutToShow.emit()
    assert [a.text() for a in menu.actions() if a.isChecked()] == ["Minutes"]
    # The pick is for jobs; the default stays what Settings says.
    assert load_settings().template == ""


def test_a_users_own_template_from_the_data_folder(window: MainWindow, qtbot: QtBot) -> None:
    folder = paths.data_dir() / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "standup.toml").write_text(STANDUP, encoding="utf-8")
    window.template_picker.refresh()
    window.template_picker.pick_row(_row(window, "Stand-up (yours)"))
    digest = _digest(window, qtbot)
    assert [s["title"] for s in digest.layout] == ["Who does what", "Gist"]
    page = window.digest_view.browser.toPlainText()
    assert page.index("Who does what") < page.index("Gist")


def test_a_bad_template_is_one_sentence_naming_the_line(window: MainWindow, qtbot: QtBot) -> None:
    folder = paths.data_dir() / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.toml").write_text(BROKEN, encoding="utf-8")
    picker = window.template_picker
    picker.refresh()
    picker.pick_row(_row(window, "broken (has a mistake)"))
    qtbot.waitUntil(lambda: len(message_boxes(window)) == 1)
    [box] = message_boxes(window)
    text = box.text()
    assert text.startswith("The template broken.toml, line 8: “risks” is not a section Precis makes")
    assert text.count(". ") == 0 and text.endswith(".") and "Traceback" not in text + box.detailedText()
    assert picker.current() == "" and picker.currentText() == "Standard digest"  # not used
    box.close()


def test_the_default_template_comes_from_settings(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.template.setCurrentIndex(dialog.template.findData("minutes"))
    dialog.me.setText("Maria Lopez <maria@example.org>; M. Lopez")
    dialog.accept()
    saved = load_settings()
    assert saved.template == "minutes" and saved.me == ["Maria Lopez <maria@example.org>", "M. Lopez"]
    win, queue = None, None
    from tests.gui._window import make_window

    try:
        win, queue = make_window(qtbot)
        assert win.template_picker.currentText() == "Minutes"
        assert win.panes.rollup_view.me() == saved.me
        digest = _digest(win, qtbot)
        assert [s["id"] for s in digest.layout][:2] == ["overview", "decisions"]
    finally:
        if queue is not None:
            queue.shutdown()


def test_a_broken_default_template_is_said_once_and_the_standard_digest_made(qtbot: QtBot) -> None:
    folder = paths.data_dir() / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.toml").write_text(BROKEN, encoding="utf-8")
    from desktop.core.settings import save_settings
    from tests.gui._window import make_window

    save_settings(Settings(template="broken"))
    win, queue = make_window(qtbot)
    try:
        qtbot.waitUntil(lambda: len(message_boxes(win)) == 1)
        [box] = message_boxes(win)
        assert box.text().startswith("The template broken.toml, line 8:") and "standard digest" in box.text()
        box.close()
        digest = _digest(win, qtbot)
        assert digest.layout == [] and digest.points
        assert win.watching.spec().template == ""  # the watcher would not fail every file with it
    finally:
        queue.shutdown()

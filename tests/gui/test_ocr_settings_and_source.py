"""OCR in the window: the Settings choice reaches the settings file and the job; recognized pages
are marked in the source view's margin."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.document import Block, Locator, Role
from desktop.core.settings import Settings, load_settings
from desktop.gui.job_queue import spec_from_settings
from desktop.gui.settings_dialog import SettingsDialog
from desktop.gui.source_text import margin_label
from tests.gui._window import OFFSCREEN_NOISE

pytestmark = OFFSCREEN_NOISE


def test_ocr_choice_is_saved_and_used_by_jobs(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.ocr.currentData() == "auto" and dialog.ocr_lang.text() == "eng"
    dialog.ocr.setCurrentIndex(dialog.ocr.findData("always"))
    dialog.ocr_lang.setText(" eng + deu ")
    with qtbot.waitSignal(dialog.settings_saved):
        dialog.accept()
    saved = load_settings()
    assert (saved.ocr, saved.ocr_lang) == ("always", "eng+deu")
    spec = spec_from_settings(["scan.pdf"])
    assert (spec.ocr, spec.ocr_lang) == ("always", "eng+deu")

    again = SettingsDialog(saved)
    qtbot.addWidget(again)
    again.ocr_lang.setText("eng; rm -rf /")  # not a language list: the previous value stays
    assert again.values().ocr_lang == "eng+deu"


def test_recognized_pages_are_marked_in_the_margin() -> None:
    typed = Block("Typed cover letter.", Role.PARAGRAPH, Locator(page=1))
    scanned = Block("Signed contract.", Role.PARAGRAPH, Locator(page=2), ocr=True)
    more = Block("Second paragraph.", Role.PARAGRAPH, Locator(page=2), ocr=True)
    assert margin_label(typed, None) == "p. 1"
    assert margin_label(scanned, typed) == "p. 2 · OCR"
    assert margin_label(more, scanned) == ""

"""Checked points through the window: a checked digest reopened from History shows the same marks
(and the header's counts); a mouse click on a flagged point's citation lands on the supporting
sentence in the source view with the source's own words for the wrong fact marked; Copy digest,
Export and an edited digest keep the verdict. The digest is the real check stage's on the sample
meeting (tests/gui/_checked.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QTextCursor
from pytestqt.qtbot import QtBot

from desktop.core.render import to_markdown
from desktop.gui.window.main_window import MainWindow
from tests.gui._checked import VTT, WRONG_DAY, meeting_digest
from tests.gui._window import OFFSCREEN_NOISE, open_window, wait_digest

pytestmark = OFFSCREEN_NOISE
HEADER = "Points checked with their sources (facts): 6 of 7 supported, 1 flagged."
REASON = f"⚠ Not supported by its source: {WRONG_DAY}."


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    yield from open_window(qtbot)


@pytest.fixture
def reopened(window: MainWindow, qtbot: QtBot) -> MainWindow:
    """The meeting's checked digest, kept in History as a finished job keeps it, and reopened."""
    digest, _doc = meeting_digest()
    entry = window.history.add(digest, [VTT], to_markdown(digest, links=True))
    window.history_view.refresh()
    window.digest_actions.open_history_entry(entry.id)
    wait_digest(qtbot, window)
    return window


def _click_link(qtbot: QtBot, window: MainWindow, href: str) -> None:
    """Click the middle of the link ``href`` in the digest, as a user does."""
    browser = window.digest_view.browser
    block = browser.document().begin()
    start = end = -1
    while block.isValid() and start < 0:
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().anchorHref() == href:
                start, end = frag.position(), frag.position() + min(frag.length(), 2)  # a mark is one character
                break
            it += 1
        block = block.next()
    assert start >= 0, href
    cursor = QTextCursor(browser.document())
    cursor.setPosition(start)
    browser.setTextCursor(cursor)
    browser.ensureCursorVisible()
    left = browser.cursorRect(cursor)
    cursor.setPosition(end)
    right = browser.cursorRect(cursor)
    point = QPoint((left.x() + right.x()) // 2 + (0 if right.x() > left.x() else 2), left.center().y())
    with qtbot.waitSignal(window.digest_view.citation_activated, timeout=3000):
        qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_history_reopens_the_marks_and_a_click_lands_on_the_supporting_sentence(reopened: MainWindow,
                                                                                 qtbot: QtBot) -> None:
    view = reopened.digest_view
    text = view.browser.toPlainText()
    assert f"⚠ {HEADER}" in text and REASON in text and text.count("✓") == 6  # 4 points, 2 overview sentences
    assert "⚠ 1 of 7 flagged" in view.chip_texts()
    flagged = next(h for h in view.citation_hrefs() if h.startswith("cite:action_items/1/"))
    _click_link(qtbot, reopened, flagged)
    source_text = reopened.source_view.text
    assert source_text.current_document is not None and source_text.current_document.display_name == "product-sync-meeting.vtt"
    assert source_text.cited_words() == ("I can have a fix reviewed by Wednesday the 18th.", ["Wednesday the 18th"])
    marked = source_text.document().findBlockByNumber(source_text.marked_blocks[0]).text()
    assert marked.startswith("Tom Becker: Yes, I'll take it.")
    # The overview's ✓ is a link too: to the sentence the overview's first sentence rests on.
    _click_link(qtbot, reopened, "cite:overview/0/0")
    assert source_text.cited_words() == ("So we ship 4.2 once the export crash is fixed.", [])


def test_copy_export_and_edits_keep_the_verdict(reopened: MainWindow, tmp_path: Path) -> None:
    from pypdf import PdfReader

    reopened.copy_action.trigger()
    copied = QGuiApplication.clipboard().mimeData().text()
    assert HEADER in copied and REASON in copied and "19th. (product-sync-meeting.vtt, 00:00:36–00:00:42, Tom Becker)" in copied
    assert copied.count("✓") == 4 and "cite:" not in copied
    md = reopened.digest_actions.export_to(tmp_path / "meeting.md")
    assert md is not None and REASON in md.read_text(encoding="utf-8") and HEADER in md.read_text(encoding="utf-8")
    pdf = reopened.digest_actions.export_to(tmp_path / "meeting.pdf")
    assert pdf is not None
    words = unicodedata.normalize("NFKC", " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(pdf)).pages))
    assert "6 of 7 supported, 1 flagged" in words and "not Thursday" in words
    # An edited digest keeps the marks it was given (they are words in its Markdown).
    view = reopened.digest_view
    view.set_editing(True)
    view.editor.setPlainText(view.editor.toPlainText().replace("# Product sync meeting", "# Product sync, 12 May"))
    view.set_editing(False)
    assert view.is_edited and REASON in view.browser.toPlainText()
    reopened.copy_action.trigger()
    copied = QGuiApplication.clipboard().mimeData().text()
    assert copied.startswith("Product sync, 12 May") and REASON in copied and HEADER in copied

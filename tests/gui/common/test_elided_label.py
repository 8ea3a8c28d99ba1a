"""Long titles and stages end in "…" in a narrow pane; the whole text stays readable."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.gui.common.elided_label import ElidedLabel

LONG = "Who fixes the export crash, and by when? Asked of product-sync-meeting.vtt and two more files"


def test_a_long_text_ends_in_an_ellipsis_and_keeps_the_whole_text(qtbot: QtBot) -> None:
    label = ElidedLabel(LONG)
    qtbot.addWidget(label)
    label.resize(160, 20)
    label.show()
    qtbot.waitExposed(label)
    shown = super(ElidedLabel, label).text()
    assert shown.endswith("…") and len(shown) < len(LONG)
    assert label.text() == LONG
    assert label.toolTip() == LONG


def test_a_text_that_fits_is_shown_whole_without_a_tooltip(qtbot: QtBot) -> None:
    label = ElidedLabel("waiting")
    qtbot.addWidget(label)
    label.resize(300, 20)
    label.show()
    qtbot.waitExposed(label)
    assert super(ElidedLabel, label).text() == "waiting"
    assert label.toolTip() == ""
    label.resize(30, 20)
    assert super(ElidedLabel, label).text() != "waiting" and label.toolTip() == "waiting"


def test_an_owner_tooltip_is_kept(qtbot: QtBot) -> None:
    label = ElidedLabel(LONG, tip_when_elided=False)
    qtbot.addWidget(label)
    label.setToolTip("/home/me/a.pdf\n/home/me/b.pdf")
    label.resize(100, 20)
    label.show()
    qtbot.waitExposed(label)
    assert label.toolTip() == "/home/me/a.pdf\n/home/me/b.pdf"

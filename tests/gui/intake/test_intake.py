"""One intake step for every way files come in (a drop, the Open dialog, start-up arguments, a
hand-over from another launch): the paths Precis reads become one job, the rest one message; the
file filters are built from the readers' own list, scans' image formats included."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from desktop.core.ingest import SUPPORTED_EXTENSIONS
from desktop.gui.intake.formats import extensions, name_filters, open_filter, readable_sentence
from desktop.gui.intake.handoff_receiver import HandoffReceiver
from desktop.gui.intake.intake import take_in
from desktop.gui.models.model_picker import EXTRACTIVE
from desktop.gui.window.main_window import MainWindow
from desktop.integration import handoff
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES, message_boxes, open_window

pytestmark = OFFSCREEN_NOISE
SCAN_FORMATS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    for win in open_window(qtbot):
        assert win.model_picker.select(EXTRACTIVE)
        yield win


@pytest.fixture
def arrivals(tmp_path: Path) -> dict[str, Path]:
    """A scan's PNG and a meeting transcript (read), a program (not read)."""
    folder = tmp_path / "In"
    folder.mkdir()
    scan = folder / "scanned letter.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    meeting = folder / "sync.vtt"
    meeting.write_bytes(Path(SAMPLE_FILES[1]).read_bytes())
    program = folder / "setup.exe"
    program.write_bytes(b"MZ" + b"\0" * 64)
    return {"scan": scan, "meeting": meeting, "program": program}


# ---------------------------------------------------------------------- the formats
def test_filters_are_built_from_the_readers_list_with_the_scan_formats() -> None:
    assert extensions() == sorted(SUPPORTED_EXTENSIONS) and set(SCAN_FORMATS) <= set(extensions())
    assert name_filters() == [f"*{e}" for e in sorted(SUPPORTED_EXTENSIONS)]
    documents, *groups, everything = open_filter().split(";;")
    offered = set(documents[documents.index("(") + 1 : documents.rindex(")")].split())
    assert offered == {f"*{e}" for e in SUPPORTED_EXTENSIONS}  # every format Precis reads, PNG and TIFF too
    assert everything == "All files (*)"
    assert "Images (*.bmp *.gif *.jpeg *.jpg *.png *.tif *.tiff *.webp)" in groups  # then each kind of file apart
    grouped = {g for group in groups for g in group[group.index("(") + 1 : group.rindex(")")].split()}
    assert grouped == offered
    sentence = readable_sentence()
    assert all(ext in sentence for ext in SUPPORTED_EXTENSIONS), sentence
    assert "images (.bmp, .gif, .jpeg, .jpg, .png, .tif, .tiff, .webp)" in sentence


def test_take_in_accepts_what_precis_reads_and_says_one_thing_about_the_rest(arrivals: dict[str, Path]) -> None:
    folder = arrivals["scan"].parent
    intake = take_in([arrivals["scan"].name, "file://" + quote(str(arrivals["meeting"])), arrivals["program"].name,
                      "sftp://host/x.pdf", "gone.xyz"], cwd=str(folder))
    assert intake.accepted == [str(arrivals["scan"]), str(arrivals["meeting"])]
    remote = "x.pdf (on another computer or device (sftp://); copy it to this computer first)"
    assert intake.left_out == ["setup.exe", remote, "gone.xyz (not found)"]
    assert intake.message.startswith("These 3 files were left out because Precis cannot read them:")
    assert "The other 2 items are queued." in intake.message and readable_sentence() in intake.message
    assert take_in([str(arrivals["scan"])]).message == ""


# ---------------------------------------------------------------------- every way in
def _drop(window: MainWindow, entries: list[str]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl(e) if "://" in e else QUrl.fromLocalFile(e) for e in entries])
    target = window.digest_view.browser.viewport()
    centre = QPointF(target.rect().center())
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(target, QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, buttons, mods))
    QApplication.sendEvent(target, QDropEvent(centre, Qt.DropAction.CopyAction, mime, buttons, mods))


def _open_dialog(window: MainWindow, entries: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    offered: list[str] = []

    def pick(_parent: object, _caption: str, _folder: str, filters: str) -> tuple[list[str], str]:
        offered.append(filters)
        return entries, filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(pick))
    window.open_dialog()
    assert offered == [open_filter()] and "*.png" in offered[0] and "*.tiff" in offered[0]


def _start_up(window: MainWindow, entries: list[str], _monkeypatch: pytest.MonkeyPatch) -> None:
    window.start(entries)  # ``precis FILE...``, as a launcher's %U hands them over


def _hand_over(window: MainWindow, entries: list[str], _monkeypatch: pytest.MonkeyPatch) -> None:
    HandoffReceiver(window).accept(handoff.make(entries, "open", cwd="/"), raise_window=False)


WAYS: dict[str, Callable[[MainWindow, list[str], pytest.MonkeyPatch], None]] = {
    "drop": lambda w, e, _m: _drop(w, e), "open dialog": _open_dialog, "start-up": _start_up, "hand-over": _hand_over}


@pytest.mark.parametrize("way", WAYS)
def test_every_way_in_queues_one_job_and_shows_one_message(way: str, window: MainWindow, arrivals: dict[str, Path],
                                                           qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [str(arrivals["scan"]), arrivals["meeting"].as_uri(), str(arrivals["program"]), "sftp://host/x.pdf"]
    if way == "open dialog":
        entries = [str(arrivals["scan"]), str(arrivals["meeting"]), str(arrivals["program"])]  # a dialog gives paths
    WAYS[way](window, entries, monkeypatch)
    [job] = window.queue.jobs()
    assert job.paths == [str(arrivals["scan"]), str(arrivals["meeting"])]
    qtbot.waitUntil(lambda: len(message_boxes(window)) == 1)
    qtbot.wait(50)
    [box] = message_boxes(window)
    assert "setup.exe" in box.text() and "The other 2 items are queued." in box.text()
    assert ("x.pdf (on another computer" in box.text()) == (way != "open dialog")

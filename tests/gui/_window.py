"""Fixtures and helpers for the main-window tests: a real window over a real job queue."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QObject, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.settings import Settings
from desktop.gui.jobs.job_queue import JobQueue
from desktop.gui.window.main_window import MainWindow
from tests.gui._jobs import SAMPLE_FILES, SAMPLES

#: The offscreen platform says it cannot do what only a real window system does (size hints, raise).
OFFSCREEN_NOISE = pytest.mark.qt_log_ignore(r"^This plugin does not support (propagateSizeHints|raise)\(\)")

__all__ = [
    "OFFSCREEN_NOISE",
    "SAMPLES",
    "SAMPLE_FILES",
    "UrlSink",
    "copy_samples",
    "drop_files",
    "make_window",
    "message_boxes",
    "open_window",
    "wait_digest",
]


class UrlSink(QObject):
    """Where ``QDesktopServices.openUrl`` sends a scheme's URLs in a test
    (``QDesktopServices.setUrlHandler("file", sink, "open")``), instead of a real program."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def make_window(qtbot: QtBot, settings: Settings | None = None, **window: Any) -> tuple[MainWindow, JobQueue]:
    """A shown window over a real queue (``settings``: its own, else the settings file's; ``window``:
    more of MainWindow's arguments, such as a quicker ``watch_service``)."""
    queue = JobQueue(settings=settings)
    win = MainWindow(queue, settings, **window)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win, queue


def open_window(qtbot: QtBot) -> Iterator[MainWindow]:
    """Body of a ``window`` fixture: a shown window over a real queue, shut down afterwards."""
    win, queue = make_window(qtbot)
    yield win
    queue.shutdown()


def copy_samples(tmp_path: Path) -> Path:
    """The sample documents in a folder of the test's own."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for f in SAMPLE_FILES:
        shutil.copy(f, folder)
    return folder


_keep: list[QMimeData] = []


def drop_files(target: QWidget, paths: list[Path | str]) -> QDropEvent:
    """A real drag of file URLs onto ``target`` and the drop, as a file manager makes them:
    Qt delivers a drop only to the widget that accepted the drag entering it."""
    mime = QMimeData()
    _keep[:] = [mime]  # the events do not own their data: keep it alive while the test looks
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPointF(target.rect().center())
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    move = QDragMoveEvent(centre, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, move)
    event = QDropEvent(centre, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, event)
    return event


def message_boxes(win: QWidget) -> list[QMessageBox]:
    return [b for b in win.findChildren(QMessageBox, "precis-message") if b.isVisible()]


def wait_digest(qtbot: QtBot, win: MainWindow, timeout: int = 30_000) -> None:
    qtbot.waitUntil(lambda: win.digest_view.digest is not None and not win.source_view.loading, timeout=timeout)


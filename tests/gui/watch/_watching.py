"""A real window over a real queue whose watcher looks quickly (settle 0.3 s, poll 0.1 s), with the
extractive engine for speed; the tray's offscreen warnings ignored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.settings import Settings, load_settings
from desktop.gui.jobs.job_queue import JobQueue
from desktop.gui.watch.watch_service import WatchService
from desktop.gui.window.main_window import MainWindow
from tests.gui._window import make_window

#: The offscreen platform has no tray; Qt says so while creating the icon. Not ours.
TRAY_NOISE = pytest.mark.qt_log_ignore(r"systemTrayWindowChanged", r"^This plugin does not support")


def quick_window(qtbot: QtBot, settings: Settings | None = None) -> tuple[MainWindow, JobQueue]:
    settings = settings or load_settings()
    settings.model = "extractive"
    return make_window(qtbot, settings, watch_service=WatchService(settle_s=0.3, poll_s=0.1))


def open_quick_window(qtbot: QtBot) -> Iterator[MainWindow]:
    win, queue = quick_window(qtbot)
    yield win
    win.close()
    queue.shutdown()

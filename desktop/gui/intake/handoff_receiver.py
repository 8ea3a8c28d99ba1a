"""What the running window does with files another launch (a file manager's action, a launcher,
a terminal) handed over: take them in the way the action asks (each its own digest, or one
together), then come to the front."""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget

from desktop.integration.handoff import Handoff
from desktop.integration.uris import local_path

log = logging.getLogger(__name__)

#: Explorer runs a verb once per selected file; "together" requests of one file each that arrive
#: this close to one another are one selection, so they make one digest.
COALESCE_MS = 800


class _Window(Protocol):
    def open_paths(self, entries: list[str], *, separately: bool = False) -> str | None: ...


class HandoffReceiver(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.pending: list[str] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(COALESCE_MS)
        self.timer.timeout.connect(self.flush)

    def accept(self, message: Handoff, *, raise_window: bool = True) -> None:
        entries = [local_path(f, message.cwd) or f for f in message.files]
        log.info("handed over by another launch: %s of %d item(s)", message.action, len(entries))
        target: _Window = self.window  # type: ignore[assignment]
        if message.action == "summarize":
            target.open_paths(entries, separately=True)  # each file or folder its own digest
        elif message.action == "summarize-together":
            self.pending += entries
            if len(entries) > 1:
                self.flush()
            else:
                self.timer.start()
        elif entries:
            target.open_paths(entries)
        if raise_window:
            bring_to_front(self.window)

    def flush(self) -> None:
        self.timer.stop()
        entries, self.pending = self.pending, []
        if entries:
            target: _Window = self.window  # type: ignore[assignment]
            target.open_paths(entries)


def bring_to_front(window: QWidget) -> None:
    """Un-minimize, raise and ask for focus (the window manager may only flash the taskbar entry)."""
    if window.windowState() & Qt.WindowState.WindowMinimized:
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()

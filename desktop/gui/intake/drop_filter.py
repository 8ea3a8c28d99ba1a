"""Drag and drop anywhere on a window: files and folders dropped on any of its widgets (the
tree, the digest, a text field) arrive as one ``dropped`` signal instead of being pasted as
text or ignored; the window takes them in through ``intake.take_in`` like every other way in.

File managers drop ``text/uri-list``: percent-encoded ``file://`` URIs (non-ASCII names too),
folders, many at once. Remote URIs (sftp://, smb://, http://) are dropped along and each gets
one sentence in the left-out list; they are never read."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QWidget

from desktop.integration.uris import local_path


def local_paths(mime: QMimeData | None) -> list[str]:
    """Local paths of the dropped URIs (decoded), and the other URIs as they are, to be named
    in the left-out list."""
    if mime is None or not mime.hasUrls():
        return []
    out: list[str] = []
    for url in mime.urls():
        if not url.isValid() or not url.scheme():
            continue
        # Not Qt's toLocalFile: it reads file://localhost/x (RFC 8089) as a network share.
        path = local_path(bytes(url.toEncoded().data()).decode("ascii", "replace")) if url.isLocalFile() else None
        out.append(path or url.toString())
    return out


class DropFilter(QObject):
    """Install on the QApplication; handles file drops on every widget of ``window``."""

    dropped = Signal(list)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self._window:
            return False
        assert isinstance(event, (QDragEnterEvent, QDragMoveEvent, QDropEvent))
        paths = local_paths(event.mimeData())
        if not paths:
            return False
        event.acceptProposedAction()
        if kind == QEvent.Type.Drop:
            self.dropped.emit(paths)
        return True


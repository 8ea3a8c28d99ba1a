"""Drag and drop anywhere on a window: files and folders dropped on any of its widgets (the
tree, the digest, a text field) arrive as one ``dropped`` signal instead of being pasted as
text or ignored.

File managers drop ``text/uri-list``: percent-encoded ``file://`` URIs (non-ASCII names too),
folders, many at once. Remote URIs (sftp://, smb://, http://) are dropped along and each gets
one sentence in the left-out list; they are never read."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QWidget

from desktop.core.ingest import SUPPORTED_EXTENSIONS
from desktop.integration.uris import display_name, local_path, not_local_reason, scheme

READABLE = "PDF, Word (.docx), email (.eml, .mbox, .msg), transcripts (.vtt, .srt, .json) and text (.txt, .md)"


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


#: Entries looked at before a folder is queued anyway (the job then reports what it finds):
#: this check runs on the GUI thread, and a right-click on a home folder must not freeze it.
FOLDER_LOOK_LIMIT = 5000


def has_readable_file(folder: Path) -> bool:
    """Whether ``folder`` holds a file Precis reads (hidden ones skipped, like the job does),
    stopping at the first one found or after ``FOLDER_LOOK_LIMIT`` entries."""
    pending, seen = [folder], 0
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    seen += 1
                    if seen > FOLDER_LOOK_LIMIT:
                        return True
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                    elif os.path.splitext(entry.name)[1].lower() in SUPPORTED_EXTENSIONS:
                        return True
        except OSError:
            continue
    return False


def split_supported(paths: list[str]) -> tuple[list[str], list[str]]:
    """(paths to queue, names of what Precis cannot read, with the reason where it is not obvious)."""
    supported: list[str] = []
    unsupported: list[str] = []
    for raw in paths:
        if scheme(raw) and not Path(raw).exists():
            unsupported.append(f"{display_name(raw)} ({not_local_reason(raw)})")
            continue
        p = Path(raw)
        if p.is_dir():
            if has_readable_file(p):
                supported.append(str(p))
            else:
                unsupported.append(f"{p.name or p}/ (no files Precis reads inside)")
        elif p.suffix.lower() in SUPPORTED_EXTENSIONS:
            supported.append(str(p))
        elif not p.exists():
            unsupported.append(f"{p.name} (not found)")
        else:
            unsupported.append(p.name)
    return supported, unsupported


def unsupported_message(names: list[str], queued: int) -> str:
    count = len(names)
    head = ("This file was" if count == 1 else f"These {count} files were") + " left out because Precis cannot read "
    head += "it:" if count == 1 else "them:"
    shown = names[:15] + ([f"… and {count - 15} more"] if count > 15 else [])
    tail = f"Precis reads {READABLE}."
    if queued:
        tail = f"The other {queued} item{'s are' if queued != 1 else ' is'} queued. " + tail
    return head + "\n" + "\n".join(f"  • {n}" for n in shown) + "\n\n" + tail


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


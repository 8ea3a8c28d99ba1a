"""PDF export with Qt's own text layout (QTextDocument + QPdfWriter): no extra dependency.

Rendered to a temporary file beside the target and renamed over it only when complete, like
every other export, so a failure leaves no half-written PDF and keeps an earlier version.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from desktop.core.export import ExportError


def render_pdf(markdown: str, target: str, *, title: str = "") -> None:
    writer = QPdfWriter(target)
    writer.setTitle(title or "Digest")
    writer.setCreator("Precis")
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(18, 18, 18, 18), QPageLayout.Unit.Millimeter))
    document = QTextDocument()
    font = QFont()
    font.setPointSizeF(10.5)
    document.setDefaultFont(font)
    document.setMarkdown(markdown)
    # print_() paginates onto the writer's page layout and scales to its resolution.
    document.print_(writer)
    del writer  # flushes and closes the file


def export_pdf(markdown: str, path: Path | str, *, title: str = "") -> Path:
    """Write ``markdown`` as a paginated PDF at ``path`` (atomically)."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp.pdf", dir=path.parent)
    except PermissionError as exc:
        raise ExportError(f"Precis may not write to {path.parent}; choose another folder.") from exc
    except OSError as exc:
        raise ExportError(f"The digest could not be saved to {path.name}: {exc.strerror or exc}. Nothing was written.") from exc
    os.close(fd)
    try:
        render_pdf(markdown, tmp, title=title)
        if os.path.getsize(tmp) == 0:
            raise ExportError(f"The PDF for {path.name} came out empty; nothing was written.")
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; an export is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"The digest could not be saved to {path.name}: {exc.strerror or exc}. Nothing was written.") from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

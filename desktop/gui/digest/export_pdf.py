"""PDF export with Qt's own text layout (QTextDocument + QPdfWriter): no extra dependency.

The PDF is laid out in memory and written like every other export (``core.export.write_export``,
atomic), so a failure leaves no half-written PDF and keeps an earlier version.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from desktop.core.export import ExportError, write_export


def render_pdf(markdown: str, *, title: str = "") -> bytes:
    """The paginated PDF of ``markdown`` (A4, 18 mm margins, 300 dpi)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
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
    del writer  # finishes the PDF into the buffer
    buffer.close()
    return bytes(data.data())


def export_pdf(markdown: str, path: Path | str, *, title: str = "") -> Path:
    """Write ``markdown`` as a paginated PDF at ``path`` (atomically)."""
    path = Path(path)
    pdf = render_pdf(markdown, title=title)
    if not pdf:
        raise ExportError(f"The PDF for {path.name} came out empty; nothing was written.")
    return write_export(path, pdf)

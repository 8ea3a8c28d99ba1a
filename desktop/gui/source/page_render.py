"""One page of a scanned PDF or image file rendered to a QImage, for the source view's page pane.

Runs on a pool thread, never the GUI thread: QImage (unlike QPixmap) may be built anywhere. It
reuses the OCR step's own rendering (PDFium for PDFs, Pillow for images), so the picture is the
one the text was recognized from, under the same limits (file size, pixels per image).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QImage

from desktop.core.document import DocKind
from desktop.core.errors import CorruptFile, DocumentError, LimitExceeded, PasswordRequired
from desktop.core.ingest.context import ReadContext
from desktop.core.limits import DEFAULT_LIMITS, Limits

#: Resolution of the picture: enough for a page filling a wide pane at 1:1 (a Letter page is
#: 1275 pixels wide), a quarter of the pixels OCR reads at 200 dpi.
DPI = 150
#: Longest side an image file's frame is shrunk to before it is kept (a 600 dpi scan is 6600).
MAX_SIDE = 2200


@dataclass(frozen=True, slots=True)
class PageKey:
    """A page of a file as it is on disk now: a file changed since is rendered anew."""

    path: str
    page: int
    mtime_ns: int
    size: int


def page_key(path: Path, page: int) -> PageKey | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return PageKey(str(path), page, stat.st_mtime_ns, stat.st_size)


def render_page(path: Path, kind: DocKind, page: int, limits: Limits = DEFAULT_LIMITS) -> QImage:
    """Page ``page`` (1-based) of a PDF or image file as an 8-bit grayscale QImage.

    Raises a ``DocumentError`` with one sentence when the file is gone, damaged, locked or over
    the limits."""
    ctx = ReadContext(path=path, limits=limits)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CorruptFile(f"{path.name} could not be opened again to show its page; it may have moved.", path) from exc
    if size > limits.max_file_bytes:
        raise LimitExceeded(f"{path.name} is larger than the {limits.max_file_bytes // 2**20} MB Precis reads.", path)
    data = path.read_bytes()
    image = _render_pdf(data, page, ctx) if kind == DocKind.PDF else _render_image(data, page, ctx)
    return to_qimage(image)


def _render_pdf(data: bytes, page: int, ctx: ReadContext) -> object:
    from desktop.core.ingest.ocr import pdf_render

    pdf = pdf_render.open_pdf(data, ctx)
    if pdf is None:
        raise PasswordRequired(f"{ctx.display_name} could not be opened to show its page (it may need its "
                               "password, or be damaged).", ctx.path)
    try:
        if not 1 <= page <= len(pdf):
            raise CorruptFile(f"{ctx.display_name} has no page {page} any more.", ctx.path)
        return pdf_render.render(pdf, page - 1, DPI, ctx)
    finally:
        pdf_render.close(pdf)


def _render_image(data: bytes, page: int, ctx: ReadContext) -> object:
    from desktop.core.ingest.ocr import images

    image = images.open_image(data, ctx)
    try:
        if not 1 <= page <= images.frame_count(image):
            raise CorruptFile(f"{ctx.display_name} has no page {page} any more.", ctx.path)
        try:
            frame = images.frame(image, page - 1, ctx)
        except (OSError, ValueError, EOFError, SyntaxError) as exc:
            raise CorruptFile(f"Page {page} of {ctx.display_name} is damaged and cannot be shown.", ctx.path) from exc
        if frame is None:
            raise CorruptFile(f"Page {page} of {ctx.display_name} is too small to show.", ctx.path)
        frame.thumbnail((MAX_SIDE, MAX_SIDE))
        return frame
    finally:
        image.close()


def to_qimage(image: object) -> QImage:
    """A grayscale PIL image as a QImage that owns its pixels."""
    gray = image.convert("L")  # type: ignore[attr-defined]
    width, height = gray.size
    return QImage(gray.tobytes(), width, height, width, QImage.Format.Format_Grayscale8).copy()


__all__ = ["DPI", "DocumentError", "PageKey", "page_key", "render_page", "to_qimage"]

"""PDF pages for OCR with PDFium (pypdfium2): which pages are images, and each rendered to pixels."""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

from desktop.core.errors import LimitExceeded
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.ocr.images import check_pixels

log = logging.getLogger(__name__)

#: PDFium is not thread-safe (pypdfium2's docs); two documents read at once (the source view's
#: loader beside a job) take turns.
PDFIUM_LOCK = threading.RLock()


def open_pdf(data: bytes, ctx: ReadContext) -> Any | None:
    """The document in PDFium, or None when PDFium cannot open it (pypdf may still read its text)."""
    import pypdfium2 as pdfium

    for password in dict.fromkeys((None, "", ctx.password)):
        try:
            with PDFIUM_LOCK:
                return pdfium.PdfDocument(data, password=password)
        except pdfium.PdfiumError as exc:
            log.debug("PDFium could not open %s: %s", ctx.display_name, exc)
    return None


def close(pdf: Any) -> None:
    with PDFIUM_LOCK:
        pdf.close()


def image_coverage(pdf: Any, index: int) -> float:
    """Share of the page's area covered by images (overlaps counted twice, capped at 1)."""
    import pypdfium2.raw as pdfium_c

    with PDFIUM_LOCK:
        return _coverage(pdf, index, pdfium_c)


def _coverage(pdf: Any, index: int, pdfium_c: Any) -> float:
    page = pdf[index]
    try:
        width, height = page.get_size()
        area = max(1.0, width * height)
        covered = 0.0
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
            left, bottom, right, top = obj.get_bounds()
            covered += max(0.0, right - left) * max(0.0, top - bottom)
        return min(1.0, covered / area)
    finally:
        page.close()


def render(pdf: Any, index: int, dpi: int, ctx: ReadContext) -> Any:
    """Page ``index`` as an 8-bit grayscale PIL image at ``dpi``, lowered for pages so large that
    the image would pass the pixel limit."""
    with PDFIUM_LOCK:
        return _render(pdf, index, dpi, ctx)


def _render(pdf: Any, index: int, dpi: int, ctx: ReadContext) -> Any:
    import pypdfium2.raw as pdfium_c

    page = pdf[index]
    try:
        # PDFium decodes every image at its full size before scaling it onto the page: a 1.5 MB
        # file can hold a 40000 x 40000 image that needs 1.6 GB. Sizes come from the image
        # dictionaries, before anything is decoded.
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
            w, h = obj.get_px_size()
            if w * h > ctx.limits.max_image_pixels:
                raise LimitExceeded(f"Page {index + 1} of {ctx.display_name} holds an image of {w:,} x {h:,} pixels, "
                                    f"more than the {ctx.limits.max_image_pixels / 1e6:,.0f} million Precis decodes; "
                                    "it was skipped.", ctx.path)
        width, height = page.get_size()  # PDF points, 72 per inch
        scale = dpi / 72
        pixels = width * height * scale * scale
        if pixels > ctx.limits.max_image_pixels:
            scale *= math.sqrt(ctx.limits.max_image_pixels / pixels) * 0.99
        check_pixels((int(width * scale), int(height * scale)), ctx)
        bitmap = page.render(scale=scale, grayscale=True)
        return bitmap.to_pil()
    finally:
        page.close()

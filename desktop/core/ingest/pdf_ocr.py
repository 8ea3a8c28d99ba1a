"""Which PDF pages to recognize, and their recognized text as blocks with the page's locator.

A page is recognized when its text layer is missing, undecodable, or too thin to be the page's
text: fewer than ``THIN_CHARS_PER_SQIN`` characters per square inch while images cover at least
``IMAGE_SHARE`` of it, or fewer than ``STAMP_CHARS`` characters on a page an image covers whole
(a scan with a stamp or a page number on top; on a small scan a stamp alone passes the density).
Measured on the corpus: every page with real text has at least 1.1 characters per square inch
(the sparsest, a UML diagram page of GeoBase_NHNC1_Data_Model_UML_EN.pdf, has images over 37% of
it); scanned pages have 0.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass, field

from pypdf import PageObject

from desktop.core.document import Block
from desktop.core.errors import NoTextLayer
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.ocr import bullets, pdf_render
from desktop.core.ingest.ocr.runner import PageImage, check_engine, recognize_pages
from desktop.core.ingest.pdf_layout import Line

log = logging.getLogger(__name__)

THIN_CHARS_PER_SQIN = 1.0
IMAGE_SHARE = 0.5
STAMP_CHARS = 80
FULL_PAGE = 0.9


@dataclass(slots=True)
class RecognizedPages:
    blocks: dict[int, list[Block]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    confidence: float | None = None
    attempted: bool = False
    cache_hits: int = 0
    limited: bool = False


def recognize(data: bytes, ctx: ReadContext, pages: list[PageObject], page_lines: list[list[Line]],
              image_pages: list[int], garbled: list[int]) -> RecognizedPages:
    """Recognize the pages that need it (all of them with OCR ``always``); none with ``never``."""
    out = RecognizedPages()
    if not ctx.ocr.enabled:
        return out
    has_text = any(page_lines)
    read = len(page_lines)
    pdf = None
    candidates = set(range(1, read + 1)) if ctx.ocr.mode == "always" else set(image_pages) | set(garbled)
    thin: dict[int, float] = {}  # page number -> the image share that makes it a scan
    for n in range(1, read + 1) if ctx.ocr.mode == "auto" else ():
        if page_lines[n - 1] and n not in candidates:
            chars, density = _density(page_lines[n - 1], pages[n - 1])
            if density < THIN_CHARS_PER_SQIN:
                thin[n] = IMAGE_SHARE
            elif chars < STAMP_CHARS:
                thin[n] = FULL_PAGE
    if not candidates and not thin:
        return out
    try:
        check_engine(ctx)
    except NoTextLayer as err:
        if not has_text:
            raise
        out.warnings.append(f"{err.message} Pages without a text layer were skipped.")
        return out
    pdf = pdf_render.open_pdf(data, ctx)
    if pdf is None:
        if not has_text:
            raise NoTextLayer(f"{ctx.display_name} has no text layer and its pages could not be rendered for OCR.",
                              ctx.path)
        return out  # the reader's own notes say which pages were skipped
    try:
        candidates |= {n for n, share in thin.items() if n <= len(pdf) and pdf_render.image_coverage(pdf, n - 1) >= share}
        numbers = sorted(n for n in candidates if n <= len(pdf))
        jobs = (PageImage(n, functools.partial(pdf_render.render, pdf, n - 1, ctx.ocr.dpi, ctx)) for n in numbers)
        result = recognize_pages(jobs, len(numbers), content_hash=hashlib.sha256(data).hexdigest(),
                                 page_total=len(pages), ctx=ctx)
    finally:
        pdf_render.close(pdf)
    out.warnings += result.warnings
    out.attempted = True
    out.cache_hits = result.cache_hits
    out.limited = bool(result.limited)
    for number, text in sorted(result.pages.items()):
        out.blocks[number] = bullets.page_blocks(text.paragraphs, number)
    scores = [p.confidence for p in result.pages.values() if p.paragraphs]
    out.confidence = round(sum(scores) / len(scores), 1) if scores else None
    return out


def merge(text_blocks: list[Block], recognized: dict[int, list[Block]]) -> list[Block]:
    """Text-layer and recognized blocks in page order (a recognized page replaces its text layer)."""
    kept = [b for b in text_blocks if not recognized.get(b.locator.page or 0)]
    ocr = [b for number in sorted(recognized) for b in recognized[number]]
    return sorted(kept + ocr, key=lambda b: b.locator.page or 0)


def _density(lines: list[Line], page: PageObject) -> tuple[int, float]:
    """Characters of the page's text layer, and per square inch."""
    try:
        box = page.mediabox
        area = abs(float(box.width) * float(box.height)) / (72 * 72)
    except Exception:  # noqa: BLE001 - a broken box: assume Letter
        area = 8.5 * 11
    chars = sum(len(line.text.strip()) for line in lines)
    return chars, chars / max(area, 1.0)

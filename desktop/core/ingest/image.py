"""Read page images (PNG, JPEG, TIFF, BMP, WebP, GIF) by OCR: each frame a page, each paragraph a block."""

from __future__ import annotations

import functools
import hashlib
from pathlib import PurePath

from desktop.core.document import DocKind, Document
from desktop.core.errors import CorruptFile, EmptyDocument, NoTextLayer
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.ocr import images
from desktop.core.ingest.ocr.bullets import page_blocks
from desktop.core.ingest.ocr.runner import PageImage, check_engine, recognize_pages


def read(data: bytes, ctx: ReadContext) -> Document:
    if not ctx.ocr.enabled:
        raise NoTextLayer(f"{ctx.display_name} is an image and OCR is turned off, so there is no text to read; "
                          "choose OCR auto or always to read it.", ctx.path)
    image = images.open_image(data, ctx)
    check_engine(ctx)
    count = images.frame_count(image)
    damaged: list[int] = []

    def page(index: int) -> object:
        try:
            decoded = images.frame(image, index, ctx)
        except (OSError, ValueError, EOFError, SyntaxError):  # truncated or corrupt pixel data
            damaged.append(index + 1)  # the runner reports the page; all pages damaged is a CorruptFile below
            raise
        if decoded is None:
            from PIL import Image

            decoded = Image.new("L", (1, 1), 255)  # too small to hold text: recognized as an empty page
        return decoded

    shown = min(count, ctx.limits.max_ocr_pages + 1)
    pages = (PageImage(i + 1, functools.partial(page, i)) for i in range(shown))
    try:
        result = recognize_pages(pages, min(count, ctx.limits.max_ocr_pages),
                                 content_hash=hashlib.sha256(data).hexdigest(), page_total=count, ctx=ctx)
    finally:
        image.close()
    blocks = [b for number, text_page in sorted(result.pages.items()) for b in page_blocks(text_page.paragraphs, number)]
    if damaged and len(damaged) == count:
        raise CorruptFile(f"{ctx.display_name} is a damaged image (its pixel data is cut short or corrupt).", ctx.path)
    if not blocks:
        reason = next((w for w in result.warnings if "script" in w), None)
        raise EmptyDocument(reason or f"{ctx.display_name} is an image with no readable text.", ctx.path)
    metadata: dict[str, object] = {"page_count": count, "ocr": True, "ocr_lang": ctx.ocr.lang,
                                   "ocr_cached_pages": result.cache_hits,
                                   "ocr_confidence": round(sum(p.confidence for p in result.pages.values())
                                                           / max(1, len(result.pages)), 1)}
    return Document(path=ctx.path, kind=DocKind.IMAGE, title=PurePath(ctx.name).stem, metadata=metadata,
                    blocks=blocks, warnings=result.warnings, part=ctx.part)

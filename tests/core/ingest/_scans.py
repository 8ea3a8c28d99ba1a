"""Make scanned copies of corpus PDFs (render pages, save them as images or an image-only PDF),
so the true text of every scanned page is known: the original's text layer."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image


def render(pdf_path: Path, index: int, dpi: int = 200, *, crop: float = 1.0) -> Image.Image:
    """Page ``index`` as a grayscale image; ``crop`` keeps the top share of the page (faster tests)."""
    pdf = pdfium.PdfDocument(pdf_path)
    try:
        image = pdf[index].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        pdf.close()
    if crop < 1.0:
        image = image.crop((0, 0, image.width, int(image.height * crop)))
    return image


def true_words(pdf_path: Path, index: int) -> list[str]:
    pdf = pdfium.PdfDocument(pdf_path)
    try:
        return words(pdf[index].get_textpage().get_text_range())
    finally:
        pdf.close()


def words(text: str) -> list[str]:
    """Words with letters; bare numbers are left out because margins of line numbers (court
    transcripts) are layout, not text, and Tesseract rightly drops most single digits there."""
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if not w.isdigit()]


def recall(truth: list[str], text: str) -> float:
    """Share of the true words (with repeats) that the recognized text contains."""
    got = set(words(text))
    return sum(w in got for w in truth) / max(1, len(truth))


def image_pdf(images: list[Image.Image], dpi: int = 200) -> bytes:
    """An image-only PDF, one page per image, as a scanner writes it."""
    out = io.BytesIO()
    first, *rest = [img.convert("L") for img in images]
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=dpi)
    return out.getvalue()


def image_bytes(image: Image.Image, fmt: str, **kw: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()

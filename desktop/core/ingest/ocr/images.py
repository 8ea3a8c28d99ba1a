"""Decode page images safely: size checked before any pixel is decoded, every frame of a TIFF a page."""

from __future__ import annotations

import io
import logging
import re
import warnings
from typing import Any

from desktop.core.errors import CorruptFile, LimitExceeded
from desktop.core.ingest.context import ReadContext

log = logging.getLogger(__name__)

#: Tesseract needs a few pixels of text height; anything smaller than this cannot hold a word.
_MIN_SIDE = 8


def open_image(data: bytes, ctx: ReadContext) -> Any:
    """Open (not decode) an image; refuse one whose pixel count is over the limit."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # Pillow warns between its two bomb thresholds; ours is lower
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # over twice Pillow's own limit: refused from the header
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)) / 1e6:,.0f} million pixels" if found else "more pixels than that"
        raise LimitExceeded(f"{ctx.display_name} is {size}; Precis reads images of up to "
                            f"{ctx.limits.max_image_pixels / 1e6:,.0f} million pixels.", ctx.path) from exc
    except UnidentifiedImageError as exc:
        raise CorruptFile(f"{ctx.display_name} looks like an image but is damaged or of a kind Precis cannot "
                          "decode.", ctx.path) from exc
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow raises SyntaxError on broken headers
        raise CorruptFile(f"{ctx.display_name} is a damaged image and could not be opened.", ctx.path) from exc
    check_pixels(image.size, ctx)
    return image


def check_pixels(size: tuple[int, int], ctx: ReadContext) -> None:
    width, height = size
    if width * height > ctx.limits.max_image_pixels:
        raise LimitExceeded(f"{ctx.display_name} is {width:,} x {height:,} pixels ({width * height / 1e6:,.0f} million); "
                            f"Precis reads images of up to {ctx.limits.max_image_pixels / 1e6:,.0f} million pixels.",
                            ctx.path)


def frame_count(image: Any) -> int:
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except (OSError, ValueError, EOFError):
        return 1


def frame(image: Any, index: int, ctx: ReadContext) -> Any:
    """Frame ``index`` decoded as 8-bit grayscale on white (Tesseract's best input)."""
    from PIL import Image, ImageOps

    image.seek(index)
    check_pixels(image.size, ctx)  # every TIFF frame has its own size
    image.load()
    if min(image.size) < _MIN_SIDE:
        return None
    image = ImageOps.exif_transpose(image)  # a phone photo stores "rotate me" in EXIF, not in its pixels
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        return image.point(lambda v: v / 256).convert("L")
    return image.convert("L")

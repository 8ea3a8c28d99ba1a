"""Extract every page's text lines with pypdf, within memory, time and size budgets."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from pypdf import PageObject, PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import EncodedStreamObject

from desktop.core.errors import LimitExceeded
from desktop.core.ingest import pdf_layout as layout
from desktop.core.ingest.context import ReadContext

log = logging.getLogger(__name__)

#: Decoded page content one document may make us parse, and the wall time we give it.
_CONTENT_BUDGET = 768 * 2**20
_TIME_BUDGET_S = 240.0


@dataclass
class PageText:
    """Lines per page (empty for a page not read), each page's vertical middle, and what went wrong."""

    lines: list[list[layout.Line]] = field(default_factory=list)
    middles: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    images: list[int] = field(default_factory=list)
    damaged: list[int] = field(default_factory=list)
    garbled: list[int] = field(default_factory=list)
    #: The warnings about pages OCR could read instead (dropped when it did).
    ocr_notes: list[str] = field(default_factory=list)


def extract(reader: PdfReader, pages: list[PageObject], ctx: ReadContext) -> PageText:
    """Read the pages one by one, releasing each page's objects before the next."""
    result = PageText()
    out, middles, warns, images = result.lines, result.middles, result.warnings, result.images
    failed: list[int] = []
    too_big: list[int] = []
    undecodable: list[int] = []
    chars = work = 0
    started = time.monotonic()
    for number, page in enumerate(pages, 1):
        collector = layout.LineCollector()
        try:
            page.extract_text(visitor_text=collector)
            lines = collector.lines()
            middles.append(_middle(page))
        except (MemoryError, RecursionError):
            raise
        except LimitReachedError:  # a decompression bomb, or a page far beyond any real one
            lines, too_big = [], too_big + [number]
            middles.append(0.0)
        except Exception as exc:  # noqa: BLE001 - one damaged page must not cost the others
            log.debug("page %d unreadable: %s", number, type(exc).__name__)
            lines, failed = [], failed + [number]
            middles.append(0.0)
        if lines and _garbled(lines):
            lines, undecodable = [], undecodable + [number]
        elif not lines and number not in failed + too_big and _has_image(page):
            images.append(number)
        out.append(lines)
        chars += sum(len(line.text) for line in lines)
        work += _release(reader)
        stop = _stop_reason(chars, work, started, ctx)
        if stop and number < len(pages):
            warns.append(f"Precis stopped reading {ctx.display_name} after page {number} of {len(pages)}: {stop}.")
            break
    if too_big and any(out):
        warns.append(f"{_pages_label(too_big)} of {ctx.display_name} {'expands' if len(too_big) == 1 else 'expand'} "
                     f"to more data than is safe to read and {_were(too_big)} skipped.")
    elif too_big:
        raise LimitExceeded(f"{ctx.display_name} expands to more data than is safe to read.", ctx.path)
    if failed:
        warns.append(f"{_pages_label(failed)} of {ctx.display_name} could not be read (damaged) and {_were(failed)} skipped.")
    if undecodable:
        result.ocr_notes.append(f"{_pages_label(undecodable)} of {ctx.display_name} use fonts whose text cannot be decoded "
                     f"and {_were(undecodable)} skipped.")
    if images and any(out):
        result.ocr_notes.append(f"No text layer on {_pages_label(images).lower()} (scanned or image-only), so "
                     f"{'it was' if len(images) == 1 else 'they were'} skipped.")
    warns += result.ocr_notes
    result.damaged = failed + undecodable
    result.garbled = undecodable
    return result


def _stop_reason(chars: int, work: int, started: float, ctx: ReadContext) -> str | None:
    if chars > ctx.limits.max_chars:
        return f"it holds more than the {ctx.limits.max_chars:,} characters Precis reads from one document"
    if work > _CONTENT_BUDGET:
        return "the rest expands to more data than is safe to process"
    if time.monotonic() - started > _TIME_BUDGET_S:
        return "the rest would take too long to read"
    return None


def _release(reader: PdfReader) -> int:
    """Forget the objects the last page loaded (so memory does not grow with the page count)
    and return how many decoded bytes it took."""
    work = 0
    for obj in reader.resolved_objects.values():
        if isinstance(obj, EncodedStreamObject) and obj.decoded_self is not None and obj.get("/Type") != "/ObjStm":
            work += len(obj.decoded_self.get_data())
    reader.resolved_objects.clear()
    return work


def _garbled(lines: list[layout.Line]) -> bool:
    """Text from fonts without a usable character map comes out as replacement or control characters."""
    text = "".join(line.text for line in lines)
    bad = sum(1 for c in text if c == "\ufffd" or (ord(c) < 32 and c not in "\t\n\r") or 0xE000 <= ord(c) <= 0xF8FF)
    return bad > 0.3 * len(text.replace(" ", ""))


def _has_image(page: PageObject) -> bool:
    try:
        xobjects = page["/Resources"]["/XObject"]  # type: ignore[index]
        return any(xobjects[name].get("/Subtype") in ("/Image", "/Form") for name in list(xobjects)[:200])
    except Exception:  # noqa: BLE001 - no resources, or damaged ones: not an image page
        return False


def _middle(page: PageObject) -> float:
    box = page.mediabox
    return float(box.bottom) + float(box.height) / 2


def _pages_label(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:20]) + (f" and {len(numbers) - 20} more" if len(numbers) > 20 else "")
    return f"Page {shown}" if len(numbers) == 1 else f"Pages {shown}"


def _were(numbers: list[int]) -> str:
    return "was" if len(numbers) == 1 else "were"

"""Recognize a document's page images in parallel, with progress, Cancel, a cache and limits.

Pages are rendered (or decoded) one at a time in the reading thread, because PDFium is not
thread-safe, and recognized on a pool of threads, one per core; only a few rendered pages wait at
any time, so memory does not grow with the page count.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from desktop.core import paths
from desktop.core.cache import SummaryCache, cache_key
from desktop.core.errors import DocumentError, NoTextLayer
from desktop.core.events import Progress
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.ocr import tesseract
from desktop.core.ingest.ocr.tesseract import PageText, Recognizer

log = logging.getLogger(__name__)

#: Mean word confidence (0-100) under which a page's text is flagged as unreliable. Clean 200 dpi
#: corpus pages score 79-94; a page blurred until a third of its words are wrong scores 58.
LOW_CONFIDENCE = 70.0


@dataclass(slots=True)
class PageImage:
    """A page to recognize: its number (1-based) and how to get its image (a PIL image)."""

    number: int
    image: Callable[[], Any]


@dataclass(slots=True)
class OcrResult:
    pages: dict[int, PageText] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    cache_hits: int = 0
    seconds: float = 0.0
    #: pages skipped because they passed a safety limit (their sentences are in ``warnings``)
    limited: list[int] = field(default_factory=list)


def ocr_cache_path() -> Any:
    return paths.cache_dir() / "ocr.sqlite3"


def workers_for(requested: int) -> int:
    if requested > 0:
        return requested
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def check_engine(ctx: ReadContext) -> None:
    """Fail with one sentence when OCR cannot run here: no engine, or a language not installed."""
    if not tesseract.engine_available():
        raise NoTextLayer(f"{ctx.display_name} needs OCR, but the OCR engine (tesserocr with its English model) "
                          "is not installed; run the README's setup command.", ctx.path)
    missing = tesseract.missing_languages(ctx.ocr.lang)
    if missing:
        have = ", ".join(tesseract.installed_languages())
        raise NoTextLayer(f"The OCR language {'+'.join(missing)} is not installed (installed: {have}); put "
                          f"{missing[0]}.traineddata from Tesseract's tessdata_fast models into {tesseract.tessdata_dir()} "
                          "(the README's OCR section says how).", ctx.path)


def recognize_pages(pages: Iterable[PageImage], count: int, *, content_hash: str, page_total: int,
                    ctx: ReadContext) -> OcrResult:
    """Recognize ``count`` pages of a document with ``page_total`` pages; results keyed by page number.

    ``content_hash`` names the file's bytes, so an unchanged file is never recognized twice.
    Raises ``Cancelled`` within a second of the job's Cancel.
    """
    started = time.monotonic()
    opts, limits = ctx.ocr, ctx.limits
    result = OcrResult()
    cache = SummaryCache(ocr_cache_path() if opts.use_cache else None)
    recognizer = Recognizer(opts.lang)
    engine = (tesseract.ENGINE_ID, _engine_version(), opts.lang)
    key_base = (*engine, str(opts.dpi), content_hash)
    workers = workers_for(opts.workers)
    pending: dict[Future[PageText], tuple[int, str]] = {}
    failed: list[int] = []
    done = 0
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="precis-ocr")
    try:
        for page in pages:
            if len(result.pages) + len(pending) + len(failed) >= limits.max_ocr_pages:
                result.warnings.append(f"Precis recognizes at most {limits.max_ocr_pages:,} scanned pages per document; "
                                       f"the pages after page {page.number - 1} of {ctx.display_name} were not read.")
                break
            key = cache_key(*key_base, str(page.number))
            hit = cache.get(key)
            if hit is not None:
                result.pages[page.number] = PageText.from_json(json.loads(hit))
                result.cache_hits += 1
                done += 1
                continue
            while len(pending) >= workers + 1:
                done += _collect(pending, result, cache, key_base, ctx, block=True)
            ctx.cancel_check()
            ctx.report(Progress(f"recognizing page {page.number} of {page_total}", done, count))
            try:
                image = page.image()
            except DocumentError as err:  # a frame over the pixel limit: its own sentence
                result.warnings.append(err.message)
                result.limited.append(page.number)
                continue
            except Exception as exc:  # noqa: BLE001 - one unrenderable page must not cost the others
                log.debug("page %d could not be rendered: %s", page.number, type(exc).__name__)
                failed.append(page.number)
                continue
            # The same pixels (a page re-saved into another file, a copy attached to a mail) were
            # recognized before: the file's bytes differ, the page does not.
            pixels = cache_key(*engine, "pixels", _pixel_hash(image))
            hit = cache.get(pixels)
            if hit is not None:
                result.pages[page.number] = PageText.from_json(json.loads(hit))
                cache.put(key, hit, "ocr")
                result.cache_hits += 1
                done += 1
                continue
            foreign = any(p.problem and p.problem.startswith("script:") for p in result.pages.values())
            future = pool.submit(recognizer.recognize, image, limits.ocr_page_seconds, script_first=foreign)
            pending[future] = (page.number, pixels)
            del image
        while pending:
            done += _collect(pending, result, cache, key_base, ctx, block=True)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        cache.close()
    ctx.report(Progress(f"recognized {count} {'page' if count == 1 else 'pages'}", count, count))
    if failed:
        result.warnings.append(f"{_pages(failed)} of {ctx.display_name} could not be rendered for OCR and "
                               f"{'was' if len(failed) == 1 else 'were'} skipped.")
    result.warnings += _page_warnings(result.pages, ctx)
    result.seconds = time.monotonic() - started
    return result


def _collect(pending: dict[Future[PageText], tuple[int, str]], result: OcrResult, cache: SummaryCache,
             key_base: tuple[str, ...], ctx: ReadContext, *, block: bool) -> int:
    """Wait (a quarter second at a time, so Cancel is seen) for finished pages and store them."""
    while True:
        ctx.cancel_check()
        finished, _ = wait(list(pending), timeout=0.25, return_when=FIRST_COMPLETED)
        if finished or not block:
            break
    for future in finished:
        number, pixels = pending.pop(future)
        try:
            text = future.result()
        except Exception as exc:  # noqa: BLE001 - Tesseract refusing one image (too small...) is one page
            log.debug("page %d not recognized: %s", number, type(exc).__name__)
            text = PageText()
        result.pages[number] = text
        if text.problem != "timeout":
            value = json.dumps(text.to_json())
            cache.put(cache_key(*key_base, str(number)), value, "ocr")
            cache.put(pixels, value, "ocr")
    return len(finished)


def _page_warnings(pages: dict[int, PageText], ctx: ReadContext) -> list[str]:
    """The pages a user should know about: no text, too slow, a script no model reads, low confidence."""
    out: list[str] = []
    empty = sorted(n for n, p in pages.items() if not p.paragraphs and p.problem is None)
    slow = sorted(n for n, p in pages.items() if p.problem == "timeout")
    scripts: dict[str, list[int]] = {}
    for n, p in sorted(pages.items()):
        if p.problem and p.problem.startswith("script:"):
            scripts.setdefault(p.problem.split(":", 1)[1], []).append(n)
    low = sorted(n for n, p in pages.items() if p.paragraphs and p.confidence < LOW_CONFIDENCE)
    if empty:
        out.append(f"{_pages(empty)} of {ctx.display_name} {'has' if len(empty) == 1 else 'have'} no readable text.")
    if slow:
        out.append(f"{_pages(slow)} of {ctx.display_name} took longer than {ctx.limits.ocr_page_seconds:g} s to "
                   f"recognize and {'was' if len(slow) == 1 else 'were'} skipped.")
    for script, numbers in scripts.items():
        pack = tesseract.pack_for_script(script)
        out.append(f"{_pages(numbers)} of {ctx.display_name} {'is' if len(numbers) == 1 else 'are'} written in "
                   f"{script} script, which the installed OCR languages ({ctx.ocr.lang}) cannot read; add the "
                   f"'{pack}' language pack ({pack}.traineddata, see the README's OCR section) and choose OCR "
                   f"languages {ctx.ocr.lang}+{pack}.")
    if low:
        out.append(f"The text recognized on {_pages(low).lower()} of {ctx.display_name} is uncertain (low OCR "
                   "confidence); check those pages against the original.")
    return out


def _pages(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:20]) + (f" and {len(numbers) - 20} more" if len(numbers) > 20 else "")
    return f"Page {shown}" if len(numbers) == 1 else f"Pages {shown}"


def _pixel_hash(image: Any) -> str:
    digest = hashlib.sha256(f"{image.mode} {image.size}".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def _engine_version() -> str:
    try:
        import tesserocr

        return str(tesserocr.tesseract_version().split()[1])
    except (ImportError, IndexError, AttributeError):
        return "?"

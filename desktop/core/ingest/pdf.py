"""Read PDF files with pypdf: paragraphs in reading order, each located by its page number."""

from __future__ import annotations

import io
import logging
import warnings
from contextvars import ContextVar
from pathlib import PurePath
from typing import Any

from pypdf import PageObject, PdfReader, apply_configuration
from pypdf.errors import DependencyError, EmptyFileError, FileNotDecryptedError, LimitReachedError
from pypdf.generic import DictionaryObject, IndirectObject

from desktop.core.document import Block, DocKind, Document, Locator, Role
from desktop.core.errors import (
    CorruptFile,
    EmptyDocument,
    LimitExceeded,
    NoTextLayer,
    PasswordRequired,
    UnsupportedFormat,
)
from desktop.core.ingest import pdf_forms, pdf_ocr
from desktop.core.ingest import pdf_layout as layout
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.pdf_meta import document_info
from desktop.core.ingest.pdf_outline import outline_entries
from desktop.core.ingest.pdf_pages import extract
from desktop.core.ingest.titles import clean_title, plausible_title
from desktop.core.structure.sections import from_outline

log = logging.getLogger(__name__)

#: pypdf's warnings about the file being read, collected for the read in progress.
_NOTES: ContextVar[list[str] | None] = ContextVar("precis_pdf_notes", default=None)


class _PypdfLogBridge(logging.Handler):
    """Keep pypdf's robustness warnings out of the user's console and log.

    They go to our logger at DEBUG, message template only (the values can hold document
    content), and to the read in progress, which turns the meaningful ones into warnings.
    """

    def emit(self, record: logging.LogRecord) -> None:
        notes = _NOTES.get()
        if notes is not None and len(notes) < 1000:
            notes.append(str(record.msg))
        log.debug("pypdf: %s", record.msg)


_pypdf_logger = logging.getLogger("pypdf")
_pypdf_logger.addHandler(_PypdfLogBridge())
_pypdf_logger.propagate = False

#: Decompression ceilings, tighter than pypdf's 75 MB defaults: no stream a text page needs comes
#: close, and with each page's objects released after it, memory stays far below 1 GiB.
_STREAM_LIMIT = 48 * 2**20
_PYPDF_LIMITS: dict[str, Any] = {
    "zlib_maximum_output_length": _STREAM_LIMIT,
    "lzw_maximum_output_length": _STREAM_LIMIT,
    "run_length_maximum_output_length": _STREAM_LIMIT,
    "brotli_maximum_output_length": _STREAM_LIMIT,
    "jbig2_maximum_output_length": _STREAM_LIMIT,
    "array_based_stream_maximum_output_length": _STREAM_LIMIT,
    "image_maximum_buffer_size": _STREAM_LIMIT,
    "stream_decoding_work_maximum_length": 4 * _STREAM_LIMIT,
    "xmp_maximum_input_length": 2 * 2**20,
}
_SCAN_MAX_OBJECTS = 200_000
_XREF_NOTES = ("startxref", "xref", "Object Streams")


def read(data: bytes, ctx: ReadContext) -> Document:
    start = data.find(b"%PDF-", 0, 1024)
    if start > 0:  # readers accept junk before the header; offsets then count from it
        data = data[start:]
    if not data.strip():
        raise EmptyDocument(f"{ctx.display_name} is empty.", ctx.path)
    notes: list[str] = []
    token = _NOTES.set(notes)
    try:
        with apply_configuration(**_PYPDF_LIMITS), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read(data, ctx, notes)
    except LimitReachedError as exc:
        raise LimitExceeded(f"{ctx.display_name} expands to more data than is safe to read.", ctx.path) from exc
    finally:
        _NOTES.reset(token)


def _read(data: bytes, ctx: ReadContext, notes: list[str]) -> Document:
    reader = _open(data, ctx)
    encrypted = _unlock(reader, ctx)
    pages, warns = _page_list(reader, ctx)
    warns[:0] = _damage_notes(notes, ctx)
    metadata = document_info(reader)
    metadata.update(page_count=len(pages), encrypted=encrypted)
    text = extract(reader, pages, ctx)
    page_lines, middles = text.lines, text.middles
    warns += text.warnings
    forms = pdf_forms.form_blocks(pages[: len(page_lines)], [" ".join(ln.text for ln in lines) for lines in page_lines])
    ocr = pdf_ocr.recognize(data, ctx, pages, page_lines, text.images, text.garbled)
    if ocr.attempted:  # the pages those notes were about have been recognized
        warns = [w for w in warns if w not in text.ocr_notes]
    warns += ocr.warnings
    for number in ocr.blocks:
        page_lines[number - 1] = []  # the recognized text stands for the page
    if not any(page_lines) and not any(ocr.blocks.values()) and not forms:
        if ocr.limited and not any(ocr.blocks.values()):
            raise LimitExceeded(" ".join(w for w in ocr.warnings if "Precis decodes" in w), ctx.path)
        if ocr.attempted:
            why = " ".join(w for w in ocr.warnings if any(k in w for k in ("script", "rendered", "took longer")))
            raise EmptyDocument(f"{ctx.display_name} is a scan with no readable text on its pages. {why}".strip(),
                                ctx.path)
        if text.damaged and not text.images:
            raise CorruptFile(f"{ctx.display_name} is damaged: none of its pages could be read.", ctx.path)
        if not text.images:
            raise EmptyDocument(f"{ctx.display_name} has pages but no text on them.", ctx.path)
        raise NoTextLayer(
            f"{ctx.display_name} has no text layer (it looks like a scanned image), so there is nothing to read "
            "with OCR turned off.", ctx.path,
        )
    if ocr.blocks:
        metadata.update(ocr_pages=sorted(n for n, b in ocr.blocks.items() if b), ocr_lang=ctx.ocr.lang,
                        ocr_cached_pages=ocr.cache_hits)
        if ocr.confidence is not None:
            metadata["ocr_confidence"] = ocr.confidence
    early = " ".join(line.text for lines in page_lines[:3] for line in lines).lower()
    layout.remove_running_lines(page_lines)
    vocab = layout.vocabulary(page_lines)
    paras = [layout.paragraphs(layout.drop_line_numbers(lines), vocab) for lines in page_lines]
    body = layout.body_size(paras)
    paras = [layout.move_footnotes(p, body, mid) for p, mid in zip(paras, middles)]
    levels = layout.heading_levels(paras, body)
    blocks: list[Block] = []
    for number, page_paras in enumerate(paras, 1):
        for para in page_paras:
            if layout.is_heading(para, levels):
                blocks.append(Block(para.text, Role.HEADING, Locator(page=number), levels[para.size]))
            elif layout.is_list_item(para.text):
                blocks.append(Block(para.text, Role.LIST_ITEM, Locator(page=number), 1))
            else:
                blocks.append(Block(para.text, Role.PARAGRAPH, Locator(page=number)))
    blocks = sorted(pdf_ocr.merge(blocks, ocr.blocks) + forms, key=lambda b: b.locator.page or 0)
    if not blocks:
        raise EmptyDocument(f"{ctx.display_name} holds no readable text.", ctx.path)
    if _cap(blocks, ctx.limits.max_chars) and not any("characters" in w for w in warns):
        warns.append(f"{ctx.display_name} holds more than the {ctx.limits.max_chars:,} characters Precis reads "
                     "from one document; the rest was left out.")
    title = _title(metadata.pop("title", None), early, blocks) or PurePath(ctx.name).stem
    outline = outline_entries(reader)
    if outline:
        metadata["outline_entries"] = len(outline)
    return Document(path=ctx.path, kind=DocKind.PDF, title=title, metadata=metadata, blocks=blocks,
                    warnings=warns, part=ctx.part, sections=from_outline(outline, blocks))


def _damage_notes(notes: list[str], ctx: ReadContext) -> list[str]:
    """What pypdf's repairs mean for the reader, in words: a rebuilt index, objects gone missing."""
    missing = sum("not defined" in note for note in notes)
    rebuilt = any(any(key in note for key in _XREF_NOTES) for note in notes)
    if not (missing or rebuilt):
        return []
    text = f"The internal index of {ctx.display_name} is damaged"
    text += "; Precis rebuilt it by scanning the file" if rebuilt else ""
    if missing:
        verb = "is" if missing == 1 else "are"
        text += f", and {missing} of the objects it refers to {verb} missing, so some text or pages may be lost."
    else:
        text += ", so some text may be missing or out of order."
    return [text]


def _cap(blocks: list[Block], limit: int) -> bool:
    """Cut the blocks to ``limit`` characters in all; True if anything was cut."""
    total = 0
    for i, block in enumerate(blocks):
        if total + len(block.text) > limit:
            block.text = block.text[: max(0, limit - total)]
            del blocks[i + 1 if block.text else i:]
            return True
        total += len(block.text)
    return False


def _title(declared: str | None, early: str, blocks: list[Block]) -> str | None:
    """The metadata title when the first pages bear it out, else the first heading."""
    declared = clean_title(declared)
    if declared and plausible_title(declared, early):
        return declared
    return next((b.text for b in blocks[:60] if b.role is Role.HEADING and (b.locator.page or 0) <= 2), None)


def _open(data: bytes, ctx: ReadContext) -> PdfReader:
    try:
        return PdfReader(io.BytesIO(data), strict=False)
    except EmptyFileError as exc:
        raise EmptyDocument(f"{ctx.display_name} is empty.", ctx.path) from exc
    except (NotImplementedError, DependencyError) as exc:
        raise UnsupportedFormat(f"{ctx.display_name} is protected with a kind of encryption Precis cannot open.",
                                ctx.path) from exc
    except (MemoryError, RecursionError, LimitReachedError):
        raise
    except Exception as exc:
        log.debug("pypdf could not open a PDF: %s", type(exc).__name__)
        raise CorruptFile(f"{ctx.display_name} is damaged and could not be opened as a PDF.", ctx.path) from exc


def _unlock(reader: PdfReader, ctx: ReadContext) -> bool:
    """Open an encrypted file with the empty password, else the one given; True if it was encrypted."""
    if not reader.is_encrypted:
        return False
    try:
        if reader.decrypt(""):
            return True
        if ctx.password is not None and reader.decrypt(ctx.password):
            return True
    except (NotImplementedError, DependencyError) as exc:
        raise UnsupportedFormat(f"{ctx.display_name} is protected with a kind of encryption Precis cannot open.",
                                ctx.path) from exc
    except (FileNotDecryptedError, ValueError, KeyError, TypeError) as exc:
        log.debug("decryption failed: %s", type(exc).__name__)
    if ctx.password is not None:
        raise PasswordRequired(f"The password given for {ctx.display_name} is not correct.", ctx.path,
                               wrong_password=True)
    raise PasswordRequired(f"{ctx.display_name} needs a password to open.", ctx.path)


def _page_list(reader: PdfReader, ctx: ReadContext) -> tuple[list[PageObject], list[str]]:
    """The pages, from the page tree or, when that is broken, by scanning every object."""
    try:
        declared = reader.trailer["/Root"]["/Pages"]["/Count"]  # type: ignore[index]
    except (MemoryError, RecursionError, LimitReachedError):
        raise
    except Exception:  # noqa: BLE001 - pypdf raises anything (even AssertionError) on a broken trailer
        declared = None  # the declared count is only a shortcut; the page tree below is the truth
    if isinstance(declared, int) and declared > ctx.limits.max_pages:
        _too_many(declared, ctx)
    try:
        count = len(reader.pages)
        if count > ctx.limits.max_pages:
            _too_many(count, ctx)
        if count:
            return [reader.pages[i] for i in range(count)], []
    except (LimitExceeded, MemoryError, RecursionError):
        raise
    except LimitReachedError as exc:
        raise LimitExceeded(f"{ctx.display_name} has a page tree larger than is safe to read.", ctx.path) from exc
    except Exception as exc:  # noqa: BLE001 - a broken page tree raises anything from PdfReadError to KeyError
        log.debug("page tree unreadable (%s); scanning objects", type(exc).__name__)
    pages = _scan_pages(reader, ctx)
    if not pages:
        raise CorruptFile(f"{ctx.display_name} is damaged: Precis could not find any pages in it.", ctx.path)
    note = (f"The page list of {ctx.display_name} is damaged; Precis recovered {len(pages)} "
            f"{'page' if len(pages) == 1 else 'pages'} by "
            "scanning the file, so pages may be missing or out of order.")
    return pages, [note]


def _scan_pages(reader: PdfReader, ctx: ReadContext) -> list[PageObject]:
    refs = sorted({(num, gen) for gen, table in reader.xref.items() for num in table}
                  | {(num, 0) for num in reader.xref_objStm})
    pages: list[PageObject] = []
    for num, gen in refs[:_SCAN_MAX_OBJECTS]:
        ref = IndirectObject(num, gen, reader)
        try:
            obj = reader.get_object(ref)
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged object is skipped, the scan goes on
            log.debug("object %d skipped: %s", num, type(exc).__name__)
            continue
        if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/Page":
            page = PageObject(reader, ref)
            page.update(obj)
            pages.append(page)
            if len(pages) > ctx.limits.max_pages:
                _too_many(len(pages), ctx)
    return pages


def _too_many(count: int, ctx: ReadContext) -> None:
    raise LimitExceeded(
        f"{ctx.display_name} has {count:,} pages; Precis reads PDFs of up to {ctx.limits.max_pages:,} pages.", ctx.path
    )

"""Read any supported file into a Document: sniff the format, dispatch to its reader, and turn
every failure into a typed ``DocumentError`` with one plain sentence.

Readers live one per module (``pdf``, ``docx``, ``eml``, ``mbox``, ``msg``, ``vtt``, ``srt``,
``transcript_json``, ``speaker_text``, ``text``, ``image``, ``recording``; slides, spreadsheets,
OpenDocument and RTF in ``office/``; HTML, saved web pages and EPUB in ``web/``) and each exposes
``read(data, ctx) -> Document``. Pages without a text layer and images are recognized by OCR
(``ocr/``), as the context's options say; recordings are transcribed by Whisper (``audio/``) and
read from disk as a stream, never whole.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.document import Document
from desktop.core.errors import Cancelled, CorruptFile, DocumentError, FileUnreadable, LimitExceeded, UnsupportedFormat
from desktop.core.events import CancelToken, EventCallback
from desktop.core.ingest.audio.options import DEFAULT_RECORDING, RecordingOptions
from desktop.core.ingest.audio.sniff import is_sidecar, recording_kind
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.detect import EXTENSION_GROUPS, SUPPORTED_EXTENSIONS, Format, sniff
from desktop.core.ingest.finish import finish
from desktop.core.ingest.ocr.options import DEFAULT_OCR, OcrOptions
from desktop.core.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:  # the mail stores import the readers; this package imports them lazily
    from desktop.core.mailstores.options import MailOptions

log = logging.getLogger(__name__)

_READER_MODULES: dict[Format, str] = {
    Format.PDF: "pdf",
    Format.DOCX: "docx",
    Format.EML: "eml",
    Format.MBOX: "mbox",
    Format.MSG: "msg",
    Format.VTT: "vtt",
    Format.SRT: "srt",
    Format.TRANSCRIPT_JSON: "transcript_json",
    Format.SPEAKER_TEXT: "speaker_text",
    Format.TEXT: "text",
    Format.IMAGE: "image",
    Format.EMLX: "emlx",
    Format.PST: "pst",
    Format.PPTX: "office.pptx",
    Format.XLSX: "office.xlsx",
    Format.ODT: "office.odf:read_text",
    Format.ODP: "office.odf:read_presentation",
    Format.ODS: "office.ods",
    Format.RTF: "office.rtf",
    Format.HTML: "web.page",
    Format.MHTML: "web.mhtml",
    Format.EPUB: "web.epub",
    Format.RECORDING: "recording",
}
#: Bytes read to recognise a recording before deciding to stream it.
_HEAD_BYTES = 4096


def reader_for(fmt: Format) -> Callable[[bytes, ReadContext], Document]:
    """The reader of ``fmt``: ``module`` (its ``read``) or ``module:function``, imported on first use."""
    module_name, _, function = _READER_MODULES[fmt].partition(":")
    module = importlib.import_module(f"desktop.core.ingest.{module_name}")
    return getattr(module, function or "read")


def read_bytes(data: bytes, ctx: ReadContext) -> Document:
    """Read bytes already in memory (a file, or an attachment inside one)."""
    try:
        fmt = sniff(data, ctx)
    except DocumentError:
        raise
    except Exception as exc:  # the sniffer opens containers (ZIP, OLE) too
        log.warning("format detection failed on %s: %s", ctx.display_name, type(exc).__name__)
        raise UnsupportedFormat(f"{ctx.display_name} is damaged or not a format Precis knows.", ctx.path) from exc
    try:
        doc = reader_for(fmt)(data, ctx)
    except (DocumentError, ImportError, Cancelled):
        raise
    except MemoryError as exc:
        raise LimitExceeded(f"{ctx.display_name} needs more memory to read than is safe; it was skipped.", ctx.path) from exc
    except RecursionError as exc:
        raise LimitExceeded(f"{ctx.display_name} is nested too deeply to read safely.", ctx.path) from exc
    except Exception as exc:
        # The exception's text can quote the document (pypdf shows the bytes around a parse
        # error), so it goes to the debug log only: logs hold no document text unless asked.
        log.warning("reader for %s failed on %s: %s", fmt.value, ctx.display_name, type(exc).__name__)
        log.debug("reader failure: %s", exc, exc_info=True)
        raise CorruptFile(f"{ctx.display_name} looks damaged and could not be read as {_FORMAT_NAMES[fmt]}.", ctx.path) from exc
    # Attachments are finished with the file that holds them (``finish`` walks them), once.
    return finish(doc) if ctx.depth == 0 else doc


_FORMAT_NAMES = {
    Format.PDF: "a PDF",
    Format.DOCX: "a Word document",
    Format.EML: "an email",
    Format.MBOX: "a mailbox",
    Format.MSG: "an Outlook message",
    Format.VTT: "WebVTT captions",
    Format.SRT: "SubRip subtitles",
    Format.TRANSCRIPT_JSON: "a transcript",
    Format.SPEAKER_TEXT: "a transcript",
    Format.TEXT: "text",
    Format.IMAGE: "an image",
    Format.EMLX: "an Apple Mail message",
    Format.PST: "an Outlook data file",
    Format.PPTX: "a PowerPoint presentation",
    Format.XLSX: "an Excel workbook",
    Format.ODT: "an OpenDocument text",
    Format.ODP: "an OpenDocument presentation",
    Format.ODS: "an OpenDocument spreadsheet",
    Format.RTF: "a Rich Text file",
    Format.HTML: "a web page",
    Format.MHTML: "a saved web page",
    Format.EPUB: "an EPUB e-book",
    Format.RECORDING: "a recording",
}


def read_document(path: Path | str, *, password: str | None = None, limits: Limits = DEFAULT_LIMITS,
                  ocr: OcrOptions = DEFAULT_OCR, on_event: EventCallback | None = None,
                  cancel: CancelToken | None = None, mail: MailOptions | None = None,
                  recording: RecordingOptions = DEFAULT_RECORDING) -> Document:
    """Read one file from disk. Raises a ``DocumentError`` subclass for anything it cannot read.

    ``on_event`` and ``cancel`` reach the readers that take long (OCR reports each page, a
    recording each stretch it transcribes). A mail store (a Maildir or Thunderbird folder, an
    Outlook data file, an ``imap://`` address) is read in place as one Document with a child per
    folder, chosen by ``mail`` (``desktop/core/mailstores``); ``password`` is then the IMAP account's.
    """
    if is_mail_address(path):
        return _read_store(str(path), None, password, limits, on_event, cancel, mail)
    path = Path(path)
    ctx = ReadContext(path=path, limits=limits, password=password, ocr=ocr, recording=recording, on_event=on_event,
                      cancel=cancel)
    try:
        if path.is_dir():
            from desktop.core.mailstores.locate import store_kind

            kind = store_kind(path, saved_messages=bool(mail and mail.narrowed))
            if kind is None:
                raise FileUnreadable(f"{path.name} is a folder, not a file or a mail store Precis knows.", path)
            return _read_store(path, kind, None, limits, on_event, cancel, mail)
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except FileNotFoundError as exc:
        raise FileUnreadable(f"{path.name} does not exist (it may have been moved or deleted).", path) from exc
    except PermissionError as exc:
        raise FileUnreadable(f"You do not have permission to read {path.name}.", path) from exc
    except OSError as exc:
        raise FileUnreadable(f"{path.name} could not be opened: {exc.strerror or exc}.", path) from exc
    if head[:4] == b"!BDN":  # read in place, however large: a data file of gigabytes is never loaded whole
        return _read_store(path, "outlook", None, limits, on_event, cancel, mail)
    kind = recording_kind(head)
    if kind is not None:  # streamed from disk: its size is bounded by the duration limit instead
        return _read_recording(path, kind, ctx)
    if size > limits.max_file_bytes:
        raise LimitExceeded(
            f"{path.name} is {size / 2**20:,.0f} MB; Precis reads files up to {limits.max_file_bytes / 2**20:,.0f} MB.",
            path,
        )
    try:
        data = path.read_bytes()
    except PermissionError as exc:
        raise FileUnreadable(f"You do not have permission to read {path.name}.", path) from exc
    except OSError as exc:
        raise FileUnreadable(f"{path.name} could not be read: {exc.strerror or exc}.", path) from exc
    return read_bytes(data, ctx)


def is_mail_address(source: object) -> bool:
    """An ``imap://`` or ``imaps://`` address: a mail server's folders, not a path."""
    return isinstance(source, str) and source[:8].lower().startswith(("imap://", "imaps://"))


def _read_store(location: Path | str, kind: str | None, password: str | None, limits: Limits,
                on_event: EventCallback | None, cancel: CancelToken | None, mail: MailOptions | None) -> Document:
    from desktop.core.mailstores import read_mail
    from desktop.core.mailstores.options import DEFAULT_MAIL

    name = location.name if isinstance(location, Path) else location
    return _guarded(lambda: read_mail(location, mail or DEFAULT_MAIL, kind=kind, limits=limits, password=password,
                                      on_event=on_event, cancel=cancel),
                    name, location, "read", "read as a mail store", f"mail store {kind or 'imap'}")


def _read_recording(path: Path, kind: str, ctx: ReadContext) -> Document:
    from desktop.core.ingest.recording import read_path

    return _guarded(lambda: read_path(path, kind, ctx), ctx.display_name, path, "transcribe", "transcribed",
                    "recording")


def _guarded(read: Callable[[], Document], name: str, location: Path | str, verb: str, done: str,
             what: str) -> Document:
    """``read()``, with a library's own failure on damaged data (libpff, a decoder, a model) turned
    into one sentence, so the job's other files go on; typed errors and Cancel pass through."""
    try:
        return read()
    except (DocumentError, Cancelled):
        raise
    except MemoryError as exc:
        raise LimitExceeded(f"{name} needs more memory to {verb} than is safe; it was skipped.", location) from exc
    except Exception as exc:
        log.warning("%s failed: %s", what, type(exc).__name__)
        log.debug("%s failure: %s", what, exc, exc_info=True)
        raise CorruptFile(f"{name} looks damaged and could not be {done}.", location) from exc


@dataclass(slots=True)
class ReadOutcome:
    """One file's result: a Document, or the error that explains why there is none. ``path`` is
    the mail server's address (a string) for an IMAP source."""

    path: Path | str
    document: Document | None = None
    error: DocumentError | None = None


def expand_paths(paths: Iterable[Path | str], *, recursive: bool = True, saved_messages: bool = False) -> list[Path]:
    """Files named directly, plus supported files found in named folders (sorted, hidden skipped).

    A mail store (a Maildir, a Thunderbird profile or folder, Apple Mail's mailboxes) named or met
    in a folder stays one entry, read as a store; with ``saved_messages`` a named folder of .eml
    files does too (a date range or folder choice applies to it). IMAP addresses are left out:
    ``expand_sources`` keeps them. In a folder, ``meeting.vtt`` beside ``meeting.mp4`` names the
    recording's speakers and is not read as a document of its own (named directly, it is).
    """
    from desktop.core.mailstores.locate import store_in_listing, store_kind

    out: list[Path] = []
    for raw in paths:
        if is_mail_address(raw):
            continue
        p = Path(raw)
        if p.is_dir() and store_kind(p, saved_messages=saved_messages) is None:
            for root, dirs, files in os.walk(p):
                if root != str(p) and store_in_listing(dirs, files):
                    out.append(Path(root))  # a store met in the walk: read as one, not file by file
                    dirs[:] = []
                    continue
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                lower = {f.lower() for f in files}
                for name in sorted(files):
                    if (not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_EXTENSIONS | {".doc"}
                            and not is_sidecar(name, lower)):
                        out.append(Path(root) / name)
                if not recursive:  # the folder's own files, and the stores right inside it
                    out.extend(Path(root) / d for d in dirs if _store_listing(Path(root) / d))
                    dirs[:] = []
        else:
            out.append(p)
    return out


def _store_listing(folder: Path) -> bool:
    from desktop.core.mailstores.locate import store_in_listing

    try:
        entries = list(os.scandir(folder))
    except OSError:
        return False
    return store_in_listing([e.name for e in entries if e.is_dir()], [e.name for e in entries if e.is_file()])


def expand_sources(paths: Iterable[Path | str], *, recursive: bool = True,
                   saved_messages: bool = False) -> list[Path | str]:
    """``expand_paths`` with IMAP addresses kept in their place, as strings."""
    out: list[Path | str] = []
    for raw in paths:
        if is_mail_address(raw):
            out.append(str(raw))
        else:
            out.extend(expand_paths([raw], recursive=recursive, saved_messages=saved_messages))
    return out


def iter_documents(
    paths: Iterable[Path | str],
    *,
    recursive: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    passwords: dict[str, str] | None = None,
    password: str | None = None,
    ocr: OcrOptions = DEFAULT_OCR,
    on_event: EventCallback | None = None,
    cancel: CancelToken | None = None,
    mail: MailOptions | None = None,
    recording: RecordingOptions = DEFAULT_RECORDING,
) -> Iterator[ReadOutcome]:
    """Read files, folders and mail stores one by one; a failure is reported and the next goes on.

    ``passwords`` maps a path (or an IMAP address) to its password; ``password`` is tried for
    every other file, never sent to a mail server. ``mail`` chooses folders, dates and unread
    mail in the mail stores.
    """
    passwords = passwords or {}
    saved = bool(mail and mail.narrowed)
    for path in expand_sources(paths, recursive=recursive, saved_messages=saved):
        try:
            if isinstance(path, str):
                doc = read_document(path, password=_server_password(path, passwords), limits=limits,
                                    on_event=on_event, cancel=cancel, mail=mail)
            else:
                doc = read_document(path, password=passwords.get(str(path), password), limits=limits, ocr=ocr,
                                    on_event=on_event, cancel=cancel, mail=mail, recording=recording)
            yield ReadOutcome(path, document=doc)
        except DocumentError as err:
            yield ReadOutcome(path, error=err)


def _server_password(address: str, passwords: dict[str, str]) -> str | None:
    """The password given for this IMAP address, or for its account (any folder)."""
    if address in passwords:
        return passwords[address]
    from desktop.core.mailstores.imap_account import account_key

    try:
        key = account_key(address)
    except DocumentError:
        return None
    return next((pw for addr, pw in passwords.items() if is_mail_address(addr) and _same_account(addr, key)), None)


def _same_account(address: str, key: str) -> bool:
    from desktop.core.mailstores.imap_account import account_key

    try:
        return account_key(address) == key
    except DocumentError:
        return False


__all__ = [
    "EXTENSION_GROUPS",
    "SUPPORTED_EXTENSIONS",
    "Format",
    "OcrOptions",
    "ReadContext",
    "ReadOutcome",
    "RecordingOptions",
    "expand_paths",
    "expand_sources",
    "is_mail_address",
    "iter_documents",
    "read_bytes",
    "read_document",
    "sniff",
]

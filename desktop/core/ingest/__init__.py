"""Read any supported file into a Document: sniff the format, dispatch to its reader, and turn
every failure into a typed ``DocumentError`` with one plain sentence.

Readers live one per module (``pdf``, ``docx``, ``eml``, ``mbox``, ``msg``, ``vtt``, ``srt``,
``transcript_json``, ``speaker_text``, ``text``, ``image``, ``recording``) and each exposes
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

from desktop.core.document import Document
from desktop.core.errors import Cancelled, CorruptFile, DocumentError, FileUnreadable, LimitExceeded, UnsupportedFormat
from desktop.core.events import CancelToken, EventCallback
from desktop.core.ingest.audio.options import DEFAULT_RECORDING, RecordingOptions
from desktop.core.ingest.audio.sniff import is_sidecar, recording_kind
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.detect import SUPPORTED_EXTENSIONS, Format, sniff
from desktop.core.ingest.ocr.options import DEFAULT_OCR, OcrOptions
from desktop.core.limits import DEFAULT_LIMITS, Limits

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
    Format.RECORDING: "recording",
}
#: Bytes read to recognise a recording before deciding to stream it.
_HEAD_BYTES = 4096


def reader_for(fmt: Format) -> Callable[[bytes, ReadContext], Document]:
    module = importlib.import_module(f"desktop.core.ingest.{_READER_MODULES[fmt]}")
    return module.read


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
        return reader_for(fmt)(data, ctx)
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
    Format.RECORDING: "a recording",
}


def read_document(path: Path | str, *, password: str | None = None, limits: Limits = DEFAULT_LIMITS,
                  ocr: OcrOptions = DEFAULT_OCR, on_event: EventCallback | None = None,
                  cancel: CancelToken | None = None, recording: RecordingOptions = DEFAULT_RECORDING) -> Document:
    """Read one file from disk. Raises a ``DocumentError`` subclass for anything it cannot read.

    ``on_event`` and ``cancel`` reach the readers that take long (OCR reports each page, a
    recording each stretch it transcribes).
    """
    path = Path(path)
    ctx = ReadContext(path=path, limits=limits, password=password, ocr=ocr, recording=recording, on_event=on_event,
                      cancel=cancel)
    try:
        if path.is_dir():
            raise FileUnreadable(f"{path.name} is a folder, not a file.", path)
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except FileNotFoundError as exc:
        raise FileUnreadable(f"{path.name} does not exist (it may have been moved or deleted).", path) from exc
    except PermissionError as exc:
        raise FileUnreadable(f"You do not have permission to read {path.name}.", path) from exc
    except OSError as exc:
        raise FileUnreadable(f"{path.name} could not be opened: {exc.strerror or exc}.", path) from exc
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


def _read_recording(path: Path, kind: str, ctx: ReadContext) -> Document:
    from desktop.core.ingest.recording import read_path

    try:
        return read_path(path, kind, ctx)
    except (DocumentError, Cancelled):
        raise
    except MemoryError as exc:
        raise LimitExceeded(f"{ctx.display_name} needs more memory to transcribe than is safe; it was skipped.",
                            path) from exc
    except Exception as exc:  # a decoder or model failure on this file: the job's other files go on
        log.warning("transcribing %s failed: %s", ctx.display_name, type(exc).__name__)
        log.debug("recording failure: %s", exc, exc_info=True)
        raise CorruptFile(f"{ctx.display_name} looks damaged and could not be transcribed.", path) from exc


@dataclass(slots=True)
class ReadOutcome:
    """One file's result: a Document, or the error that explains why there is none."""

    path: Path
    document: Document | None = None
    error: DocumentError | None = None


def expand_paths(paths: Iterable[Path | str], *, recursive: bool = True) -> list[Path]:
    """Files named directly, plus supported files found in named folders (sorted, hidden skipped).

    In a folder, ``meeting.vtt`` beside ``meeting.mp4`` names the recording's speakers and is not
    read as a document of its own (named directly, it is)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            walker = os.walk(p) if recursive else [(str(p), [], [e.name for e in os.scandir(p) if e.is_file()])]
            for root, dirs, files in walker:
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                lower = {f.lower() for f in files}
                for name in sorted(files):
                    if (not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_EXTENSIONS | {".doc"}
                            and not is_sidecar(name, lower)):
                        out.append(Path(root) / name)
        else:
            out.append(p)
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
    recording: RecordingOptions = DEFAULT_RECORDING,
) -> Iterator[ReadOutcome]:
    """Read files and folders one by one; a failure is reported and the next file goes on.

    ``passwords`` maps a path to its password; ``password`` is tried for every other file.
    """
    passwords = passwords or {}
    for path in expand_paths(paths, recursive=recursive):
        try:
            doc = read_document(path, password=passwords.get(str(path), password), limits=limits, ocr=ocr,
                                on_event=on_event, cancel=cancel, recording=recording)
            yield ReadOutcome(path, document=doc)
        except DocumentError as err:
            yield ReadOutcome(path, error=err)


__all__ = [
    "SUPPORTED_EXTENSIONS",
    "Format",
    "OcrOptions",
    "ReadContext",
    "ReadOutcome",
    "RecordingOptions",
    "expand_paths",
    "iter_documents",
    "read_bytes",
    "read_document",
    "sniff",
]

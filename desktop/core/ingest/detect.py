"""Decide a file's format from its bytes, not its name: a PDF called .docx is still a PDF.

The extension is only a tie-breaker between text formats that look alike (Markdown vs. plain
text). Anything we cannot read gets an ``UnsupportedFormat`` that says what the file seems to be.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from enum import Enum

import olefile

from desktop.core.errors import EmptyDocument, UnsupportedFormat
from desktop.core.ingest.audio.sniff import RECORDING_EXTENSIONS, recording_kind
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.encoding import decode_text


class Format(str, Enum):
    PDF = "pdf"
    DOCX = "docx"
    EML = "eml"
    MBOX = "mbox"
    MSG = "msg"
    VTT = "vtt"
    SRT = "srt"
    TRANSCRIPT_JSON = "transcript_json"
    SPEAKER_TEXT = "speaker_text"
    TEXT = "text"
    IMAGE = "image"
    RECORDING = "recording"  # audio, or a video's sound: transcribed by Whisper (ingest/audio/)


#: Extensions offered in file dialogs and the file tree, and walked in folders.
SUPPORTED_EXTENSIONS = frozenset(
    {".pdf", ".docx", ".eml", ".mbox", ".msg", ".vtt", ".srt", ".txt", ".md", ".markdown", ".json", ".text", ".log",
     ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"}
) | RECORDING_EXTENSIONS

#: Page images, read by OCR (desktop/core/ingest/image.py).
_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, little- and big-endian
    b"MM\x00*",
)
#: Sizes of the BMP info headers Windows and OS/2 wrote; "BM" alone is too short a magic to trust.
_BMP_INFO_SIZES = (12, 16, 40, 52, 56, 64, 108, 124)
_OTHER_MAGIC = (
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "a Rich Text (RTF) file"),
    (b"\x7fELF", "a program, not a document"),
    (b"MZ", "a Windows program, not a document"),
)

_PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_SRT_TIMING = re.compile(r"^\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}", re.MULTILINE)
_VTT_TIMING = re.compile(r"^\s*(?:\d{1,2}:)?\d{1,2}:\d{1,2}\.\d{1,3}\s*-->", re.MULTILINE)
_HEADER_LINE = re.compile(r"^[!-9;-~]+:[ \t]?.*$")
_MAIL_HEADERS = {"from", "to", "subject", "date", "message-id", "received", "mime-version", "return-path",
                 "delivered-to", "x-mailer", "content-type", "reply-to", "cc", "sender", "in-reply-to"}
_SPEAKER_LINE = re.compile(
    r"^\s*(?:\[?\(?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\)?\]?\s*[-–]?\s*)?"  # optional [hh:mm:ss]
    r"(?P<speaker>#[^\W_][\w ]{0,40}#|[^\W\d][\w .,'’()&/-]{0,60}?)\s*:\s+\S"
)


def sniff(data: bytes, ctx: ReadContext) -> Format:
    """Return the format of ``data``; raise ``UnsupportedFormat``/``EmptyDocument`` with a reason."""
    if not data.strip():
        raise EmptyDocument(f"{ctx.display_name} is empty.", ctx.path)
    head = data[:2048]
    pdf_at = head[:1024].find(b"%PDF-")
    # Readers accept junk before the header; text that merely mentions "%PDF-" has no objects.
    if pdf_at == 0 or (pdf_at > 0 and _PDF_OBJECT.search(data, pdf_at, pdf_at + 65536)):
        return Format.PDF
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data, ctx)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(data, ctx)
    if head.startswith(_IMAGE_MAGIC) or (head.startswith(b"RIFF") and head[8:12] == b"WEBP") or _is_bmp(head):
        return Format.IMAGE
    if recording_kind(head) is not None:
        return Format.RECORDING
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            raise UnsupportedFormat(f"{ctx.display_name} is {what}; Precis reads PDFs, Word files, emails, transcripts "
                                    "and recordings.", ctx.path)
    if _looks_binary(head):
        raise UnsupportedFormat(
            f"{ctx.display_name} is not a text file or a document format Precis knows.", ctx.path
        )
    return _sniff_text(data, ctx)


def _is_bmp(head: bytes) -> bool:
    return len(head) >= 26 and head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in _BMP_INFO_SIZES


def _looks_binary(head: bytes) -> bool:
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:3] == b"\xef\xbb\xbf":
        return False
    if head.count(0) > len(head) // 4:
        # Mostly NULs in a regular pattern is UTF-16 text; decode_text handles it.
        return not (head[1::2].count(0) > len(head) * 0.4 or head[0::2].count(0) > len(head) * 0.4)
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
    return controls > max(8, len(head) // 10)


def _sniff_zip(data: bytes, ctx: ReadContext) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        # NotImplementedError: a directory entry claiming a ZIP version zipfile does not know.
        raise UnsupportedFormat(f"{ctx.display_name} is a damaged ZIP archive, not a readable document.", ctx.path) from exc
    if "word/document.xml" in names or any(n.lower().startswith("word/document") for n in names):
        return Format.DOCX
    if any(n.startswith("xl/") for n in names):
        raise UnsupportedFormat(f"{ctx.display_name} is an Excel spreadsheet; Precis reads documents, not spreadsheets.", ctx.path)
    if any(n.startswith("ppt/") for n in names):
        raise UnsupportedFormat(f"{ctx.display_name} is a PowerPoint presentation; save it as PDF to summarize it.", ctx.path)
    if "mimetype" in names and "content.xml" in names:
        raise UnsupportedFormat(f"{ctx.display_name} is an OpenDocument file; save it as .docx or PDF to summarize it.", ctx.path)
    raise UnsupportedFormat(f"{ctx.display_name} is a ZIP archive; unpack it and summarize the files inside.", ctx.path)


def _sniff_ole(data: bytes, ctx: ReadContext) -> Format:
    try:
        ole = olefile.OleFileIO(data)
    except Exception as exc:  # olefile raises bare OSError/struct errors on damaged files
        raise UnsupportedFormat(f"{ctx.display_name} is a damaged Microsoft Office file.", ctx.path) from exc
    try:
        streams = ["/".join(s) for s in ole.listdir(streams=True, storages=False)]
    finally:
        ole.close()
    if any(s.startswith("__substg1.0_") for s in streams):
        return Format.MSG
    if "WordDocument" in streams:
        raise UnsupportedFormat(
            f"{ctx.display_name} is an old Word 97-2003 .doc file; open it in Word or LibreOffice and save it as .docx.",
            ctx.path,
        )
    if "Workbook" in streams or "Book" in streams:
        raise UnsupportedFormat(f"{ctx.display_name} is an old Excel spreadsheet, not a document.", ctx.path)
    if "PowerPoint Document" in streams:
        raise UnsupportedFormat(f"{ctx.display_name} is an old PowerPoint file; save it as PDF to summarize it.", ctx.path)
    raise UnsupportedFormat(f"{ctx.display_name} is a Microsoft Office file of a kind Precis does not read.", ctx.path)


def _sniff_text(data: bytes, ctx: ReadContext) -> Format:
    text = decode_text(data[:64 * 1024]).lstrip("\ufeff")
    stripped = text.lstrip()
    suffix = ctx.name.rsplit(".", 1)[-1].lower() if "." in ctx.name else ""
    if stripped.startswith("WEBVTT"):
        return Format.VTT
    if suffix in ("md", "markdown"):
        return Format.TEXT  # Markdown whose front matter or first line looks like a mail header or "From "
    if stripped[:1] in "{[":
        fmt = _sniff_json(data, text, suffix, ctx)
        if fmt is not Format.TEXT:
            return fmt
        # Not JSON after all: "[00:01:02] Alice: hi" transcripts start with a bracket too.
    if text.startswith("From ") and "\n" in text:
        # One message behind a "From " line is a saved email (korean-euc-kr-base64.eml,
        # mime-torture-test.eml); a mailbox holds several, or says so by its name.
        from desktop.core.ingest.mbox import looks_like_mbox

        return Format.MBOX if suffix == "mbox" or looks_like_mbox(data) else Format.EML
    if suffix == "vtt" and _VTT_TIMING.search(text[:4096]):
        return Format.VTT  # a WebVTT file that lost its signature line (checked first: its timings fit SRT's too)
    if _SRT_TIMING.search(text[:4096]):
        return Format.SRT
    if _looks_like_email(text):
        return Format.EML
    if suffix not in ("md", "markdown") and _looks_like_speaker_text(text):
        return Format.SPEAKER_TEXT
    return Format.TEXT


def _sniff_json(data: bytes, text: str, suffix: str, ctx: ReadContext) -> Format:
    from desktop.core.ingest.transcript_json import looks_like_transcript

    try:
        obj = json.loads(decode_text(data)) if len(data) <= ctx.limits.max_file_bytes else None
    except (ValueError, RecursionError):
        obj = None
    if obj is not None and looks_like_transcript(obj):
        return Format.TRANSCRIPT_JSON
    if obj is not None or suffix in ("json", "jsonl", "ndjson"):
        raise UnsupportedFormat(
            f"{ctx.display_name} is a JSON data file, not a document or a meeting transcript Precis recognises.",
            ctx.path,
        )
    return Format.TEXT


def _looks_like_email(text: str) -> bool:
    header_block = text.split("\n\n", 1)[0].replace("\r", "")
    lines = [ln for ln in header_block.split("\n")[:200] if ln and not ln[0].isspace()]
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    names = {ln.split(":", 1)[0].strip().lower() for ln in lines if _HEADER_LINE.match(ln)}
    known = names & _MAIL_HEADERS
    return len(known) >= 2 and ("from" in names or "received" in names or "message-id" in names or "subject" in names)


def _looks_like_speaker_text(text: str) -> bool:
    lines = [ln for ln in text.splitlines()[:400] if ln.strip()]
    if len(lines) < 2:
        return False
    matches = [m for m in (_SPEAKER_LINE.match(ln) for ln in lines) if m]
    if len(matches) < max(2, int(len(lines) * 0.6)):
        return False
    # A real transcript repeats its speakers; a list of "Note: ..." lines does not look like this.
    speakers = [m.group("speaker").strip().lower() for m in matches]
    return len(set(speakers)) < len(speakers)

"""Decide a file's format from its bytes, not its name: a PDF called .docx is still a PDF.

The extension is only a tie-breaker between text formats that look alike (Markdown vs. plain
text). Anything we cannot read gets an ``UnsupportedFormat`` that says what the file seems to be.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
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
    EMLX = "emlx"  # Apple Mail's message file
    PST = "pst"  # Outlook data file (.pst/.ost), a mail store: desktop/core/mailstores
    PPTX = "pptx"
    XLSX = "xlsx"
    ODT = "odt"
    ODP = "odp"
    ODS = "ods"
    RTF = "rtf"
    HTML = "html"
    MHTML = "mhtml"
    EPUB = "epub"


#: The extensions Precis reads, grouped as a file dialog offers them ("Slides (*.pptx *.odp ...)").
#: Qt-free: the GUI's filters, the file-manager actions and folder walks are all made from it.
EXTENSION_GROUPS: dict[str, frozenset[str]] = {
    "PDF": frozenset({".pdf"}),
    "Documents": frozenset({".docx", ".odt", ".rtf"}),
    "Slides": frozenset({".pptx", ".pptm", ".ppsx", ".odp"}),
    "Spreadsheets": frozenset({".xlsx", ".xlsm", ".ods"}),
    "Web pages": frozenset({".html", ".htm", ".xhtml", ".mhtml", ".mht"}),
    "E-books": frozenset({".epub"}),
    "Email": frozenset({".eml", ".mbox", ".msg", ".emlx", ".pst", ".ost"}),  # .emlx/.pst/.ost: mail stores (core/mailstores)
    "Transcripts": frozenset({".vtt", ".srt", ".json"}),
    "Text": frozenset({".txt", ".text", ".md", ".markdown", ".log"}),
    "Images": frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"}),
    "Recordings": RECORDING_EXTENSIONS,  # audio and video: transcribed by Whisper (ingest/audio/)
}
#: Extensions offered in file dialogs and the file tree, and walked in folders: the one list of
#: what Precis reads.
SUPPORTED_EXTENSIONS = frozenset().union(*EXTENSION_GROUPS.values())

#: OpenDocument kinds by the media type in the package's ``mimetype`` part (templates included).
_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": Format.ODT,
    "application/vnd.oasis.opendocument.text-template": Format.ODT,
    "application/vnd.oasis.opendocument.text-master": Format.ODT,
    "application/vnd.oasis.opendocument.presentation": Format.ODP,
    "application/vnd.oasis.opendocument.presentation-template": Format.ODP,
    "application/vnd.oasis.opendocument.spreadsheet": Format.ODS,
    "application/vnd.oasis.opendocument.spreadsheet-template": Format.ODS,
}

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
    (b"\x7fELF", "a program, not a document"),
    (b"MZ", "a Windows program, not a document"),
    (b"SQLite format 3\x00", "a database file, not a document"),
)
#: Readers of the document formats, for messages that say what Precis does read.
_WHAT_WE_READ = ("Precis reads documents, slides, spreadsheets, e-books, web pages, emails, transcripts and "
                 "recordings")

_PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
#: The package's own entry in an OpenDocument manifest (full-path="/"), in either attribute order.
_MANIFEST_ROOT = re.compile(r'<manifest:file-entry[^>]*?full-path="/"[^>]*?media-type="([^"]+)"'
                            r'|<manifest:file-entry[^>]*?media-type="([^"]+)"[^>]*?full-path="/"')
_SRT_TIMING = re.compile(r"^\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}", re.MULTILINE)
_VTT_TIMING = re.compile(r"^\s*(?:\d{1,2}:)?\d{1,2}:\d{1,2}\.\d{1,3}\s*-->", re.MULTILINE)
_HEADER_LINE = re.compile(r"^[!-9;-~]+:[ \t]?.*$")
_LEADING_XML = re.compile(r"^(?:\s*<\?xml[^>]{0,500}\?>|\s*<!--.{0,4000}?-->)+", re.DOTALL)
_HTML_TAG = re.compile(r"<(?:p|div|br|span|a|table|h[1-6]|title|meta|ul|ol|li|section|article|main)\b")
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
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return Format.RTF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(data, ctx)
    if head.startswith(b"!BDN"):  # an Outlook data file: mostly NULs, never to be taken for UTF-16 text
        return Format.PST
    if head.startswith(_IMAGE_MAGIC) or (head.startswith(b"RIFF") and head[8:12] == b"WEBP") or _is_bmp(head):
        return Format.IMAGE
    if recording_kind(head) is not None:
        return Format.RECORDING
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            raise UnsupportedFormat(f"{ctx.display_name} is {what}; {_WHAT_WE_READ}.", ctx.path)
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
        # UTF-16 text of a Latin script has a NUL in every other byte and none in between;
        # decode_text handles it. NULs in both halves (a file of zeros, a database) are binary.
        even, odd = head[0::2], head[1::2]
        even_nul, odd_nul = even.count(0) / max(1, len(even)), odd.count(0) / max(1, len(odd))
        return not ((odd_nul > 0.8 and even_nul < 0.1) or (even_nul > 0.8 and odd_nul < 0.1))
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
    return controls > max(8, len(head) // 10)


def _sniff_zip(data: bytes, ctx: ReadContext) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            media_type = _zip_media_type(zf, names)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error) as exc:
        # NotImplementedError: a directory entry claiming a ZIP version zipfile does not know.
        raise UnsupportedFormat(f"{ctx.display_name} is a damaged ZIP archive, not a readable document.", ctx.path) from exc
    if "word/document.xml" in names or any(n.lower().startswith("word/document") for n in names):
        return Format.DOCX
    if "ppt/presentation.xml" in names or any(n.startswith("ppt/slides/") for n in names):
        return Format.PPTX
    if "xl/workbook.xml" in names or any(n.startswith("xl/worksheets/") for n in names):
        return Format.XLSX
    if media_type in _ODF_TYPES:
        return _ODF_TYPES[media_type]
    if media_type == "application/epub+zip" or (not media_type and "META-INF/container.xml" in names):
        return Format.EPUB
    if media_type.startswith("application/vnd.oasis.opendocument."):
        kind = media_type.rsplit(".", 1)[-1].split("-", 1)[0]
        raise UnsupportedFormat(f"{ctx.display_name} is an OpenDocument {kind} file; Precis reads OpenDocument "
                                "text, presentations and spreadsheets.", ctx.path)
    if any(n.startswith(("ppt/", "xl/")) for n in names):
        raise UnsupportedFormat(f"{ctx.display_name} is an Office file without its main part; it is damaged.", ctx.path)
    raise UnsupportedFormat(f"{ctx.display_name} is a ZIP archive; unpack it and summarize the files inside.", ctx.path)


def _zip_media_type(zf: zipfile.ZipFile, names: set[str]) -> str:
    """The ``mimetype`` part OpenDocument and EPUB packages open with, else the media type of the
    root entry of an OpenDocument manifest; "" when there is neither."""
    if "mimetype" in names:
        info = zf.getinfo("mimetype")
        if info.file_size <= 256:
            return zf.read(info).decode("ascii", "replace").strip().lower()
    if "META-INF/manifest.xml" in names and "content.xml" in names:
        info = zf.getinfo("META-INF/manifest.xml")
        if info.file_size <= 1 << 20:
            match = _MANIFEST_ROOT.search(zf.read(info).decode("utf-8", "replace"))
            if match:
                return (match.group(1) or match.group(2)).strip().lower()
    return ""


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
    if _garbled(text):
        raise UnsupportedFormat(f"{ctx.display_name} is not a text file or a document format Precis knows.", ctx.path)
    stripped = text.lstrip()
    suffix = ctx.name.rsplit(".", 1)[-1].lower() if "." in ctx.name else ""
    if stripped.startswith("WEBVTT"):
        return Format.VTT
    if text[:1].isdigit() or text[:1] in (" ", "\t"):
        from desktop.core.ingest.emlx import is_emlx

        if is_emlx(data, suffix):
            return Format.EMLX
    if _looks_like_html(stripped, suffix):
        return Format.HTML
    if _looks_like_mhtml(text, suffix):
        return Format.MHTML
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


def _garbled(text: str) -> bool:
    """Bytes that decoded to control characters and replacement marks are not text (a binary file
    with too few NULs in its first bytes to be caught by its head)."""
    sample = text[:16384]
    bad = sum(1 for c in sample if c == "\ufffd" or (c < " " and c not in "\t\n\r\f\x1b"))
    return bad > max(16, len(sample) // 20)


def _looks_like_html(stripped: str, suffix: str) -> bool:
    """A page that opens like HTML (after an XML declaration and comments), or a file named .html
    whose first tags are HTML's own."""
    head = _LEADING_XML.sub("", stripped[:8192]).lstrip().lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<body")):
        return True
    return suffix in ("html", "htm", "xhtml") and head.startswith("<") and bool(_HTML_TAG.search(head))


def _looks_like_mhtml(text: str, suffix: str) -> bool:
    """A saved web page (MHTML): a MIME multipart/related whose root is HTML. Browsers sign it
    ("From: <Saved by Blink>", Snapshot-Content-Location); Word's .mht has no mail headers at all.
    An HTML email with inline images is multipart/related too, but has recipients or a Message-ID."""
    header_block = text.replace("\r\n", "\n").split("\n\n", 1)[0][:16384]
    unfolded = re.sub(r"\n[ \t]+", " ", header_block)
    headers = {}
    for line in unfolded.split("\n"):
        name, sep, value = line.partition(":")
        if sep and _HEADER_LINE.match(line):
            headers.setdefault(name.strip().lower(), value.strip().lower())
    if "multipart/related" not in headers.get("content-type", ""):
        return False
    if suffix in ("mht", "mhtml") or "snapshot-content-location" in headers or "saved by" in headers.get("from", ""):
        return True
    return "text/html" in headers["content-type"] and not {"to", "message-id", "received"} & set(headers)


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

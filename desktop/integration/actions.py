"""The two file-manager actions and what they are offered for: every format Precis reads (the
readers' own extension list) and folders, with the MIME types, Windows extensions and macOS
UTIs each file manager filters by, and the quoting each command line needs."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.ingest.detect import SUPPORTED_EXTENSIONS


@dataclass(frozen=True, slots=True)
class FileAction:
    key: str
    label: str
    flag: str
    comment: str


SUMMARIZE = FileAction("summarize", "Summarize with Precis", "--summarize",
                       "Summarize each selected file or folder into its own digest")
TOGETHER = FileAction("summarize-together", "Summarize together with Precis", "--summarize-together",
                      "Summarize the whole selection into one digest")
ACTIONS = (SUMMARIZE, TOGETHER)

#: MIME type per extension (freedesktop shared-mime-info names); the folder type is added below.
_MIME = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".eml": "message/rfc822",
    ".mbox": "application/mbox",
    ".msg": "application/vnd.ms-outlook",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".log": "text/x-log",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".bmp": "image/bmp",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    ".ppsx": "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".rtf": "application/rtf",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".mhtml": "application/x-mimearchive",
    ".mht": "application/x-mimearchive",
    ".epub": "application/epub+zip",
    # Recordings (transcribed by Whisper).
    ".wav": "audio/x-wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/x-opus+ogg",
    ".flac": "audio/flac",
    ".aif": "audio/x-aiff",
    ".aiff": "audio/x-aiff",
    ".mka": "audio/x-matroska",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
    ".3gp": "video/3gpp",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
}
FOLDER_MIME = "inode/directory"

#: Uniform Type Identifiers for the Finder Quick Action (macOS filters by these).
_UTI = {
    ".pdf": "com.adobe.pdf",
    ".docx": "org.openxmlformats.wordprocessingml.document",
    ".eml": "com.apple.mail.email",
    ".txt": "public.plain-text",
    ".md": "net.daringfireball.markdown",
    ".json": "public.json",
    ".png": "public.png",
    ".jpg": "public.jpeg",
    ".jpeg": "public.jpeg",
    ".tif": "public.tiff",
    ".tiff": "public.tiff",
    ".pptx": "org.openxmlformats.presentationml.presentation",
    ".xlsx": "org.openxmlformats.spreadsheetml.sheet",
    ".odt": "org.oasis-open.opendocument.text",
    ".odp": "org.oasis-open.opendocument.presentation",
    ".ods": "org.oasis-open.opendocument.spreadsheet",
    ".rtf": "public.rtf",
    ".html": "public.html",
    ".htm": "public.html",
    ".epub": "org.idpf.epub-container",
    ".wav": "com.microsoft.waveform-audio",
    ".mp3": "public.mp3",
    ".m4a": "public.mpeg-4-audio",
    ".aif": "public.aiff-audio",
    ".aiff": "public.aiff-audio",
    ".mp4": "public.mpeg-4",
    ".mov": "com.apple.quicktime-movie",
    ".avi": "public.avi",
}


def extensions() -> list[str]:
    """Extensions Precis reads, without the dot, sorted (``pdf``, ``docx``...)."""
    return sorted(e.lstrip(".") for e in SUPPORTED_EXTENSIONS)


def mime_types() -> list[str]:
    """MIME types of the formats Precis reads, plus folders; an extension without a known type is
    still offered by the file managers that filter by extension (Nemo, Explorer)."""
    found = {_MIME[e] for e in SUPPORTED_EXTENSIONS if e in _MIME}
    return sorted(found) + [FOLDER_MIME]


def utis() -> list[str]:
    """macOS types: the specific ones, plus ``public.text`` (transcripts, mailboxes) and folders."""
    found = {_UTI[e] for e in SUPPORTED_EXTENSIONS if e in _UTI}
    return sorted(found | {"public.text", "public.folder"})


def desktop_exec_arg(arg: str) -> str:
    """One argument of a desktop-entry ``Exec`` line (freedesktop Desktop Entry spec, "The Exec
    key"): quoted when it holds a reserved character, with ``"`` `` ` `` ``$`` ``\\`` escaped.
    The result still needs ``keyfile_value`` before it goes into the file."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if arg and not (set(arg) & reserved) and "=" not in arg and "%" not in arg:
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg.replace("%", "%%"))
    return f'"{escaped}"'


def keyfile_value(value: str) -> str:
    """A value as GLib/KDE key files store it: backslash, newline, tab and CR escaped."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")

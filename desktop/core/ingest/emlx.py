"""Apple Mail's .emlx: a line with the message's byte count, the RFC 822 message, then an XML
property list (flags, dates). A ``.partial.emlx`` keeps its attachments apart, in the folder
``Attachments/<number>/<part>/`` beside its ``Messages`` folder: they are put back when found."""

from __future__ import annotations

import base64
import logging
import plistlib
import re
from email.message import Message
from pathlib import Path

from desktop.core.document import Document
from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.eml import mail_from_message, parse
from desktop.core.ingest.mailparts import email_document

log = logging.getLogger(__name__)

_COUNT_LINE = re.compile(rb"\A[ \t]*(\d{1,12})[ \t]*\r?\n")
_HEADER_LINE = re.compile(rb"[!-9;-~]{1,100}:")
_PLIST_MAX = 1024 * 1024
_READ_FLAG = 0x1  # the "flags" key's bit 0: the message was read


def is_emlx(data: bytes, suffix: str = "") -> bool:
    """A byte count line, then headers; and a name ending in .emlx, or the property list right
    where the count says the message ends (so a text that starts with a number is still text)."""
    match = _COUNT_LINE.match(data)
    if not match or not _HEADER_LINE.match(data, match.end()):
        return False
    if suffix == "emlx":
        return True
    tail = data[match.end() + int(match.group(1)):][:64].lstrip()
    return tail.startswith((b"<?xml", b"<plist", b"bplist"))


def split_emlx(data: bytes, name: str = "") -> tuple[bytes, dict[str, object]]:
    """(the message's bytes, the property list as a dict; empty when missing or damaged)."""
    match = _COUNT_LINE.match(data)
    if not match:
        raise CorruptFile(f"{name or 'The file'} is not an Apple Mail message: it lacks the byte count line.")
    start = match.end()
    end = start + int(match.group(1))
    message = data[start:end]
    tail = data[end:end + _PLIST_MAX].strip()
    info: dict[str, object] = {}
    if tail.startswith((b"<?xml", b"<plist", b"bplist")):
        try:
            loaded = plistlib.loads(tail)
            info = loaded if isinstance(loaded, dict) else {}
        except Exception:  # noqa: BLE001 - plistlib raises InvalidFileException, ExpatError, ValueError...
            info = {}
    return message, info


def is_read(info: dict[str, object]) -> bool | None:
    flags = info.get("flags")
    return bool(flags & _READ_FLAG) if isinstance(flags, int) else None


def read(data: bytes, ctx: ReadContext) -> Document:
    message, info = split_emlx(data, ctx.display_name)
    if not message.strip():
        raise EmptyDocument(f"{ctx.display_name} holds no message.", ctx.path)
    msg = parse(message, ctx)
    notes: list[str] = []
    if ctx.part is None and ctx.path.name.lower().endswith(".partial.emlx"):
        restore_attachments(msg, ctx.path, ctx, notes)
    mail = mail_from_message(msg, ctx)
    mail.warnings[:0] = notes
    if not mail.body and not mail.attachments and not mail.children:
        raise EmptyDocument(f"{ctx.display_name} has no message text, only headers.", ctx.path)
    doc = email_document(mail, ctx)
    read_flag = is_read(info)
    if read_flag is not None:
        doc.metadata["read"] = read_flag
    return doc


def attachments_folder(emlx_path: Path) -> Path:
    """``.../Messages/123.partial.emlx`` keeps its attachments in ``.../Attachments/123``."""
    number = emlx_path.name.split(".", 1)[0]
    return emlx_path.parent.parent / "Attachments" / number


def restore_attachments(msg: Message, emlx_path: Path, ctx: ReadContext, notes: list[str]) -> Message:
    """Put the bytes of each part Apple Mail stored apart back into ``msg`` (in place)."""
    folder = attachments_folder(emlx_path)
    for section, part in _leaf_parts(msg):
        payload = part.get_payload()
        if part.get("X-Apple-Content-Length") is None or (isinstance(payload, str) and payload.strip()):
            continue
        name = part.get_filename() or part.get_param("name") or section
        stored = _stored_file(folder / section)
        if stored is None:
            notes.append(f"The attachment {name} of {ctx.display_name} is not in Apple Mail's Attachments folder; "
                         "it was listed, not read.")
            continue
        try:
            size = stored.stat().st_size
            if size > ctx.limits.max_attachment_bytes:
                notes.append(f"The attachment {name} of {ctx.display_name} is larger than "
                             f"{ctx.limits.max_attachment_bytes / 2**20:,.0f} MB and was not read.")
                continue
            data = stored.read_bytes()
        except OSError as exc:
            log.info("attachment of %s not readable: %s", ctx.display_name, type(exc).__name__)
            continue
        del part["Content-Transfer-Encoding"]
        part["Content-Transfer-Encoding"] = "base64"
        part.set_payload(base64.encodebytes(data).decode("ascii"))
    return msg


def _leaf_parts(msg: Message) -> list[tuple[str, Message]]:
    """The non-multipart parts with their IMAP section numbers ("1", "2", "2.1"), in order."""
    out: list[tuple[str, Message]] = []
    stack: list[tuple[str, Message]] = [("", msg)]
    while stack and len(out) < 1000:
        prefix, part = stack.pop()
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            subs = [(f"{prefix}.{i}" if prefix else str(i), p) for i, p in enumerate(payload, 1) if isinstance(p, Message)]
            stack.extend(reversed(subs))
        else:
            out.append((prefix or "1", part))
    return out


def _stored_file(folder: Path) -> Path | None:
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    except OSError:
        return None
    return files[0] if files else None

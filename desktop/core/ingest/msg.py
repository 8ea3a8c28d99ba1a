"""Read an Outlook message (.msg) with python-oxmsg; attachments and embedded messages become children."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from functools import cached_property, partial
from typing import TypeVar

from oxmsg import Message
from oxmsg.attachment import Attachment
from oxmsg.domain import constants as c
from oxmsg.properties import Properties
from oxmsg.recipient import Recipient
from oxmsg.storage import Storage

from desktop.core.document import Document
from desktop.core.errors import CorruptFile, DocumentError, EmptyDocument
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.encoding import decode_text
from desktop.core.ingest.mailheaders import (
    clean_name,
    clean_text,
    decode_words,
    format_address,
    iso_date,
    parse_addresses,
    parse_date,
    person,
)
from desktop.core.ingest.mailhtml import html_to_text
from desktop.core.ingest.mailparts import MailMessage, email_document, read_child, readable, unique_name
from desktop.core.ingest.mailtext import undouble_spacing

log = logging.getLogger(__name__)

T = TypeVar("T")
D = TypeVar("D")

_ATTACH_EMBEDDED_MSG = 5  # PidTagAttachMethod afEmbeddedMessage, MS-OXCMSG 2.2.2.9
_EMBEDDED_STORAGE = "__substg1.0_3701000D"  # MS-OXMSG 2.2.2.1: the embedded message's storage
_EMBEDDED_HEADER = 24  # an embedded message's properties stream header is 24 bytes, not 32 (MS-OXMSG 2.4.1.2)
_RECIPIENT_TO, _RECIPIENT_CC = 1, 2
_ANSICPG = re.compile(rb"\\ansicpg(\d{3,5})")


class _EmbeddedMessage(Message):
    """python-oxmsg 0.0.2 reads top-level messages only; an embedded one differs just in the
    length of its properties header, so the same class reads it with that offset."""

    @cached_property
    def properties(self) -> Properties:  # type: ignore[override]
        return Properties(self._storage, properties_header_offset=_EMBEDDED_HEADER)


def read(data: bytes, ctx: ReadContext) -> Document:
    try:
        message = Message.load(data)
    except Exception as exc:  # olefile raises OSError/struct.error/IndexError on damaged files
        raise CorruptFile(f"{ctx.display_name} is a damaged Outlook message and could not be opened.", ctx.path) from exc
    mail = mail_from_outlook(message, ctx)
    if not mail.body and not mail.attachments and not mail.children:
        # A warning (an unreadable rich-text body) says better than "empty" why there is no text.
        reason = mail.warnings[0] if mail.warnings else f"{ctx.display_name} has no message text."
        raise EmptyDocument(reason, ctx.path)
    return email_document(mail, ctx)


def _get(fn: Callable[[], object], kind: type[T], default: D) -> T | D:
    """A property of the expected type, else ``default``: one damaged property (bad code page,
    truncated stream, a flipped type tag) costs that property only."""
    try:
        value = fn()
    except Exception:  # noqa: BLE001 - python-oxmsg raises KeyError/UnicodeDecodeError/OverflowError/struct.error
        return default
    return value if isinstance(value, kind) else default


def mail_from_outlook(message: Message, ctx: ReadContext) -> MailMessage:
    props = message.properties
    headers = _get(lambda: message.message_headers, dict, {})
    mail = MailMessage()
    mail.subject = clean_text(_get(lambda: message.subject, str, "")) or decode_words(str(headers.get("Subject") or ""))
    sender = parse_addresses(_get(lambda: message.sender, str, None))
    mail.sender = person(sender)
    mail.from_ = ", ".join(format_address(n, a) for n, a in sender) or None
    mail.to, mail.cc = _recipients(message, headers)
    when = _get(lambda: message.sent_date, datetime, None) or _get(
        lambda: props.date_prop_value(c.PID_MESSAGE_DELIVERY_TIME), datetime, None
    )
    mail.date = iso_date(when) if when else iso_date(parse_date(headers.get("Date")))
    body = _body(message, mail, ctx)
    if body:
        mail.body.append(body[: ctx.limits.max_chars])
        if len(body) > ctx.limits.max_chars:
            mail.warnings.append(f"{ctx.display_name} holds more text than Precis reads from one document; the rest was skipped.")
    _attachments(message, mail, ctx)
    return mail


def _recipients(message: Message, headers: dict[str, str]) -> tuple[list[str], list[str]]:
    to: list[str] = []
    cc: list[str] = []
    for recipient in _get(lambda: message.recipients, tuple, ()):
        kind, entry = _recipient(recipient)
        if entry and kind == _RECIPIENT_CC:
            cc.append(entry)
        elif entry and kind == _RECIPIENT_TO:
            to.append(entry)  # Bcc (3) is not shown: the recipients did not see it either
    if not to and not cc:
        to = [format_address(n, a) for n, a in parse_addresses(headers.get("To"))]
        cc = [format_address(n, a) for n, a in parse_addresses(headers.get("Cc"))]
    if not to and not cc:
        shown = _get(lambda: message.properties.str_prop_value(c.PID_DISPLAY_TO), str, "")
        to = [clean_text(x) for x in shown.split(";") if clean_text(x)]
    return to, cc


def _recipient(recipient: Recipient) -> tuple[int, str]:
    """(PidTagRecipientType low bits: 1 To, 2 Cc, 3 Bcc; 'Name <address>')."""
    kind = _get(lambda: recipient.properties.int_prop_value(c.PID_RECIPIENT_TYPE), int, _RECIPIENT_TO)
    name = clean_text(_get(lambda: recipient.name, str, ""))
    address = clean_text(_get(lambda: recipient.email_address, str, ""))
    return kind & 0xF, format_address(name, address)


def _body(message: Message, mail: MailMessage, ctx: ReadContext) -> str:
    """Plain text if the message has it, else its HTML as text, else its compressed RTF as text."""
    props = message.properties
    plain = _get(lambda: message.body, str, None)
    if plain and plain.strip("\x00 \r\n\t"):
        return undouble_spacing(plain.replace("\x00", "")).strip()
    html = _get(lambda: props.binary_prop_value(c.PID_HTML), bytes, None)
    if html:
        encoding = _get(lambda: props.body_encoding, str, None)
        return html_to_text(decode_text(html, encoding)).strip()
    html_str = _get(lambda: props.str_prop_value(c.PID_BODY_HTML), str, None)
    if html_str:
        return html_to_text(html_str).strip()
    rtf = _get(lambda: props.binary_prop_value(c.PID_RTF_COMPRESSED), bytes, None)
    return _rtf_text(rtf, mail, ctx) if rtf else ""


def _rtf_text(compressed: bytes, mail: MailMessage, ctx: ReadContext) -> str:
    """The body Outlook kept only as compressed RTF (MS-OXRTFCP), as plain text."""
    try:
        from compressed_rtf import decompress
    except ImportError:
        mail.warnings.append(f"The text of {ctx.display_name} is stored only as rich text, which this installation cannot read.")
        return ""
    try:
        rtf = decompress(compressed)
        if len(rtf) > ctx.limits.max_unzipped_bytes:
            raise ValueError("decompressed RTF over the limit")
        return rtf_plain_text(rtf)
    except Exception as exc:  # noqa: BLE001 - both libraries raise plain Exceptions on damaged data
        log.info("RTF body of %s not readable: %s", ctx.display_name, type(exc).__name__)
        mail.warnings.append(f"The rich-text body of {ctx.display_name} is damaged and could not be read.")
        return ""


def rtf_plain_text(rtf: bytes) -> str:
    """An RTF body (already decompressed) as plain text, in the code page it declares; raises on
    RTF that striprtf cannot take apart (the Outlook data file reader uses it too)."""
    from striprtf.striprtf import rtf_to_text

    codepage = _ANSICPG.search(rtf[:4096])
    encoding = f"cp{codepage.group(1).decode()}" if codepage else "cp1252"
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "cp1252"
    return clean_lines(rtf_to_text(rtf.decode("latin-1"), encoding=encoding, errors="replace"))


def clean_lines(text: str) -> str:
    return "\n".join(line.rstrip().replace("\xa0", " ") for line in text.replace("\r\n", "\n").split("\n")).strip()


def _attachments(message: Message, mail: MailMessage, ctx: ReadContext) -> None:
    taken: set[str] = set()
    for count, attachment in enumerate(_get(lambda: message.attachments, tuple, ()), 1):
        if count > ctx.limits.max_mime_parts:
            mail.warnings.append(
                f"{ctx.display_name} has more than {ctx.limits.max_mime_parts} attachments; the rest were not read."
            )
            return
        _attachment(attachment, mail, ctx, taken)


def _attachment(attachment: Attachment, mail: MailMessage, ctx: ReadContext, taken: set[str]) -> None:
    method = _get(lambda: attachment.properties.int_prop_value(c.PID_ATTACH_METHOD), int, None)
    if method == _ATTACH_EMBEDDED_MSG:
        _embedded(attachment, mail, ctx, taken)
        return
    name = clean_name(_attachment_name(attachment))
    mail.attachments.append(name)
    mime = _get(lambda: attachment.mime_type, str, None) or "application/octet-stream"
    if not readable(name, mime):
        return  # images, audio, archives: listed, not read
    data = _get(lambda: attachment.file_bytes, bytes, None)
    if data:
        read_child(data, name, ctx, mail, taken)


def _attachment_name(attachment: Attachment) -> str | None:
    props = attachment.properties
    for pid in (c.PID_ATTACH_LONG_FILENAME, c.PID_ATTACH_FILENAME, c.PID_DISPLAY_NAME):
        value = _get(partial(props.str_prop_value, pid), str, None)
        if value and value.strip("\x00 "):
            return value.replace("\x00", "")
    return None


def _embedded(attachment: Attachment, mail: MailMessage, ctx: ReadContext, taken: set[str]) -> None:
    """A message attached inside the message (Outlook's "attach item"): read as a child."""
    # python-oxmsg exposes no public handle on an attachment's storage; its _storage is stable in 0.0.2.
    own: Storage = attachment._storage  # type: ignore[assignment]
    storage = next((s for s in own.storages if s.name == _EMBEDDED_STORAGE), None)
    base = _attachment_name(attachment) or "attached message"
    name = clean_name(base if base.lower().endswith(".msg") else f"{base}.msg")
    mail.attachments.append(name)
    if storage is None:
        mail.warnings.append(f"The attached message {name} in {ctx.display_name} is empty and was not read.")
        return
    try:
        child_ctx = ctx.child(unique_name(name, taken))
        child = mail_from_outlook(_EmbeddedMessage(storage), child_ctx)
        if not child.body and not child.attachments and not child.children:
            raise EmptyDocument(f"{child_ctx.display_name} has no message text.", child_ctx.path)
        mail.children.append(email_document(child, child_ctx))
    except DocumentError as err:
        mail.warnings.append(err.message)

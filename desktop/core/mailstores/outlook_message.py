"""One message of an Outlook data file as RFC 822 bytes, so the one message reader (the .eml
reader's code) reads it like any other: the transport headers it arrived with (or headers made
from its MAPI properties), its plain, HTML or rich-text body, and its attachments."""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
from datetime import UTC
from email.message import EmailMessage
from typing import Any

import desktop.core.mailstores.outlook_props as p
from desktop.core.ingest.encoding import decode_text
from desktop.core.ingest.mailheaders import clean_name, format_address
from desktop.core.ingest.mailparts import readable
from desktop.core.limits import Limits

#: Transport headers that describe the MIME body Exchange once had, not the one rebuilt here.
_BODY_HEADERS = ("content-", "mime-version")
_RECIPIENT_TO, _RECIPIENT_CC = 1, 2


def message_bytes(item: Any, limits: Limits, notes: list[str], where: str) -> bytes:
    """The message as bytes; what could not be included (an attachment over the limit, a message
    attached inside it) is said in ``notes``."""
    msg = EmailMessage(policy=email.policy.default)
    _headers(msg, item)
    body, subtype = _body(item, limits)
    msg.set_content(body, subtype=subtype, cte="base64" if _long_lines(body) else None)
    _attachments(msg, item, limits, notes, where)
    return msg.as_bytes(policy=email.policy.SMTP)


def _headers(msg: EmailMessage, item: Any) -> None:
    raw = p.safe(lambda: item.transport_headers)
    if isinstance(raw, str) and raw.strip():
        parsed = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(raw.replace("\x00", ""), headersonly=True)
        for name, value in parsed.items():
            if not name.lower().startswith(_BODY_HEADERS):
                _set(msg, name, value)
    if "subject" not in msg:
        _set(msg, "Subject", p.safe(lambda: item.subject) or p.safe(lambda: item.conversation_topic) or "")
    if "from" not in msg:
        sender = _sender(item)
        if sender:
            _set(msg, "From", sender)
    if "to" not in msg and "cc" not in msg:
        to, cc = _recipients(item)
        if to:
            _set(msg, "To", ", ".join(to))
        if cc:
            _set(msg, "Cc", ", ".join(cc))
    if "date" not in msg:
        sent = p.when(item)
        if sent is not None:
            _set(msg, "Date", email.utils.format_datetime(sent.replace(tzinfo=UTC)))


def _set(msg: EmailMessage, name: str, value: object) -> None:
    """One header; a value the header registry rejects (a damaged Received line) is left out."""
    try:
        msg[name] = str(value).replace("\r", " ").replace("\n", " ")
    except Exception:  # noqa: BLE001 - the registry raises several types on malformed values
        return


def _sender(item: Any) -> str | None:
    name = p.safe(lambda: item.sender_name) or ""
    address = next((a for a in (p.string(item, p.SENDER_SMTP), p.string(item, p.SENT_REPRESENTING_SMTP),
                                p.string(item, p.SENDER_EMAIL)) if a and "@" in a), "")
    return _header_address(str(name), address)


def _recipients(item: Any) -> tuple[list[str], list[str]]:
    to: list[str] = []
    cc: list[str] = []
    people = p.attr(item, "recipients")
    if people is None:
        return to, cc
    count = p.attr(people, "number_of_record_sets")
    for index in range(min(count or 0, 1000)):
        record = p.call(people.get_record_set, index)
        if record is None:
            continue
        holder = _Record(record)
        name = p.string(holder, p.DISPLAY_NAME) or ""
        address = next((a for a in (p.string(holder, p.SMTP_ADDRESS), p.string(holder, p.EMAIL_ADDRESS)) if a and "@" in a), "")
        shown = _header_address(name, address)
        kind = (p.integer(holder, p.RECIPIENT_TYPE) or _RECIPIENT_TO) & 0xF
        if shown and kind == _RECIPIENT_CC:
            cc.append(shown)
        elif shown and kind == _RECIPIENT_TO:
            to.append(shown)  # Bcc is not shown: the recipients did not see it either
    return to, cc


def _header_address(name: str, address: str) -> str | None:
    """'Name <address>' for a header; a name without an address stays a name ('Name <>'), which
    'Name' alone would not: a header parser takes a bare word for an address."""
    if not address:
        return email.utils.formataddr((name, "")) if name.strip() else None
    return format_address(name, address) or None


class _Record:
    """One recipient's record set, shaped like an item so the property helpers read it."""

    def __init__(self, record: Any) -> None:
        self.number_of_record_sets = 1
        self._record = record

    def get_record_set(self, _index: int) -> Any:
        return self._record


def _body(item: Any, limits: Limits) -> tuple[str, str]:
    """Plain text when the message has it, else its HTML, else its rich text as plain text."""
    plain = p.safe(lambda: item.plain_text_body)
    if isinstance(plain, bytes) and plain.strip(b"\x00 \r\n\t"):
        return decode_text(plain[: limits.max_message_bytes], "utf-8").replace("\x00", ""), "plain"
    html = p.safe(lambda: item.html_body)
    if isinstance(html, bytes) and html.strip():
        return decode_text(html[: limits.max_message_bytes]), "html"
    rtf = p.safe(lambda: item.rtf_body)
    if isinstance(rtf, bytes) and rtf.strip() and len(rtf) <= limits.max_unzipped_bytes:
        from desktop.core.ingest.msg import rtf_plain_text

        text = p.safe(lambda: rtf_plain_text(rtf), "")
        if text:
            return text, "plain"
    return "", "plain"


def _long_lines(text: str) -> bool:
    return any(len(line) > 900 for line in text.splitlines())


def _attachments(msg: EmailMessage, item: Any, limits: Limits, notes: list[str], where: str) -> None:
    count = p.safe(lambda: item.number_of_attachments, 0) or 0
    if count > limits.max_mime_parts:
        notes.append(f"A message in {where} has {count:,} attachments; only the first {limits.max_mime_parts:,} were read.")
    for index in range(min(count, limits.max_mime_parts)):
        attachment = p.call(item.get_attachment, index)
        if attachment is None:
            continue
        name = clean_name(p.attr(attachment, "long_filename") or p.string(attachment, p.ATTACH_LONG_FILENAME)
                          or p.string(attachment, p.ATTACH_FILENAME) or p.string(attachment, p.DISPLAY_NAME))
        mime = p.string(attachment, p.ATTACH_MIME_TAG) or "application/octet-stream"
        maintype, _, subtype = mime.lower().partition("/")
        if p.integer(attachment, p.ATTACH_METHOD) == p.ATTACH_EMBEDDED_MESSAGE:
            label = clean_name(p.string(attachment, p.DISPLAY_NAME), "attached message")
            notes.append(f"The message “{label}” attached inside a message in {where} was not read: "
                         "libpff does not open messages attached inside Outlook data files.")
            continue
        size = p.attr(attachment, "size") or 0
        data = b""
        if readable(name, mime) and size:
            if size > limits.max_attachment_bytes:
                notes.append(f"The attachment {name} in {where} is larger than "
                             f"{limits.max_attachment_bytes / 2**20:,.0f} MB and was not read.")
            else:
                data = p.call(attachment.read_buffer, size) or b""
        # Attachments Precis does not read (images, archives) are listed by name, without their bytes.
        msg.add_attachment(data, maintype=maintype if subtype else "application",
                           subtype=subtype or "octet-stream", filename=name)

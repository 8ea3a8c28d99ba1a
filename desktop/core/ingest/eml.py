"""Read an RFC 822 / MIME email (.eml) into a Document, attachments as child documents."""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import email.utils
from collections.abc import Callable
from email.message import Message
from typing import TypeVar

from desktop.core.document import Document
from desktop.core.errors import DocumentError, EmptyDocument, LimitExceeded
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.encoding import decode_text, decode_with
from desktop.core.ingest.mailheaders import (
    clean_name,
    decode_words,
    format_address,
    header_charset,
    iso_date,
    parse_addresses,
    parse_date,
    person,
)
from desktop.core.ingest.mailhtml import html_to_text
from desktop.core.ingest.mailparts import (
    MailMessage,
    email_document,
    read_child,
    readable,
    too_large,
    unique_name,
)

_SIGNATURE_TYPES = frozenset({
    "application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature",
    "application/pkcs7-mime-signature",
})
_BODY_TEXT = frozenset({"text/plain", "text/html", "text/enriched", "text/richtext"})
_ENCLOSED = frozenset({"message/rfc822", "message/global"})  # RFC 6532's UTF-8 message/global too
_HTML_LIKE = frozenset({"text/html", "text/enriched", "text/richtext"})
T = TypeVar("T")
D = TypeVar("D")


def read(data: bytes, ctx: ReadContext) -> Document:
    mail = mail_from_message(parse(data, ctx), ctx)
    if not mail.body and not mail.attachments and not mail.children:
        raise EmptyDocument(f"{ctx.display_name} has no message text, only headers.", ctx.path)
    return email_document(mail, ctx)


def parse(data: bytes, ctx: ReadContext) -> Message:
    """The modern policy parses structure; it records defects instead of raising on bad MIME.

    Its parser recurses once per nested part, so thousands of nested messages exhaust the stack.
    """
    try:
        return email.parser.BytesParser(policy=email.policy.default).parsebytes(data)
    except RecursionError as exc:
        raise LimitExceeded(f"{ctx.display_name} nests messages too deeply to read safely.", ctx.path) from exc


def mail_from_message(msg: Message, ctx: ReadContext, *, taken: set[str] | None = None) -> MailMessage:
    """Headers and body of ``msg``; attachments become children read under ``ctx``.

    ``taken`` holds the child names already used under ``ctx`` (the mbox reader shares one set
    across messages so two messages' "report.pdf" get distinct parts).
    """
    hint = _body_charset(msg)
    sender = parse_addresses(_raw(msg, "from") or _raw(msg, "sender"), hint)
    mail = MailMessage()
    mail.subject = decode_words(_raw(msg, "subject") or "", hint)
    mail.sender = person(sender)
    mail.from_ = ", ".join(format_address(n, a) for n, a in sender) or None
    mail.to = [format_address(n, a) for n, a in parse_addresses(_raw(msg, "to"), hint)]
    mail.cc = [format_address(n, a) for n, a in parse_addresses(_raw(msg, "cc"), hint)]
    mail.date = iso_date(parse_date(_raw(msg, "date")))
    _Walker(ctx, mail, taken if taken is not None else set()).walk(msg)
    return mail


def _raw(msg: Message, name: str) -> str | None:
    """The header's raw text (8-bit bytes kept as surrogates), never run through a header parser."""
    for key, value in msg.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def _body_charset(msg: Message) -> str | None:
    """The charset the message's text is really in: the best guess for raw 8-bit bytes in headers.

    That is the codec that decoded the first text part holding 8-bit bytes (which may not be the
    one it declares: Cyrillic or CJK text labelled Latin-1 is read with its own), else a guess
    from the 8-bit bytes of the headers themselves, else the first charset declared."""
    declared_first: str | None = None
    for part in _first_parts(msg, 20):
        declared = _safe(part.get_content_charset, None)
        declared_first = declared_first or (str(declared) if declared else None)
        if _safe(part.get_content_maintype, "") != "text" or part.is_multipart():
            continue
        data = _decoded(part)
        if data and not data.isascii():
            return decode_with(data[:65536], str(declared) if declared else None)[1]
    return header_charset([_raw(msg, name) for name in ("subject", "from", "sender", "to", "cc")]) or declared_first


def _first_parts(msg: Message, limit: int) -> list[Message]:
    out: list[Message] = []
    stack = [msg]
    while stack and len(out) < limit:
        part = stack.pop(0)
        out.append(part)
        payload = _safe(part.get_payload, None)
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
    return out


def _safe(fn: Callable[[], T], default: D) -> T | D:
    """Call a header accessor of the modern policy; callers fall back to compat32 when it fails."""
    try:
        return fn()
    except Exception:  # noqa: BLE001 - the header registry has raised IndexError/AttributeError on bad input
        return default


def _compat(part: Message) -> Message:
    """The same headers under the lenient compat32 policy, for when the modern parser raises."""
    legacy = email.message.Message(policy=email.policy.compat32)
    for key, value in part.raw_items():
        legacy[key] = value
    return legacy


class _Walker:
    """Walk the MIME tree in document order without recursion, counting parts against the limit."""

    def __init__(self, ctx: ReadContext, mail: MailMessage, taken: set[str]) -> None:
        self.ctx, self.mail, self.taken = ctx, mail, taken
        self.chars = 0

    def walk(self, root: Message) -> None:
        stack: list[Message] = [root]
        count = 0
        while stack:
            part = stack.pop()
            count += 1
            if count > self.ctx.limits.max_mime_parts:
                self.mail.warnings.append(
                    f"{self.ctx.display_name} has more than {self.ctx.limits.max_mime_parts} MIME parts; "
                    "the rest were not read."
                )
                return
            ctype = _content_type(part)
            # get_payload() decodes with the declared charset and raises on one like "iso\0jp".
            payload = _safe(part.get_payload, None)
            if ctype in _ENCLOSED and isinstance(payload, list) and payload and isinstance(payload[0], Message):
                self._enclosed(part, payload[0])
            elif ctype == "message/external-body":
                self._external(part)
            elif isinstance(payload, list):
                subs = [p for p in payload if isinstance(p, Message)]
                if ctype == "multipart/alternative":
                    subs = _preferred_alternative(subs)
                stack.extend(reversed(subs))
            elif ctype in _SIGNATURE_TYPES:
                continue  # the S/MIME or PGP signature blob: nothing to read
            elif _is_body(part, ctype):
                self._body(part, ctype)
            else:
                self._attachment(part, ctype)

    def _body(self, part: Message, ctype: str) -> None:
        data = _decoded(part)
        if not data:
            return
        charset = _safe(part.get_content_charset, None) or _safe(lambda: _compat(part).get_content_charset(), None)
        text = decode_text(data, charset)
        if ctype in _HTML_LIKE:
            text = html_to_text(text)
        text = text.replace("\r\n", "\n").strip()
        budget = self.ctx.limits.max_chars - self.chars
        if len(text) > budget:
            text = text[:max(0, budget)]
            self.mail.warnings.append(
                f"{self.ctx.display_name} holds more text than Precis reads from one document; the rest was skipped."
            )
        if text:
            self.chars += len(text)
            self.mail.body.append(text)

    def _attachment(self, part: Message, ctype: str) -> None:
        name = clean_name(_filename(part), fallback=_default_name(ctype))
        self.mail.attachments.append(name)
        if not readable(name, ctype):
            return
        encoded = _safe(part.get_payload, None)
        if isinstance(encoded, str) and len(encoded) * 3 // 4 > self.ctx.limits.max_attachment_bytes:
            # Checked on the encoded size first, so a huge attachment is never decoded at all.
            self.mail.warnings.append(too_large(name, self.ctx))
            return
        data = _decoded(part)
        if data and data.strip():
            read_child(data, name, self.ctx, self.mail, self.taken)

    def _enclosed(self, part: Message, inner: Message) -> None:
        """A forwarded message: the parser already parsed it, so it becomes a child directly
        (re-serialising and re-parsing it would cost a full parse per nesting level)."""
        subject = decode_words(_raw(inner, "subject") or "")
        name = clean_name(_filename(part) or (subject and subject[:80] + ".eml"), fallback="forwarded message.eml")
        self.mail.attachments.append(name)
        try:
            child_ctx = self.ctx.child(unique_name(name, self.taken))
            child = mail_from_message(inner, child_ctx)
            if not child.body and not child.attachments and not child.children:
                raise EmptyDocument(f"{child_ctx.display_name} has no message text, only headers.", child_ctx.path)
            self.mail.children.append(email_document(child, child_ctx))
        except DocumentError as err:
            self.mail.warnings.append(err.message)

    def _external(self, part: Message) -> None:
        name = _filename(part)
        if name:
            self.mail.warnings.append(
                f"{self.ctx.display_name} refers to {clean_name(name)} stored elsewhere; Precis does not download it."
            )


def _content_type(part: Message) -> str:
    ctype = _safe(part.get_content_type, None) or _safe(lambda: _compat(part).get_content_type(), "text/plain")
    return str(ctype).lower()


def _preferred_alternative(subs: list[Message]) -> list[Message]:
    """Plain text when the sender gave one (HTML conversion is lossy), else the richest part."""
    for sub in subs:
        if _content_type(sub) == "text/plain" and _disposition(sub) != "attachment" and (_decoded(sub) or b"").strip():
            return [sub]
    return subs[-1:]


def _is_body(part: Message, ctype: str) -> bool:
    if _disposition(part) == "attachment":
        return False
    maintype, _, subtype = ctype.partition("/")
    # "multipart" without boundaries (a broken message) and S/MIME's "application/plain" are text.
    return ctype in _BODY_TEXT or maintype == "multipart" or (subtype == "plain" and not _filename(part))


def _disposition(part: Message) -> str | None:
    value = _safe(part.get_content_disposition, None)
    if value is None:
        value = _safe(lambda: _compat(part).get_content_disposition(), None)
    return str(value).lower() if value else None


def _filename(part: Message) -> str | None:
    """Content-Disposition filename, else Content-Type name (RFC 2231 and RFC 2047 decoded)."""
    name: object = _safe(part.get_filename, None) or _safe(lambda: _compat(part).get_filename(), None)
    if not name:
        name = _safe(lambda: part.get_param("name"), None) or _safe(lambda: _compat(part).get_param("name"), None)
        if isinstance(name, tuple):  # an RFC 2231 value
            name = email.utils.collapse_rfc2231_value(name)
    return decode_words(str(name)) if name else None


def _decoded(part: Message) -> bytes | None:
    """The part's bytes with its transfer encoding (base64, quoted-printable, uuencode) undone."""
    data = _safe(lambda: part.get_payload(decode=True), None)
    return data if isinstance(data, bytes) else None


def _default_name(ctype: str) -> str:
    maintype, _, subtype = ctype.partition("/")
    return f"{maintype or 'attachment'}.{subtype}" if subtype and len(subtype) < 20 else "attachment"

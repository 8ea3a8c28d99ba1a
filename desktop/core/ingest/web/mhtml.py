"""Read a saved web page (.mhtml, .mht: a MIME multipart/related message, as browsers and Word
save pages): its HTML part read like any page; images, styles and frames are never opened."""

from __future__ import annotations

from email.message import Message

from desktop.core.document import Document
from desktop.core.errors import EmptyDocument, UnsupportedFormat
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.eml import parse
from desktop.core.ingest.mailheaders import decode_words
from desktop.core.ingest.web.markup import read_page
from desktop.core.ingest.web.page import decode_html, page_document


def read(data: bytes, ctx: ReadContext) -> Document:
    message = parse(data, ctx)
    root = _root_html(message, ctx)
    if root is None:
        raise EmptyDocument(f"{ctx.display_name} is a saved web page without an HTML page in it.", ctx.path)
    try:
        payload = root.get_payload(decode=True)
        charset = root.get_content_charset()
    except Exception as exc:  # the header registry raises IndexError/AttributeError on bad input
        raise UnsupportedFormat(f"{ctx.display_name} is a damaged saved web page.", ctx.path) from exc
    if not isinstance(payload, bytes) or not payload.strip():
        raise EmptyDocument(f"{ctx.display_name} holds no readable text.", ctx.path)
    page = read_page(decode_html(payload, charset))
    subject = decode_words(str(message.get("subject", "") or ""))
    document = page_document(page, ctx, title_fallback=subject)
    location = str(message.get("snapshot-content-location") or root.get("content-location") or "").strip()
    if location.startswith(("http://", "https://")):
        document.metadata["saved_from"] = location[:500]
    return document


def _root_html(message: Message, ctx: ReadContext) -> Message | None:
    """The page itself: the part the multipart/related ``start`` parameter names, else the first
    HTML part, found without recursion and within the MIME part limit."""
    start = str(message.get_param("start") or "").strip("<>") if message.is_multipart() else ""
    first_html: Message | None = None
    stack = [message]
    count = 0
    while stack:
        part = stack.pop(0)
        count += 1
        if count > ctx.limits.max_mime_parts:
            break
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
            continue
        if start and str(part.get("content-id", "")).strip().strip("<>") == start:
            return part
        if first_html is None and part.get_content_type() in ("text/html", "application/xhtml+xml"):
            first_html = part
    return first_html

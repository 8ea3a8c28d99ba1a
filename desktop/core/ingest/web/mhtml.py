"""Read a saved web page (.mhtml, .mht: a MIME multipart/related message, as browsers and Word
save pages): its HTML part read like any page, what its saved style sheets hide left out; images and frames
are never opened."""

from __future__ import annotations

from collections.abc import Callable
from email.message import Message
from urllib.parse import urljoin

from desktop.core.document import Document
from desktop.core.errors import EmptyDocument, UnsupportedFormat
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.eml import parse
from desktop.core.ingest.encoding import decode_text
from desktop.core.ingest.mailheaders import decode_words
from desktop.core.ingest.web.markup import read_page
from desktop.core.ingest.web.page import decode_html, page_document
from desktop.core.ingest.web.stylesheet import MAX_STYLE_CHARS


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
    location = str(message.get("snapshot-content-location") or root.get("content-location") or "").strip()
    page = read_page(decode_html(payload, charset), _saved_styles(message, ctx, location))
    subject = decode_words(str(message.get("subject", "") or ""))
    document = page_document(page, ctx, title_fallback=subject)
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


def _saved_styles(message: Message, ctx: ReadContext, location: str) -> Callable[[str], str | None]:
    """The page's style sheets as the browser saved them (text/css parts by Content-Location, up to
    MAX_STYLE_CHARS in all), so what they hide is not read; nothing is fetched."""
    sheets: dict[str, str] = {}
    budget = MAX_STYLE_CHARS
    parts = message.walk() if message.is_multipart() else iter(())
    for count, part in enumerate(parts):
        if count > ctx.limits.max_mime_parts or budget <= 0:
            break
        where = str(part.get("content-location") or "").strip()
        if part.get_content_type() != "text/css" or not where:
            continue
        try:
            payload = part.get_payload(decode=True)
        except (IndexError, AttributeError, ValueError, LookupError):  # the header registry on bad input
            payload = None  # a damaged part is one style sheet fewer
        if isinstance(payload, bytes) and len(payload) <= budget:
            budget -= len(payload)
            sheets[where] = decode_text(payload, part.get_content_charset())

    def linked(href: str) -> str | None:
        return sheets.get(urljoin(location, href) if location else href) or sheets.get(href)

    return linked

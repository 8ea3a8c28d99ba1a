"""Read an HTML page (.html, .htm, .xhtml): its main text with headings, lists, quotes and tables,
decoded with the charset it declares (else detected); scripts and styles are never read and
nothing it links to is fetched."""

from __future__ import annotations

import re
from pathlib import PurePath

from desktop.core.document import DocKind, Document
from desktop.core.errors import EmptyDocument
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.encoding import decode_text
from desktop.core.ingest.items import BlockList
from desktop.core.ingest.titles import clean_title
from desktop.core.ingest.web.markup import Page, read_page

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})""")


def read(data: bytes, ctx: ReadContext) -> Document:
    page = read_page(decode_html(data))
    return page_document(page, ctx, title_fallback=None)


def decode_html(data: bytes, declared: str | None = None) -> str:
    """The page's text: a byte-order mark, else the charset its <meta> or XML declaration names (or
    the one its MIME part declared), else detection."""
    if not declared:
        head = data[:4096]
        match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
        declared = match.group(1).decode("ascii") if match else None
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = None  # a BOM outranks any declaration
    return decode_text(data, declared).replace("\x00", "")


def page_document(page: Page, ctx: ReadContext, *, title_fallback: str | None) -> Document:
    """A web page's Items as a located Document (a saved page uses it too)."""
    out = BlockList(ctx)
    for item in page.items:
        if not out.add(item):
            break
    if not out.blocks:
        raise EmptyDocument(f"{ctx.display_name} holds no readable text.", ctx.path)
    title = clean_title(page.title) or clean_title(title_fallback) or out.first_heading() or PurePath(ctx.name).stem
    metadata = {"language": page.language} if page.language else {}
    return Document(path=ctx.path, kind=DocKind.WEB_PAGE, title=title[:500], metadata=metadata, blocks=out.blocks,
                    warnings=out.warnings, part=ctx.part)

"""HTML (and EPUB's XHTML) as Items: headings with their level, paragraphs, list items, quotes and
tables, in reading order, from the page's main text. Scripts, styles, forms, navigation and
hidden elements (``hidden.py``) are left out; nothing the page refers to (images, frames,
stylesheets) is fetched.

lxml's HTML parser builds the tree (no network, no DTD); the walk is ours because the summary
needs each heading as a block of its own, which a plain-text rendering (inscriptis, used for mail
bodies) flattens away.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from desktop.core.document import Role
from desktop.core.ingest.items import Item
from desktop.core.ingest.mailhtml import strip_tags
from desktop.core.ingest.web.hidden import drop_hidden

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
#: Never read: code, styling, embedded objects, forms, and the page's own machinery.
#: <noscript> is read only when a page shows nothing else (its text is for browsers without scripts).
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "frame",
                   "frameset", "object", "embed", "applet", "svg", "math", "canvas", "audio", "video", "map", "form",
                   "button", "select", "textarea", "input", "option", "datalist", "dialog"})
#: Page chrome, left out when the page does not mark its main text itself.
_CHROME = frozenset({"nav", "header", "footer", "aside", "menu"})
_NAVIGATION = frozenset({"nav", "aside", "menu"})
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
_BLOCKS = {"p", "div", "section", "article", "main", "body", "html", "ul", "ol", "li", "dl", "dt", "dd", "table",
           "blockquote", "pre", "figure", "figcaption", "address", "hr", "center", "details", "summary", "fieldset",
           "legend", "caption", "tr", "td", "th", "thead", "tbody", "tfoot", "hgroup", "nav", "header", "footer",
           "aside", *(_HEADINGS)}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]{0,500}\?>")
#: A table whose cells hold blocks, or this much text, lays out a page rather than holding data.
_LAYOUT_CELL_CHARS = 400
_CELL_CHARS = 2000
_MAX_DEPTH = 200


@dataclass(slots=True)
class Page:
    """What a page holds: its title (``<title>``), language and Items in reading order."""

    title: str | None = None
    language: str | None = None
    items: list[Item] = field(default_factory=list)


def parse(text: str) -> Any:
    """The document tree of an HTML or XHTML page (lxml's HTML parser: lenient, no network)."""
    return lxml_html.document_fromstring(_XML_DECLARATION.sub("", text.strip()) or "<html></html>")


def read_page(text: str, linked: Callable[[str], str | None] | None = None) -> Page:
    """Items of an HTML page's main text, what it hides left out (``linked``: the text of a style
    sheet the page links to, where its file holds it); a page lxml cannot parse gives an empty Page."""
    try:
        root = parse(text)
    except (etree.ParserError, ValueError):
        return Page()
    title = _text(root.find(".//title")) if root.find(".//title") is not None else None
    stripped = strip_tags(text)
    if len(_text(root).split()) < 0.5 * len(stripped.split()):
        # libxml2 drops what lies deeper than 256 nested elements; the tags stripped say more.
        return Page(title=title, items=[Item(line, Role.PARAGRAPH) for line in stripped.splitlines() if line.strip()])
    drop_hidden(root, linked)
    language = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    main = _main(root)
    # Inside the page's main text a <header> holds the article's title: only navigation is chrome there.
    walker = _Walker(chrome=_NAVIGATION if main is not None else _CHROME)
    walker.walk(main if main is not None else root, 0)
    walker.flush()
    if not walker.items and main is None:  # a page that is all "header" or "aside": read it whole
        walker = _Walker(chrome=frozenset())
        walker.walk(root, 0)
        walker.flush()
    if not walker.items:  # a page that shows its text only to readers without scripts
        walker = _Walker(chrome=frozenset(), skip=_SKIP - {"noscript"})
        walker.walk(root, 0)
        walker.flush()
    return Page(title=title or None, language=language, items=walker.items)


def _main(root: Any) -> Any:
    """The page's own main text when it marks it: ``<main>``, role="main", or its one ``<article>``."""
    found = root.find(".//main")
    if found is None:
        found = next(iter(root.xpath(".//*[@role='main']")), None)
    if found is None:
        articles = root.findall(".//article")
        found = articles[0] if len(articles) == 1 else None
    return found


class _Walker:
    """Collects inline text into the current paragraph; a block element closes it."""

    def __init__(self, *, chrome: frozenset[str], skip: frozenset[str] = _SKIP) -> None:
        self.chrome = chrome
        self.skip = skip
        self.items: list[Item] = []
        self.buffer: list[str] = []
        self.context: list[tuple[Role, int | None]] = [(Role.PARAGRAPH, None)]
        self.list_depth = 0

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer.clear()
        if text:
            role, level = self.context[-1]
            self.items.append(Item(text, role, level))

    def walk(self, element: Any, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        if element.text:
            self.buffer.append(element.text)
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else None
            if tag is not None and not self._skipped(child, tag.lower()):
                self._element(child, tag.lower(), depth)
            if child.tail:
                self.buffer.append(child.tail)

    def _skipped(self, element: Any, tag: str) -> bool:
        if tag in self.skip:
            return True
        if not self.chrome:
            return False
        return tag in self.chrome or (element.get("role") or "").lower() in _CHROME_ROLES

    def _element(self, element: Any, tag: str, depth: int) -> None:
        if tag in ("br", "wbr"):
            self.buffer.append(" ")
            return
        if tag not in _BLOCKS:
            self.walk(element, depth + 1)  # inline: its text joins the current paragraph
            return
        self.flush()
        if tag in _HEADINGS:
            text = _text(element)
            if text:
                self.items.append(Item(text, Role.HEADING, _HEADINGS[tag]))
        elif tag == "table" and not _layout_table(element):
            table = _table(element)
            if table:
                self.items.append(Item(table, Role.TABLE))
        elif tag in ("ul", "ol", "dl"):
            self.list_depth += 1
            self.walk(element, depth + 1)
            self.list_depth -= 1
        elif tag in ("li", "dd", "dt"):
            self._inside(element, depth, Role.LIST_ITEM, min(6, max(1, self.list_depth)))
        elif tag == "blockquote":
            self._inside(element, depth, Role.QUOTE, None)
        elif tag == "hr":
            pass
        else:
            self.walk(element, depth + 1)
        self.flush()

    def _inside(self, element: Any, depth: int, role: Role, level: int | None) -> None:
        self.context.append((role, level))
        self.walk(element, depth + 1)
        self.flush()
        self.context.pop()


def _layout_table(table: Any) -> bool:
    """A table used to lay out a page: its cells hold blocks, long text or other tables."""
    for cell in table.iter("td", "th"):
        if cell.find(".//table") is not None or cell.find(".//p") is not None or cell.find(".//div") is not None:
            return True
        if len(cell.text_content()) > _LAYOUT_CELL_CHARS:
            return True
    return False


def _table(table: Any) -> str:
    rows = []
    for row in table.iter("tr"):
        cells = [_text(cell)[:_CELL_CHARS] for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
        if any(cells):
            rows.append(" | ".join(cells).rstrip(" |"))
    return "\n".join(rows)


def _text(element: Any) -> str:
    """An element's words, without those of its scripts and styles."""
    parts: list[str] = []
    _collect(element, parts, 0)
    return " ".join("".join(parts).split())


def _collect(element: Any, parts: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str) and child.tag.lower() not in _SKIP:
            if child.tag.lower() in ("br", "td", "th", "li", "p", "div"):
                parts.append(" ")
            _collect(child, parts, depth + 1)
        if child.tail:
            parts.append(child.tail)


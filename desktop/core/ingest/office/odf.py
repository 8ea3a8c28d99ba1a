"""Read OpenDocument text (.odt) and presentations (.odp) with odfpy: headings with their outline
level, paragraphs, lists, tables, text boxes and footnotes in document order; slides with their
titles and notes, located by slide. (Spreadsheets stream through ``ods``.)"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from odf.namespaces import DCNS, DRAWNS, OFFICENS, PRESENTATIONNS, STYLENS, TABLENS, TEXTNS
from odf.opendocument import load

from desktop.core.document import DocKind, Document, Role
from desktop.core.errors import CorruptFile, EmptyDocument, LimitExceeded
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.items import BlockList, Item, hidden_slides_note
from desktop.core.ingest.package import open_package
from desktop.core.ingest.titles import clean_title, plausible_title

log = logging.getLogger(__name__)

_ELEMENT = 1
_TEXT = 3
#: Elements never read: tracked deletions, comments, indexes that repeat the headings, forms.
_SKIP = {(TEXTNS, "tracked-changes"), (OFFICENS, "annotation"), (OFFICENS, "annotation-end"),
         (TEXTNS, "table-of-content"), (TEXTNS, "alphabetical-index"), (TEXTNS, "illustration-index"),
         (TEXTNS, "table-index"), (TEXTNS, "object-index"), (TEXTNS, "user-index"), (TEXTNS, "bibliography"),
         (OFFICENS, "forms"), (TEXTNS, "sequence-decls"), (TEXTNS, "variable-decls"), (TEXTNS, "user-field-decls")}
_MAX_DEPTH = 40
_SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
_CELL_CHARS = 2000


def read_text(data: bytes, ctx: ReadContext) -> Document:
    doc = _load(data, ctx, "OpenDocument text files")
    body = getattr(doc, "text", None)
    walker = _Walker()
    out = BlockList(ctx)
    for item in walker.blocks(body, 0) if body is not None else ():
        if not out.add(item):
            break
    if not out.full:
        for number, note in enumerate(walker.notes, 1):
            if not out.add(Item(f"Footnote {number}: {note}", Role.PARAGRAPH), section="Notes"):
                break
    return _document(doc, out, ctx, DocKind.DOCUMENT, "holds no text")


def read_presentation(data: bytes, ctx: ReadContext) -> Document:
    doc = _load(data, ctx, "OpenDocument presentations")
    body = getattr(doc, "presentation", None)
    pages = [n for n in _children(body) if n.qname == (DRAWNS, "page")] if body is not None else []
    out = BlockList(ctx)
    if len(pages) > ctx.limits.max_slides:
        out.warnings.append(f"{ctx.display_name} has {len(pages):,} slides; Precis read the first "
                            f"{ctx.limits.max_slides:,}.")
    hidden = 0
    hidden_styles = _hidden_page_styles(doc)
    for number, page in enumerate(pages[:ctx.limits.max_slides], 1):
        ctx.cancel_check()
        if _attr(page, DRAWNS, "style-name") in hidden_styles:
            hidden += 1
            continue
        out.section = None
        if not out.add_all(list(_slide_items(page)), slide=number):
            break
    if hidden:
        out.warnings.append(hidden_slides_note(ctx, hidden))
    document = _document(doc, out, ctx, DocKind.PRESENTATION, "holds no text on its slides")
    document.metadata["slide_count"] = len(pages)
    return document


def _hidden_page_styles(doc: Any) -> set[str]:
    """Names of the drawing-page styles that hide a slide (presentation:visibility="hidden")."""
    hidden: set[str] = set()
    for style in _children(getattr(doc, "automaticstyles", None)):
        for props in _children(style):
            if props.qname == (STYLENS, "drawing-page-properties") and \
                    _attr(props, PRESENTATIONNS, "visibility") == "hidden":
                hidden.add(_attr(style, STYLENS, "name") or "")
    return hidden


def _load(data: bytes, ctx: ReadContext, what: str) -> Any:
    with open_package(data, ctx, what) as archive:
        xml = sum(i.file_size for i in archive.infolist() if i.filename in ("content.xml", "styles.xml", "meta.xml"))
    if xml > ctx.limits.max_dom_xml_bytes:
        raise LimitExceeded(f"{ctx.display_name} holds {xml / 2**20:,.0f} MB of text markup; Precis reads {what} of up "
                            f"to {ctx.limits.max_dom_xml_bytes / 2**20:,.0f} MB (save it as .docx or PDF to read it).",
                            ctx.path)
    try:
        return load(io.BytesIO(data))
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # zipfile, SAX, defusedxml and odfpy each fail their own way
        log.debug("odfpy could not open a package: %s", type(exc).__name__)
        raise CorruptFile(f"{ctx.display_name} is damaged and could not be opened as an OpenDocument file.",
                          ctx.path) from exc


def _document(doc: Any, out: BlockList, ctx: ReadContext, kind: DocKind, empty: str) -> Document:
    if not out.blocks:
        raise EmptyDocument(f"{ctx.display_name} {empty}.", ctx.path)
    metadata = _meta(doc)
    declared = clean_title(metadata.pop("title", None))
    early = " ".join(b.text for b in out.blocks[:80])
    title = (declared if declared and plausible_title(declared, early) else None) or out.first_heading() \
        or PurePath(ctx.name).stem
    return Document(path=ctx.path, kind=kind, title=title[:500], metadata=metadata, blocks=out.blocks,
                    warnings=out.warnings, part=ctx.part)


class _Walker:
    """Body elements to Items; footnotes are collected in order and read after the body."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def blocks(self, node: Any, depth: int, list_level: int = 0) -> Iterator[Item]:
        if depth > _MAX_DEPTH:
            return
        for child in _children(node):
            qname = child.qname
            if qname in _SKIP:
                continue
            if qname == (TEXTNS, "h"):
                text = self.inline(child)
                level = _int(_attr(child, TEXTNS, "outline-level"), 1)
                if text:
                    yield Item(text, Role.HEADING, max(1, min(level, 6)))
                yield from self._frames(child, depth)
            elif qname == (TEXTNS, "p"):
                text = self.inline(child)
                if text:
                    yield Item(text, Role.LIST_ITEM if list_level else Role.PARAGRAPH,
                               min(list_level, 6) if list_level else None)
                yield from self._frames(child, depth)
            elif qname == (TEXTNS, "list"):
                yield from self.blocks(child, depth + 1, list_level + 1)
            elif qname == (TABLENS, "table"):
                table = self.table(child)
                if table:
                    yield Item(table, Role.TABLE)
            else:  # sections, list items, text boxes, frames, groups: their content in order
                yield from self.blocks(child, depth + 1, list_level)

    def _frames(self, paragraph: Any, depth: int) -> Iterator[Item]:
        """Text boxes anchored in a paragraph, read after it."""
        for frame in _descendants(paragraph, (DRAWNS, "text-box"), depth):
            yield from self.blocks(frame, depth + 1)

    def inline(self, node: Any, depth: int = 0) -> str:
        parts: list[str] = []
        self._inline(node, parts, depth)
        return " ".join("".join(parts).split())

    def _inline(self, node: Any, parts: list[str], depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        for child in node.childNodes:
            if child.nodeType == _TEXT:
                parts.append(str(child.data))
                continue
            if child.nodeType != _ELEMENT or child.qname in _SKIP:
                continue
            qname = child.qname
            if qname == (TEXTNS, "s"):
                parts.append(" " * min(_int(_attr(child, TEXTNS, "c"), 1), 100))
            elif qname in ((TEXTNS, "tab"), (TEXTNS, "line-break")):
                parts.append(" ")
            elif qname == (TEXTNS, "note"):
                body = next((n for n in _children(child) if n.qname == (TEXTNS, "note-body")), None)
                if body is not None:
                    self.notes.append(" ".join(item.text for item in self.blocks(body, depth + 1)))
            elif qname in ((DRAWNS, "frame"), (DRAWNS, "custom-shape"), (DRAWNS, "g")):
                continue  # a text box's paragraphs are blocks of their own (``_frames``)
            else:
                self._inline(child, parts, depth + 1)

    def table(self, node: Any) -> str:
        rows: list[str] = []
        for row in _descendants(node, (TABLENS, "table-row"), 0):
            cells = [" ".join(self.inline(p) for p in _children(cell) if p.qname in ((TEXTNS, "p"), (TEXTNS, "h")))
                     [:_CELL_CHARS] for cell in _children(row) if cell.qname == (TABLENS, "table-cell")]
            if any(cells):
                rows.append(" | ".join(cells).rstrip(" |"))
        return "\n".join(rows)


def _slide_items(page: Any) -> Iterator[Item]:
    """The title frame first, then the other frames and shapes top to bottom, then the notes."""
    walker = _Walker()
    shapes = [n for n in _children(page) if n.qname != (PRESENTATIONNS, "notes")]
    titles = [s for s in shapes if _attr(s, PRESENTATIONNS, "class") == "title"]
    for shape in titles:
        text = " ".join(item.text for item in walker.blocks(shape, 0))
        if text:
            yield Item(text, Role.HEADING, 1)
    rest = sorted((s for s in shapes if s not in titles), key=_position)
    for shape in rest:
        items = list(walker.blocks(shape, 0))
        if len(items) == 1 and items[0].role is Role.LIST_ITEM:
            items[0] = Item(items[0].text, Role.PARAGRAPH)
        yield from items
    for notes in (n for n in _children(page) if n.qname == (PRESENTATIONNS, "notes")):
        frames = [f for f in _children(notes) if _attr(f, PRESENTATIONNS, "class") == "notes"]
        text = " ".join(item.text for frame in frames for item in walker.blocks(frame, 0))
        if text:
            yield Item(f"Notes: {text}", Role.PARAGRAPH)


def _position(shape: Any) -> tuple[float, float]:
    """A frame's distance from the top, then the left, of the slide in centimetres (a frame
    without a position goes last)."""
    return _length(_attr(shape, _SVG, "y")), _length(_attr(shape, _SVG, "x"))


def _length(value: str | None) -> float:
    text = (value or "").strip()
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz%")
    scale = {"in": 2.54, "mm": 0.1, "pt": 2.54 / 72, "pc": 2.54 / 6}.get(text[len(number):], 1.0)
    try:
        return float(number) * scale
    except ValueError:
        return float("inf")


def _children(node: Any) -> list[Any]:
    return [c for c in getattr(node, "childNodes", ()) if c.nodeType == _ELEMENT]


def _descendants(node: Any, qname: tuple[str, str], depth: int) -> Iterator[Any]:
    if depth > _MAX_DEPTH:
        return
    for child in _children(node):
        if child.qname == qname:
            yield child
        elif child.qname not in _SKIP:
            yield from _descendants(child, qname, depth + 1)


def _attr(node: Any, namespace: str, name: str) -> str | None:
    value = getattr(node, "attributes", {}).get((namespace, name))
    return str(value) if value is not None else None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _meta(doc: Any) -> dict[str, Any]:
    """Title, author, subject, language and date from meta.xml."""
    out: dict[str, Any] = {}
    names = {(DCNS, "title"): "title", (DCNS, "subject"): "subject", (DCNS, "language"): "language",
             ("urn:oasis:names:tc:opendocument:xmlns:meta:1.0", "initial-creator"): "author",
             ("urn:oasis:names:tc:opendocument:xmlns:meta:1.0", "creation-date"): "date"}
    for node in _children(getattr(doc, "meta", None)):
        key = names.get(node.qname)
        if key:
            text = " ".join(str(t.data) for t in node.childNodes if t.nodeType == _TEXT).strip()
            if text:
                out.setdefault(key, " ".join(text.split())[:500])
    return out

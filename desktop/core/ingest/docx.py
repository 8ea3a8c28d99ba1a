"""Read Word .docx files: body in document order, headings, lists, tables, headers, footnotes."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from pathlib import PurePath
from typing import Any

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from desktop.core.document import Block, DocKind, Document, Locator, Role
from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.docx_body import Item, Walker, read_styles
from desktop.core.ingest.package import SAFE_PARSER, ZIP_ERRORS, open_package
from desktop.core.ingest.titles import clean_title, core_properties, plausible_title

log = logging.getLogger(__name__)

_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = re.compile(r"\d+")
#: ISO/IEC 29500 Strict namespaces and relationship types, and their Transitional twins that
#: python-docx knows. Specific entries first: they share prefixes with the general ones.
_STRICT = (
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
    (b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
     b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"),
    (b"http://purl.oclc.org/ooxml/officeDocument/customProperties",
     b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"),
    (b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
     b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"),
    (b"http://purl.oclc.org/ooxml/officeDocument/sharedTypes",
     b"http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes"),
    (b"http://purl.oclc.org/ooxml/officeDocument/math", b"http://schemas.openxmlformats.org/officeDocument/2006/math"),
    (b"http://purl.oclc.org/ooxml/wordprocessingml/main", b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"),
    (b"http://purl.oclc.org/ooxml/drawingml/", b"http://schemas.openxmlformats.org/drawingml/2006/"),
)
#: python-docx opens only the main document content type; macro-enabled files and templates
#: hold the same markup under another name.
_MAIN_TYPES = (
    b"application/vnd.ms-word.document.macroEnabled.main+xml",
    b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)
_DOCUMENT_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def read(data: bytes, ctx: ReadContext) -> Document:
    with open_package(data, ctx, "Word files") as archive:
        data = _transitional(data, archive)
    try:
        document = docx.Document(io.BytesIO(data))
        root = document.element.body
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - zlib, zipfile, lxml and python-docx each fail their own way
        log.debug("python-docx could not open a package: %s", type(exc).__name__)
        root = None
    if root is None:
        raise CorruptFile(f"{ctx.display_name} is damaged and could not be opened as a Word document.", ctx.path)
    part = document.part
    walker = Walker(styles=read_styles(_styles_root(document)))
    body = list(walker.blocks(root))
    headers, footers = _headers_footers(part, walker)
    notes = [*_notes(part, walker, "footnote"), *_notes(part, walker, "endnote")]
    only_margins = not body and bool(headers or footers or notes)
    if not body and not only_margins:
        raise EmptyDocument(f"{ctx.display_name} holds no text.", ctx.path)
    if only_margins:  # a letterhead or a form whose text sits in headers and footers: that text is the document
        body = [Item(item.text, Role.PARAGRAPH) for item in (*headers, *notes, *footers)]
        headers, notes, footers = [], [], []
    blocks, warnings = _locate(headers, body, notes, footers, ctx)
    if only_margins:
        warnings.insert(0, f"{ctx.display_name} has text only in its headers, footers or notes; that is what "
                           "Precis read.")
    metadata = _core_properties(document)
    declared = clean_title(metadata.pop("title", None))
    early = " ".join(item.text for item in body[:80])
    heading = next((b.text for b in blocks if b.role is Role.HEADING), None)
    title = (declared if declared and plausible_title(declared, early) else None) or heading or PurePath(ctx.name).stem
    return Document(path=ctx.path, kind=DocKind.DOCX, title=title, metadata=metadata, blocks=blocks,
                    warnings=warnings, part=ctx.part)


def _transitional(data: bytes, archive: zipfile.ZipFile) -> bytes:
    """Rewrite a Strict OOXML package (or a .docm/.dotx) in memory into what python-docx opens.

    python-docx looks parts up by Transitional relationship types and namespaces only
    (https://github.com/python-openxml/python-docx/issues/1231); Strict files use purl.oclc.org ones.
    """
    names = archive.namelist()
    try:
        rels = archive.read("_rels/.rels") if "_rels/.rels" in names else b""
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except ZIP_ERRORS:
        return data  # python-docx will report the damage
    strict = b"purl.oclc.org/ooxml" in rels
    renamed = any(t in types for t in _MAIN_TYPES)
    if not strict and not renamed:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in archive.infolist():
            try:
                blob = archive.read(info)
            except ZIP_ERRORS:
                return data  # a damaged member (bad CRC, broken deflate): python-docx reports it
            if info.filename.endswith((".xml", ".rels")):
                if strict:
                    for old, new in _STRICT:
                        blob = blob.replace(old, new)
                if info.filename == "[Content_Types].xml":
                    for old in _MAIN_TYPES:
                        blob = blob.replace(old, _DOCUMENT_TYPE)
            target.writestr(info, blob)
    return out.getvalue()


def _styles_root(document: Any) -> Any:
    try:
        return document.styles.element
    except (KeyError, AttributeError, ValueError):
        return None


def _xml(part: Any) -> Any:
    """The root element of a related part, parsed safely when python-docx left it as bytes."""
    element = getattr(part, "element", None)
    if element is not None:
        return element
    try:
        return etree.fromstring(part.blob, SAFE_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        log.debug("unreadable part skipped: %s", type(exc).__name__)
        return None


def _headers_footers(part: Any, walker: Walker) -> tuple[list[Item], list[Item]]:
    """Each distinct header and footer text once, in section order (not once per section)."""
    seen: set[str] = set()
    found: dict[str, list[Item]] = {"header": [], "footer": []}
    for sect in part.element.body.iter(_W + "sectPr"):
        for ref in sect:
            kind = ref.tag.removeprefix(_W).removesuffix("Reference")
            if kind not in found:
                continue
            try:
                root = _xml(part.related_parts[ref.get(_R_ID)])
            except KeyError:
                continue
            text = "\n".join(item.text for item in walker.blocks(root)) if root is not None else ""
            key = _DIGITS.sub("#", " ".join(text.split()))  # "Page 1 of 11" in every section is one footer
            if text and key not in seen:
                seen.add(key)
                found[kind].append(Item(text, Role.HEADER if kind == "header" else Role.FOOTER))
    return found["header"], found["footer"]


def _notes(part: Any, walker: Walker, kind: str) -> list[Item]:
    """Footnotes or endnotes, numbered as their references appear in the text."""
    rel = next((r for r in part.rels.values() if r.reltype == getattr(RT, kind.upper() + "S") and not r.is_external), None)
    root = _xml(rel.target_part) if rel is not None else None
    if root is None:
        return []
    texts: dict[str, str] = {}
    for note in root.iter(_W + kind):
        if note.get(_W + "type") in (None, "normal"):
            texts[note.get(_W + "id", "")] = " ".join(item.text for item in walker.blocks(note))
    out = []
    for number, note_id in enumerate(walker.notes[kind], 1):
        text = texts.pop(note_id, "").strip()
        if text:
            label = f"Footnote {number}" if kind == "footnote" else f"Endnote {number}"
            out.append(Item(f"{label}: {text}", Role.PARAGRAPH))
    return out


def _locate(headers: list[Item], body: list[Item], notes: list[Item], footers: list[Item],
            ctx: ReadContext) -> tuple[list[Block], list[str]]:
    """Blocks with their 1-based paragraph index and the nearest heading above them."""
    blocks: list[Block] = []
    warnings: list[str] = []
    section: str | None = None
    chars = 0
    for group, name in ((headers, None), (body, ""), (notes, "Notes"), (footers, None)):
        for item in group:
            if item.role is Role.HEADING and name == "":
                section = item.text[:200]
            if chars + len(item.text) > ctx.limits.max_chars:
                warnings.append(f"{ctx.display_name} holds more than the {ctx.limits.max_chars:,} characters Precis "
                                "reads from one document; the rest was left out.")
                item.text = item.text[: ctx.limits.max_chars - chars]
                if item.text:
                    blocks.append(_block(item, len(blocks) + 1, section if name == "" else name))
                return blocks, warnings
            chars += len(item.text)
            blocks.append(_block(item, len(blocks) + 1, section if name == "" else name))
    return blocks, warnings


def _block(item: Item, index: int, section: str | None) -> Block:
    return Block(item.text, item.role, Locator(paragraph=index, section=section), item.level)


def _core_properties(document: Any) -> dict[str, Any]:
    """Title, author, subject, creation date and language, when the package has core properties.

    python-docx invents defaults ("Word Document", now) for a package without them, so those
    are read only when the package really carries the part.
    """
    package = document.part.package
    if not any(rel.reltype == RT.CORE_PROPERTIES for rel in package.rels.values()):
        return {}
    try:
        return core_properties(document.core_properties)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        log.debug("core properties unreadable: %s", type(exc).__name__)
        return {}

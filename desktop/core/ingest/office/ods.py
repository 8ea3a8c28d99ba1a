"""Read an OpenDocument spreadsheet (.ods): each sheet's used range as rows of text, as for Excel,
streamed from content.xml with lxml (no DTD, no entities) and each row let go once read, so a
million cells read in bounded memory. odfpy, used for text and slides, builds the whole
document in memory: several hundred bytes per cell."""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from lxml import etree

from desktop.core.document import DocKind, Document
from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.items import BlockList
from desktop.core.ingest.office.sheet_rows import Cell, SheetWriter
from desktop.core.ingest.package import ZIP_ERRORS, open_package, parse_xml, read_member
from desktop.core.ingest.titles import clean_title

log = logging.getLogger(__name__)

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_DC = "{http://purl.org/dc/elements/1.1/}"
#: A row or cell repeated more than this with the same content is read this many times: spreadsheet
#: programs write blank filler as "repeated 1,048,000 times", and real repeats are never so long.
_MAX_REPEAT = 100
_CHECK_EVERY = 2000


def read(data: bytes, ctx: ReadContext) -> Document:
    with open_package(data, ctx, "OpenDocument spreadsheets") as archive:
        out = BlockList(ctx)
        sheets: list[str] = []
        cells = 0
        try:
            with archive.open("content.xml") as content:
                cells = _read_sheets(content, out, sheets, ctx)
        except KeyError as exc:
            raise CorruptFile(f"{ctx.display_name} is damaged: it has no content part.", ctx.path) from exc
        except (etree.XMLSyntaxError, *ZIP_ERRORS) as exc:
            if not out.blocks:
                raise CorruptFile(f"{ctx.display_name} is damaged and could not be read as an OpenDocument "
                                  "spreadsheet.", ctx.path) from exc
            out.warnings.append(f"{ctx.display_name} is damaged after {sheets[-1] if sheets else 'its start'}; "
                                "Precis read what came before.")
        metadata = _meta(archive)
    if not out.blocks:
        raise EmptyDocument(f"{ctx.display_name} holds no values in its sheets.", ctx.path)
    metadata["sheets"] = sheets
    metadata["cells"] = cells
    title = clean_title(metadata.pop("title", None)) or PurePath(ctx.name).stem
    return Document(path=ctx.path, kind=DocKind.SPREADSHEET, title=title, metadata=metadata, blocks=out.blocks,
                    warnings=out.warnings, part=ctx.part)


def _read_sheets(content: Any, out: BlockList, sheets: list[str], ctx: ReadContext) -> int:
    cells = 0
    writer: SheetWriter | None = None
    row_number = 0
    events = etree.iterparse(content, events=("start", "end"), tag=(f"{_TABLE}table", f"{_TABLE}table-row"),
                             resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    for event, element in events:
        if element.tag == f"{_TABLE}table":
            if event == "start":
                name = element.get(f"{_TABLE}name") or f"Sheet{len(sheets) + 1}"
                sheets.append(name)
                writer, row_number = SheetWriter(out, name), 0
                out.section = None
            elif writer is not None:
                writer.flush()
                cells += writer.cells
                writer = None
                element.clear()
            if out.full:
                break
            continue
        if event != "end" or writer is None:
            continue
        repeat = _int(element.get(f"{_TABLE}number-rows-repeated"), 1)
        row = list(_cells(element))
        _release(element)
        if not row:
            row_number += repeat
            continue
        for _ in range(min(repeat, _MAX_REPEAT)):
            row_number += 1
            if row_number % _CHECK_EVERY == 0:
                ctx.cancel_check()
            if writer.over_limit(cells, row_number, len(row)) or not writer.add_row(row_number, row):
                break
        row_number += max(0, repeat - _MAX_REPEAT)
        if out.full:
            break
    if writer is not None:
        writer.flush()
        cells += writer.cells
    return cells


def _cells(row: Any) -> Iterator[Cell]:
    """(column, text) of the row's cells that hold something, repeats expanded within reason."""
    column = 0
    for cell in row:
        if cell.tag not in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
            continue
        repeat = _int(cell.get(f"{_TABLE}number-columns-repeated"), 1)
        text = _cell_text(cell)
        if text:
            for k in range(min(repeat, _MAX_REPEAT)):
                yield column + k + 1, text
        column += repeat


def _cell_text(cell: Any) -> str:
    """What the cell shows (its paragraphs), else its stored value (a formula's cached result)."""
    shown = " ".join(" ".join("".join(p.itertext()).split()) for p in cell
                     if p.tag in (f"{_TEXT}p", f"{_TEXT}h"))
    if shown.strip():
        return shown.strip()
    for name in ("value", "date-value", "time-value", "boolean-value", "string-value"):
        value = cell.get(f"{_OFFICE}{name}")
        if value:
            return value
    return ""


def _release(element: Any) -> None:
    """Let a read row go, with the rows before it, so the tree never holds more than one."""
    element.clear()
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, int(value)) if value is not None else default
    except ValueError:
        return default


def _meta(archive: zipfile.ZipFile) -> dict[str, Any]:
    root = parse_xml(read_member(archive, "meta.xml"))
    out: dict[str, Any] = {}
    if root is None:
        return out
    for key, tag in (("title", f"{_DC}title"), ("subject", f"{_DC}subject"), ("language", f"{_DC}language")):
        element = root.find(f".//{tag}")
        if element is not None and element.text and element.text.strip():
            out[key] = " ".join(element.text.split())[:500]
    return out

"""Read Excel .xlsx/.xlsm with openpyxl in read-only mode: each visible sheet's used range as rows
of text under its header row, formulas as the values Excel last calculated, every block located
by its sheet and cell range. Rows are streamed, so a million-cell sheet reads in bounded memory."""

from __future__ import annotations

import io
import logging
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

import openpyxl

from desktop.core.document import DocKind, Document
from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.items import BlockList
from desktop.core.ingest.office.sheet_rows import Cell, SheetWriter
from desktop.core.ingest.package import open_package
from desktop.core.ingest.titles import clean_title, core_properties

log = logging.getLogger(__name__)

#: Rows between two cancel checks and two clean-ups of the parser's per-row bookkeeping.
_CHECK_EVERY = 2000
#: What reading a damaged sheet raises: the XML parser's errors (SyntaxError subclasses), a
#: number or date that does not parse, a shared-string index past the table, a damaged member.
_DAMAGE = (SyntaxError, ValueError, IndexError, KeyError, TypeError, OverflowError, zlib.error, zipfile.BadZipFile,
           EOFError)


def read(data: bytes, ctx: ReadContext) -> Document:
    open_package(data, ctx, "Excel files").close()
    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it does not keep; none of it is about text.
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:  # zipfile, XML parsers and openpyxl each fail their own way
            log.debug("openpyxl could not open a workbook: %s", type(exc).__name__)
            raise CorruptFile(f"{ctx.display_name} is damaged and could not be opened as an Excel workbook.",
                              ctx.path) from exc
        try:
            return _read_workbook(workbook, ctx)
        finally:
            workbook.close()


def _read_workbook(workbook: Any, ctx: ReadContext) -> Document:
    out = BlockList(ctx)
    hidden: list[str] = []
    cells = 0
    sheets = list(workbook.worksheets)
    for sheet in sheets:
        if getattr(sheet, "sheet_state", "visible") != "visible":
            hidden.append(sheet.title)
            continue
        writer = SheetWriter(out, str(sheet.title))
        out.section = None
        try:
            _read_sheet(sheet, workbook, writer, cells, ctx)
        except _DAMAGE as exc:  # XML cut or garbled inside the sheet, a value that is not a number
            log.debug("sheet %s damaged: %s", sheet.title, type(exc).__name__)
            out.warnings.append(f"Sheet {sheet.title} of {ctx.display_name} is damaged; Precis read what came "
                                "before the damage.")
        writer.flush()
        cells += writer.cells
        if out.full:
            break
    if hidden:
        out.warnings.append(f"{ctx.display_name} has hidden sheets ({', '.join(hidden[:10])}); Precis left them out.")
    if not out.blocks:
        raise EmptyDocument(f"{ctx.display_name} holds no values in its sheets.", ctx.path)
    metadata = core_properties(getattr(workbook, "properties", None), author="creator")
    metadata["sheets"] = [str(s.title) for s in sheets]
    metadata["cells"] = cells
    title = clean_title(metadata.pop("title", None)) or PurePath(ctx.name).stem
    return Document(path=ctx.path, kind=DocKind.SPREADSHEET, title=title, metadata=metadata, blocks=out.blocks,
                    warnings=out.warnings, part=ctx.part)


def _read_sheet(sheet: Any, workbook: Any, writer: SheetWriter, cells: int, ctx: ReadContext) -> None:
    for count, (number, row) in enumerate(_rows(sheet, workbook), 1):
        if count % _CHECK_EVERY == 0:
            ctx.cancel_check()
        if writer.over_limit(cells, number, len(row)) or not writer.add_row(number, row):
            return


def _rows(sheet: Any, workbook: Any) -> Iterator[tuple[int, list[Cell]]]:
    """(row number, [(column, value)]) for the rows that hold cells, straight from openpyxl's sheet
    parser: ``iter_rows`` pads every row to the widest column, so one stray cell in column XFD
    would cost 16,384 values a row."""
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        source = sheet._get_source()
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                                 date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
    except (ImportError, AttributeError, TypeError):  # another openpyxl: its public, padded rows
        log.debug("openpyxl's sheet parser is not available; reading padded rows")
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, [(col, v) for col, v in enumerate(values, 1) if v is not None]
        return
    try:
        for count, (number, cells) in enumerate(parser.parse(), 1):
            if count % _CHECK_EVERY == 0:
                parser.row_dimensions.clear()  # heights of rows already read: not needed, and they add up
            yield number, [(cell["column"], cell["value"]) for cell in cells if cell["value"] is not None]
    finally:
        source.close()

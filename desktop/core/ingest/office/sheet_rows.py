"""A sheet's rows as text blocks (Excel and OpenDocument alike): the sheet's name as a heading,
then its used range in groups of rows, each group led by the sheet's header row and located by
the sheet and the cells it covers ("B2:F40")."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from desktop.core.document import Role
from desktop.core.ingest.items import BlockList, Item

#: A block holds at most this many rows or characters, so a citation points near its row.
ROWS_PER_BLOCK = 40
CHARS_PER_BLOCK = 2000
#: A row wider than this (columns between its first and last cell) is written as "C7: value"
#: pairs instead of aligned columns, so a stray cell in column XFD does not make 16,000 bars.
ALIGNED_COLUMNS = 64
#: One cell's text is cut here: a cell can hold 32,767 characters.
CELL_CHARS = 1000

Cell = tuple[int, object]  # (1-based column, value)


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA (what Excel shows above the column)."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters or "A"


def cell_text(value: object) -> str:
    """A cached value as a person reads it: 3 not 3.0, dates without a midnight, TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return " ".join(str(value).split())[:CELL_CHARS]


@dataclass(slots=True)
class SheetWriter:
    """Takes one sheet's rows in order and adds them to ``out`` as located TABLE blocks."""

    out: BlockList
    sheet: str
    header: list[Cell] | None = None
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    chars: int = 0
    cells: int = 0
    started: bool = False

    def add_row(self, number: int, cells: Iterable[Cell]) -> bool:
        """Add row ``number``'s non-empty cells; False once the document's text limit is reached."""
        row = [(col, text) for col, value in cells if (text := cell_text(value))]
        if not row:
            return not self.out.full
        self.cells += len(row)
        if not self.started:
            self.started = True
            if not self.out.add(Item(self.sheet, Role.HEADING, 1), sheet=self.sheet):
                return False
            if _looks_like_header(row):
                self.header = row
        elif self.rows and number > self.rows[-1][0] + 1:
            # Blank rows end a table: the next rows are a block of their own, under their own
            # header when they start with one (two tables on one sheet).
            if not self.flush():
                return False
            if _looks_like_header(row):
                self.header = row
        self.rows.append((number, row))
        self.chars += sum(len(str(text)) + 3 for _, text in row)
        if len(self.rows) >= ROWS_PER_BLOCK or self.chars >= CHARS_PER_BLOCK:
            return self.flush()
        return True

    def over_limit(self, before: int, number: int, width: int) -> bool:
        """Whether a row of ``width`` cells would pass the workbook's cell limit (``before`` cells
        came from earlier sheets); if so the rows read so far are written and the list closed."""
        ctx = self.out.ctx
        if before + self.cells + width <= ctx.limits.max_cells:
            return False
        self.out.warnings.append(f"{ctx.display_name} holds more than the {ctx.limits.max_cells:,} cells Precis reads "
                                 f"from one workbook; the rest, from row {number:,} of sheet {self.sheet}, was left out.")
        self.flush()
        self.out.full = True
        return True

    def flush(self) -> bool:
        """Write the rows held so far as one block."""
        if not self.rows:
            return not self.out.full
        rows, self.rows, self.chars = self.rows, [], 0
        header = self.header if self.header is not None and all(r is not self.header for _, r in rows) else None
        all_cells = [c for _, row in rows for c, _ in row] + ([c for c, _ in header] if header else [])
        first, last = min(all_cells), max(all_cells)
        lines = [_line(header, first, last)] if header else []
        lines += [_line(row, first, last) for _, row in rows]
        cells = f"{column_letter(first)}{rows[0][0]}:{column_letter(last)}{rows[-1][0]}"
        return self.out.add(Item("\n".join(lines), Role.TABLE), sheet=self.sheet, cells=cells)


def _looks_like_header(row: list[Cell]) -> bool:
    """A first row of labels: every cell text that is not a number, and not one long sentence."""
    texts = [str(text) for _, text in row]
    return all(not _numeric(t) and len(t) <= 80 for t in texts) and (len(texts) > 1 or len(texts[0]) <= 40)


def _numeric(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _line(row: list[Cell], first: int, last: int) -> str:
    if last - first < ALIGNED_COLUMNS:
        by_col = dict(row)
        return " | ".join(str(by_col.get(col, "")) for col in range(first, last + 1)).rstrip(" |")
    return "; ".join(f"{column_letter(col)}: {text}" for col, text in row)

"""The pairs table: where each pair came from, how it starts, its token lengths and its flags
(empty, duplicate, unreadable: left out; too long: cut to the model's input)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from desktop.ml.finetune import PairItem, PairSet

COLUMNS = ("Source", "Document", "Summary", "Doc.\ntokens", "Sum.\ntokens", "Flags")
SOURCE, DOCUMENT, SUMMARY, DOC_TOKENS, SUMMARY_TOKENS, FLAGS = range(len(COLUMNS))
START_CHARS = 90
TIP_CHARS = 700
#: Flag colours on a light and on a dark palette: left out (red), cut to fit (amber).
LEFT_OUT = ("#cf222e", "#ff7b72")
LONG = ("#b35900", "#e3b341")


def tone(colors: tuple[str, str]) -> QColor:
    """The light- or dark-palette colour of a pair, whichever the application shows."""
    dark = QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
    return QColor(colors[1] if dark else colors[0])

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


@dataclass(slots=True)
class _Row:
    origin: str
    document: str
    summary: str
    doc_tokens: int
    summary_tokens: int
    problem: str | None

    @classmethod
    def of(cls, item: PairItem) -> _Row:
        text = item.document.text() if item.document is not None else ""
        # A row with its own task shows the instruction before its answer.
        answer = f"[{item.record.instruction}] {item.record.summary}" if item.record.instruction else item.record.summary
        return cls(item.record.origin, text[: TIP_CHARS * 2], answer, item.doc_tokens, item.summary_tokens,
                   item.problem)


class PairsTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.pairs: PairSet | None = None
        self._rows: list[_Row] = []
        self.max_source_len = 512
        self.max_target_len = 128
        self.exact_tokens = True

    # ----- contents --------------------------------------------------------------------------
    def set_pairs(self, pairs: PairSet | None, exact_tokens: bool = True) -> None:
        self.beginResetModel()
        self.pairs = pairs
        self.exact_tokens = exact_tokens
        self._rows = [_Row.of(i) for i in pairs.items] if pairs is not None else []
        self.endResetModel()

    def set_limits(self, max_source_len: int, max_target_len: int) -> None:
        if (max_source_len, max_target_len) == (self.max_source_len, self.max_target_len):
            return
        self.max_source_len, self.max_target_len = max_source_len, max_target_len
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    def flags_of(self, row: int) -> list[str]:
        """The row's flags in words: "empty summary", "same as pairs.jsonl, line 3", "document cut"..."""
        r = self._rows[row]
        if r.problem:
            return [f"duplicate ({r.problem})" if r.problem.startswith("same as") else r.problem]
        flags = []
        if r.doc_tokens > self.max_source_len:
            flags.append(f"too long: first {self.max_source_len} tokens used")
        if r.summary_tokens > self.max_target_len:
            flags.append(f"summary too long: cut at {self.max_target_len} tokens")
        return flags

    def long_count(self) -> int:
        return sum(1 for i, r in enumerate(self._rows) if not r.problem and self.flags_of(i))

    def row_texts(self, row: int) -> list[str]:
        return [str(self.data(self.index(row, c))) for c in range(len(COLUMNS))]

    # ----- the model interface ---------------------------------------------------------------
    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section in (DOC_TOKENS, SUMMARY_TOKENS):
            how = "counted with the base model's tokenizer" if self.exact_tokens else "estimated: no model is installed"
            what = "document" if section == DOC_TOKENS else "summary"
            return f"Length of the {what} in model tokens ({how})"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(index.row(), r, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == DOCUMENT:
                return _one_line(r.document, TIP_CHARS) or "(empty)"
            if col == SUMMARY:
                return _one_line(r.summary, TIP_CHARS) or "(empty)"
            if col == FLAGS:
                return "; ".join(self.flags_of(index.row())) or "Used for training"
            return r.origin if col == SOURCE else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (DOC_TOKENS, SUMMARY_TOKENS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == FLAGS and (r.problem or self.flags_of(index.row())):
                return tone(LEFT_OUT if r.problem else LONG)
            if r.problem:
                return QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            if col == DOC_TOKENS and r.doc_tokens > self.max_source_len:
                return tone(LONG)
            if col == SUMMARY_TOKENS and r.summary_tokens > self.max_target_len:
                return tone(LONG)
        if role == Qt.ItemDataRole.FontRole and r.problem and col != FLAGS:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def _display(self, row: int, r: _Row, col: int) -> str:
        if col == SOURCE:
            name, sep, line = r.origin.rpartition(", line ")
            return f"line {line} · {name}" if sep else r.origin  # the line stays readable when the name is cut
        if col == DOCUMENT:
            return _one_line(r.document, START_CHARS)
        if col == SUMMARY:
            return _one_line(r.summary, START_CHARS)
        if col == DOC_TOKENS:
            return f"{r.doc_tokens:,}" if self.exact_tokens else f"~{r.doc_tokens:,}"
        if col == SUMMARY_TOKENS:
            return f"{r.summary_tokens:,}" if self.exact_tokens else f"~{r.summary_tokens:,}"
        return ", ".join(self.flags_of(row))

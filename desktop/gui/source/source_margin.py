"""The source text's left margin: each block's locator (page, time, message, paragraph), painted
beside the block, in the highlight colour beside the cited one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

from desktop.core.document import Block, format_timestamp

if TYPE_CHECKING:
    from desktop.gui.source.source_text import SourceText

MARGIN_WIDTH = 80


def margin_label(block: Block, previous: Block | None) -> str:
    """A short locator for the margin; pages and messages only where they change."""
    loc, prev = block.locator, previous.locator if previous is not None else None
    if loc.start is not None:
        return format_timestamp(loc.start)
    if loc.page is not None:  # a page read by OCR says so, so a reader knows to expect recognition errors
        if prev is None or prev.page != loc.page or (block.ocr and not previous.ocr):  # type: ignore[union-attr]
            return f"p. {loc.page} · OCR" if block.ocr else f"p. {loc.page}"
        return ""
    if loc.message is not None:
        return f"message {loc.message}" if prev is None or prev.message != loc.message else ""
    if loc.paragraph is not None:
        return f"¶ {loc.paragraph}"
    return ""


class LocatorMargin(QWidget):
    """Sits over the text view's left viewport margin and paints the visible blocks' labels."""

    def __init__(self, view: SourceText) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self) -> QSize:
        return QSize(MARGIN_WIDTH, 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        view = self._view
        labels = view.margin_labels()
        painter = QPainter(self)
        pal = view.palette()
        painter.fillRect(event.rect(), pal.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(pal.color(QPalette.ColorRole.Mid))
        painter.drawLine(MARGIN_WIDTH - 1, event.rect().top(), MARGIN_WIDTH - 1, event.rect().bottom())
        if labels:
            self._paint_labels(painter, labels)
        painter.end()

    def _paint_labels(self, painter: QPainter, labels: list[str]) -> None:
        view = self._view
        pal = view.palette()
        font = QFont(view.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        layout = view.document().documentLayout()
        offset = view.verticalScrollBar().value()
        height = view.viewport().height()
        marked = set(view.marked_blocks)
        block = view.document().findBlockByNumber(max(0, view.first_visible_block()))
        faint, strong = pal.color(QPalette.ColorRole.PlaceholderText), pal.color(QPalette.ColorRole.Highlight)
        while block.isValid():
            number = block.blockNumber()
            top = layout.blockBoundingRect(block).top() - offset + block.blockFormat().topMargin()
            if top > height:
                break
            label = labels[number] if number < len(labels) else ""
            if label:
                painter.setPen(strong if number in marked else faint)
                text = metrics.elidedText(label, Qt.TextElideMode.ElideRight, MARGIN_WIDTH - 14)
                painter.drawText(QRect(6, int(top), MARGIN_WIDTH - 12, metrics.height()),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, text)
            block = block.next()

"""The source text's left margin: each block's locator (page, time range, message, slide, sheet and
cells, chapter, else paragraph), painted beside the block, in the highlight colour beside the
cited one; and where furniture starts (a reference list, a table of contents, a legal notice, a
list footer, meeting procedure), a tag saying what it is, since that text is dimmed and left out
of the digest. A tooltip gives the whole locator and what the tag means."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QToolTip, QWidget

from desktop.core.document import Block, format_timestamp

if TYPE_CHECKING:
    from desktop.gui.source.source_text import SourceText

MARGIN_WIDTH = 80
#: A furniture kind (``Block.furniture``, ``core/structure/furniture.py``) as its margin tag says it.
FURNITURE_TAGS = {"references": "reference list", "contents": "contents", "index": "index", "legal": "legal notice",
                  "running head": "running head", "list footer": "list footer", "mail client": "mail program",
                  "procedure": "procedure"}


def margin_label(block: Block, previous: Block | None) -> str:
    """A short locator for the margin, one line per part ("Budget" over "A1:D5"); pages, messages,
    slides, sheets and chapters only where they change."""
    loc, prev = block.locator, previous.locator if previous is not None else None
    if loc.start is not None:  # a turn's start, and its end below where the turn has room for it
        end = f"\n–{format_timestamp(loc.end)}" if loc.end is not None and loc.end != loc.start else ""
        return format_timestamp(loc.start) + end
    if loc.page is not None:  # a page read by OCR says so, so a reader knows to expect recognition errors
        if prev is None or prev.page != loc.page or (block.ocr and not previous.ocr):  # type: ignore[union-attr]
            return f"p. {loc.page} · OCR" if block.ocr else f"p. {loc.page}"
        return ""
    if loc.message is not None:
        return f"message {loc.message}" if prev is None or prev.message != loc.message else ""
    if loc.slide is not None:
        return f"slide {loc.slide}" if prev is None or prev.slide != loc.slide else ""
    if loc.sheet is not None:
        new_sheet = prev is None or prev.sheet != loc.sheet
        return "\n".join(part for part in (f"sheet {loc.sheet}" if new_sheet else "", loc.cells or "") if part)
    if loc.chapter is not None:
        return f"chapter {loc.chapter}" if prev is None or prev.chapter != loc.chapter else ""
    if loc.paragraph is not None:
        return f"¶ {loc.paragraph}"
    return ""


def furniture_tag(block: Block, previous: Block | None) -> str:
    """What furniture starts at ``block`` ("reference list"), said once per run of one kind; "" elsewhere."""
    if not block.furniture or (previous is not None and previous.furniture == block.furniture):
        return ""
    return FURNITURE_TAGS.get(block.furniture, block.furniture)


def furniture_tip(tag: str) -> str:
    return (f"{tag[:1].upper()}{tag[1:]}: not what the document says but what it carries, so it is shown dimmed "
            "and left out of the digest.")


class LocatorMargin(QWidget):
    """Sits over the text view's left viewport margin and paints the visible blocks' labels and tags."""

    def __init__(self, view: SourceText) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self) -> QSize:
        return QSize(MARGIN_WIDTH, 0)

    def _font(self, tag: bool = False) -> QFont:
        font = QFont(self._view.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * (0.8 if tag else 0.85)))
        font.setItalic(tag)
        return font

    def paintEvent(self, event: QPaintEvent) -> None:
        view = self._view
        painter = QPainter(self)
        pal = view.palette()
        painter.fillRect(event.rect(), pal.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(pal.color(QPalette.ColorRole.Mid))
        painter.drawLine(MARGIN_WIDTH - 1, event.rect().top(), MARGIN_WIDTH - 1, event.rect().bottom())
        if view.margin_labels():
            self._paint_labels(painter)
        painter.end()

    def _visible(self) -> list[tuple[int, int, int]]:
        """(block number, top, the next labelled block's top) for the blocks in view that say something."""
        view = self._view
        labels, tags = view.margin_labels(), view.margin_tags()
        layout = view.document().documentLayout()
        offset = view.verticalScrollBar().value()
        height = view.viewport().height()
        block = view.document().findBlockByNumber(max(0, view.first_visible_block()))
        rows: list[tuple[int, int]] = []
        while block.isValid():
            number = block.blockNumber()
            top = int(layout.blockBoundingRect(block).top() - offset + block.blockFormat().topMargin())
            if top > height:
                rows.append((number, top))  # the first one below: where the last visible one must stop
                break
            if (number < len(labels) and labels[number]) or (number < len(tags) and tags[number]):
                rows.append((number, top))
            block = block.next()
        bottoms = [top for _n, top in rows[1:]] + [height + 10_000]
        return [(n, top, bottom) for (n, top), bottom in zip(rows, bottoms, strict=True) if top <= height]

    def _paint_labels(self, painter: QPainter) -> None:
        view = self._view
        pal = view.palette()
        marked = set(view.marked_blocks)
        faint, strong = pal.color(QPalette.ColorRole.PlaceholderText), pal.color(QPalette.ColorRole.Highlight)
        width = MARGIN_WIDTH - 10
        for number, top, bottom in self._visible():
            y = top
            for line, tag in self._lines(number, bottom - top):
                painter.setFont(self._font(tag))
                metrics = painter.fontMetrics()
                painter.setPen(strong if number in marked and not tag else faint)
                text = metrics.elidedText(line, Qt.TextElideMode.ElideRight, width - 2)
                painter.drawText(QRect(4, y, width, metrics.height()), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                                 text)
                y += metrics.height()

    def _lines(self, number: int, room: int) -> list[tuple[str, bool]]:
        """What to say beside block ``number`` in ``room`` pixels (the next label below starts there):
        the label's lines, then the furniture tag, as many as fit and at least one. Where not all
        fit, the tag goes before the locator: beside dimmed text, what it is matters more than
        where (the tooltip still says where)."""
        labels, tags = self._view.margin_labels(), self._view.margin_tags()
        lines = [(line, False) for line in (labels[number] if number < len(labels) else "").split("\n") if line]
        tag = tags[number] if number < len(tags) else ""
        if tag:
            lines.append((tag, True))
        fits = max(1, int(room // QFontMetrics(self._font()).height()))
        if len(lines) > fits and tag:
            lines = lines[:fits - 1] + [(tag, True)]
        return lines[:fits]

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def tip_at(self, pos: QPoint) -> str:
        """The whole locator of the block beside ``pos`` ("sheet Budget, A1:D5"), and what it is if furniture."""
        view = self._view
        document = view.current_document
        number = view.cursorForPosition(QPoint(0, pos.y())).blockNumber()
        if document is None or not 0 <= number < len(view.margin_labels()):
            return ""
        block = document.blocks[number]
        tag = FURNITURE_TAGS.get(block.furniture, block.furniture) if block.furniture else ""
        where = block.locator.without_sentences().label()
        return "\n".join(p for p in (where if where != "document" else "", furniture_tip(tag) if tag else "") if p)

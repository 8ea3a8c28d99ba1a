"""The text of one document, one paragraph per block, with each block's locator (page,
timestamp, message, paragraph) painted in a left margin; it scrolls to and highlights the
passage a citation points at.

A long document is laid out a slice of blocks per turn of the event loop (``SLICE``), so showing
a 600-page PDF does not freeze the window; anything that needs the whole text (a citation, a
search) first lays out the rest at once.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QTextBrowser, QTextEdit, QWidget

from desktop.core.document import Block, Document, Locator, Role, format_timestamp

MARGIN_WIDTH = 80
#: Blocks laid out per turn of the event loop: about 20 ms on a slow CPU (a 65-page PDF's 516
#: blocks took 61 ms in one go).
SLICE = 150
PLACEHOLDER = "Click a citation to read its source here."


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


def matches(block: Locator, wanted: Locator) -> bool:
    """Whether a block lies at the place a citation names (every field the citation sets agrees;
    a time range contains the block's start)."""
    if wanted.page is not None and block.page != wanted.page:
        return False
    if wanted.message is not None and block.message != wanted.message:
        return False
    if wanted.start is not None:
        if block.start is None:
            return False
        end = wanted.end if wanted.end is not None else wanted.start
        if not (wanted.start - 0.01 <= block.start <= end + 0.01):
            return False
    elif wanted.paragraph is not None and block.paragraph != wanted.paragraph:
        return False
    return any(v is not None for v in (wanted.page, wanted.message, wanted.start, wanted.paragraph))


class _Margin(QWidget):
    def __init__(self, view: SourceText) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self) -> QSize:
        return QSize(MARGIN_WIDTH, 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._view.paint_margin(self, event)


class SourceText(QTextBrowser):
    """Read-only text of a Document; ``locate()`` scrolls to a citation and highlights it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourceText")
        self.setOpenLinks(False)
        self.setUndoRedoEnabled(False)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self._margin = _Margin(self)
        self._show_margin(False)
        self.verticalScrollBar().valueChanged.connect(self._margin.update)
        self.document().setDocumentMargin(10)
        self._document: Document | None = None
        self._labels: list[str] = []
        self._highlighted: list[int] = []
        self._search: str = ""
        #: blocks of ``_document`` laid out so far, and which document the scheduled slices are for
        self._laid_out = 0
        self._generation = 0
        self.setPlaceholderText(PLACEHOLDER)

    # ------------------------------------------------------------------ content
    @property
    def current_document(self) -> Document | None:
        return self._document

    def set_document(self, document: Document | None) -> None:
        self._document = document
        self._generation += 1
        self._laid_out = 0
        self._highlighted = []
        self._search = ""
        self.setExtraSelections([])
        self.clear()
        self._labels = []
        self._show_margin(document is not None)
        if document is None:
            return
        self.document().setUndoRedoEnabled(False)
        self._lay_out(SLICE)
        self.moveCursor(QTextCursor.MoveOperation.Start)
        self._schedule()

    @property
    def complete(self) -> bool:
        return self._document is None or self._laid_out >= len(self._document.blocks)

    def finish_layout(self) -> None:
        """Lay out whatever is still waiting, now (a citation or search needs every block)."""
        if not self.complete:
            self._lay_out(len(self._document.blocks))  # type: ignore[union-attr]

    def _schedule(self) -> None:
        if not self.complete:
            QTimer.singleShot(0, self, lambda g=self._generation: self._next_slice(g))

    def _next_slice(self, generation: int) -> None:
        if generation == self._generation and not self.complete:
            self._lay_out(self._laid_out + SLICE)
            self._schedule()

    def _lay_out(self, upto: int) -> None:
        document = self._document
        assert document is not None
        blocks = document.blocks[self._laid_out:upto]
        if not blocks:
            return
        bar = self.verticalScrollBar().value()
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        base = self.font()
        previous: Block | None = document.blocks[self._laid_out - 1] if self._laid_out else None
        for i, block in enumerate(blocks, start=self._laid_out):
            fmt = QTextBlockFormat()
            fmt.setBottomMargin(8)
            if block.role == Role.HEADING:
                fmt.setTopMargin(6)
            if i == 0:
                cursor.setBlockFormat(fmt)
            else:
                cursor.insertBlock(fmt)
            self._insert_block(cursor, block, base)
            self._labels.append(margin_label(block, previous))
            previous = block
        cursor.endEditBlock()
        self._laid_out += len(blocks)
        self.verticalScrollBar().setValue(bar)  # appending must not move what the reader sees
        self._margin.update()

    def _show_margin(self, on: bool) -> None:
        self.setViewportMargins(MARGIN_WIDTH if on else 0, 0, 0, 0)
        self._margin.setVisible(on)

    def _insert_block(self, cursor: QTextCursor, block: Block, base: QFont) -> None:
        plain = QTextCharFormat()
        text = block.text.replace("\r\n", "\n").replace("\n", "\u2028")  # one QTextBlock per Block
        if block.role == Role.UTTERANCE and block.locator.speaker:
            bold = QTextCharFormat()
            bold.setFontWeight(QFont.Weight.DemiBold)
            cursor.insertText(f"{block.locator.speaker}: ", bold)
        if block.role == Role.HEADING:
            fmt = QTextCharFormat()
            fmt.setFontWeight(QFont.Weight.Bold)
            fmt.setFontPointSize(base.pointSizeF() * (1.25 if (block.level or 1) <= 1 else 1.1))
            cursor.insertText(text, fmt)
        elif block.role in (Role.HEADER, Role.FOOTER, Role.SIGNATURE, Role.QUOTE):
            fmt = QTextCharFormat()
            fmt.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
            if block.role == Role.QUOTE:
                fmt.setFontItalic(True)
            cursor.insertText(text, fmt)
        else:
            cursor.insertText(text, plain)

    def block_count(self) -> int:
        self.finish_layout()
        return len(self._labels)

    def block_text(self, index: int) -> str:
        self.finish_layout()
        return self.document().findBlockByNumber(index).text()

    # ------------------------------------------------------------------ citations
    def locate(self, locator: Locator, excerpt: str = "") -> int:
        """Scroll to the block a citation names and highlight it; returns its index, or -1."""
        if self._document is None:
            return -1
        self.finish_layout()
        blocks = self._document.blocks
        candidates = [i for i, b in enumerate(blocks) if matches(b.locator, locator)]
        needle = " ".join(excerpt.split())[:80]
        target = -1
        if needle:
            pool = candidates or range(len(blocks))
            target = next((i for i in pool if needle in " ".join(blocks[i].text.split())), -1)
            if target < 0 and candidates and locator.message is not None:
                # A mail store read again may hold other mail than its digest's job saw (new mail in
                # the period, messages read since): the passage, not its number, finds the message.
                target = next((i for i in range(len(blocks)) if needle in " ".join(blocks[i].text.split())), -1)
        if target < 0 and candidates:
            target = candidates[0]
        if target < 0:
            return -1
        # A time range names a stretch of the meeting: highlight all of it, else just the passage.
        highlight = candidates if locator.start is not None and len(candidates) > 1 else [target]
        self.highlight_blocks(highlight)
        self._scroll_to_block(target)
        return target

    def highlight_blocks(self, indexes: list[int]) -> None:
        self.finish_layout()
        colour = self.palette().color(QPalette.ColorRole.Highlight)
        colour.setAlpha(48)
        doc = self.document()
        for index, on in [(i, False) for i in self._highlighted] + [(i, True) for i in indexes]:
            block = doc.findBlockByNumber(index)
            if not block.isValid():
                continue
            cursor = QTextCursor(block)
            fmt = block.blockFormat()
            if on:
                fmt.setBackground(colour)
            else:
                fmt.clearBackground()
            cursor.setBlockFormat(fmt)
        self._highlighted = list(indexes)
        self._margin.update()

    @property
    def marked_blocks(self) -> list[int]:
        return list(self._highlighted)

    def _scroll_to_block(self, index: int) -> None:
        block = self.document().findBlockByNumber(index)
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        rect = self.document().documentLayout().blockBoundingRect(block)
        # Put the passage a third of the way down rather than at the very edge.
        bar = self.verticalScrollBar()
        bar.setValue(max(0, int(rect.top() - self.viewport().height() / 3)))

    def first_visible_block(self) -> int:
        return self.cursorForPosition(self.viewport().rect().topLeft()).blockNumber()

    # ------------------------------------------------------------------ search
    def search(self, text: str, *, backward: bool = False, incremental: bool = False) -> bool:
        """Find the next (or previous) occurrence, wrapping around; all matches stay marked.

        ``incremental`` (the text is being typed): the current match may simply grow, so search
        from where it starts rather than after it."""
        self.finish_layout()
        if text != self._search:
            self.mark_all(text)
        if not text:
            return False
        if incremental:
            cursor = self.textCursor()
            cursor.setPosition(cursor.selectionStart())
            self.setTextCursor(cursor)
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        if self.find(text, flags):
            return True
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start)
        self.setTextCursor(cursor)
        return self.find(text, flags)

    def match_count(self) -> int:
        return len(self.extraSelections())

    def match_index(self) -> int:
        """1-based position of the current match among all matches (0 when none is selected)."""
        pos = self.textCursor().selectionStart()
        for n, sel in enumerate(self.extraSelections(), start=1):
            if sel.cursor.selectionStart() == pos:
                return n
        return 0

    def mark_all(self, text: str) -> None:
        """Mark every occurrence of ``text`` (case-insensitive) without moving."""
        self.finish_layout()
        self._search = text
        selections: list[QTextEdit.ExtraSelection] = []
        if text:
            colour = QColor("#ffd33d")
            colour.setAlpha(140)
            cursor = QTextCursor(self.document())
            while True:
                cursor = self.document().find(text, cursor)
                if cursor.isNull():
                    break
                sel = QTextEdit.ExtraSelection()
                sel.cursor = cursor
                sel.format.setBackground(colour)
                selections.append(sel)
                if len(selections) >= 5000:
                    break
        self.setExtraSelections(selections)

    # ------------------------------------------------------------------ margin
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._margin.setGeometry(QRect(cr.left(), cr.top(), MARGIN_WIDTH, cr.height()))

    def paint_margin(self, margin: QWidget, event: QPaintEvent) -> None:
        painter = QPainter(margin)
        pal = self.palette()
        painter.fillRect(event.rect(), pal.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(pal.color(QPalette.ColorRole.Mid))
        painter.drawLine(MARGIN_WIDTH - 1, event.rect().top(), MARGIN_WIDTH - 1, event.rect().bottom())
        if not self._labels:
            return
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        layout = self.document().documentLayout()
        offset = self.verticalScrollBar().value()
        height = self.viewport().height()
        block = self.document().findBlockByNumber(max(0, self.first_visible_block()))
        faint, strong = pal.color(QPalette.ColorRole.PlaceholderText), pal.color(QPalette.ColorRole.Highlight)
        while block.isValid():
            number = block.blockNumber()
            top = layout.blockBoundingRect(block).top() - offset + block.blockFormat().topMargin()
            if top > height:
                break
            label = self._labels[number] if number < len(self._labels) else ""
            if label:
                painter.setPen(strong if number in self._highlighted else faint)
                text = metrics.elidedText(label, Qt.TextElideMode.ElideRight, MARGIN_WIDTH - 14)
                painter.drawText(QRect(6, int(top), MARGIN_WIDTH - 12, metrics.height()),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, text)
            block = block.next()
        painter.end()


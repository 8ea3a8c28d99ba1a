"""The text of one document, one paragraph per block, with each block's locator (page,
timestamp, message, slide, sheet and cells, chapter, paragraph) painted in a left margin, and
furniture (reference lists, contents, legal notices, list footers, meeting procedure) dimmed with
a tag in the margin saying what it is; it scrolls to and highlights the
passage a citation points at: the block, within it the supporting sentence(s) of a checked point,
and the source's own words for a fact a flagged point got wrong (``cited_words``).

A long document is laid out a slice of blocks per turn of the event loop (``SLICE``), so showing
a 600-page PDF does not freeze the window; anything that needs the whole text (a citation, a
search) first lays out the rest at once.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QTextBrowser, QTextEdit, QWidget

from desktop.core.document import Block, Document, Locator, Role
from desktop.gui.common.theme import support_colours
from desktop.gui.source.cited_words import supporting_span, word_spans
from desktop.gui.source.source_margin import MARGIN_WIDTH, LocatorMargin, furniture_tag, margin_label

#: Furniture is shown a little smaller than the text, in the palette's secondary colour.
FURNITURE_SIZE = 0.92
#: Blocks laid out per turn of the event loop: about 20 ms on a slow CPU (a 65-page PDF's 516
#: blocks took 61 ms in one go).
SLICE = 150
PLACEHOLDER = "Click a citation to read its source here."


def shown_text(block: Block) -> tuple[str, str]:
    """The block as the view shows it: the speaker's name before a turn, and its text (one
    paragraph: line breaks become line separators later, one character for one)."""
    prefix = f"{block.locator.speaker}: " if block.role == Role.UTTERANCE and block.locator.speaker else ""
    return prefix, block.text.replace("\r\n", "\n")


class SourceText(QTextBrowser):
    """Read-only text of a Document; ``locate()`` scrolls to a citation and highlights it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourceText")
        self.setOpenLinks(False)
        self.setUndoRedoEnabled(False)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self._margin = LocatorMargin(self)
        self._show_margin(False)
        self.verticalScrollBar().valueChanged.connect(self._margin.update)
        self.document().setDocumentMargin(10)
        self._document: Document | None = None
        self._labels: list[str] = []
        #: the furniture tag beside each laid-out block ("reference list" where one starts, else "")
        self._tags: list[str] = []
        self._highlighted: list[int] = []
        self._search: str = ""
        #: the search's matches and a citation's marked words (supporting sentences, mismatched facts)
        self._matches: list[QTextEdit.ExtraSelection] = []
        self._cited: list[QTextEdit.ExtraSelection] = []
        self._cited_texts: tuple[str, list[str]] = ("", [])
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
        self._matches, self._cited, self._cited_texts = [], [], ("", [])
        self.setExtraSelections([])
        self.clear()
        self._labels, self._tags = [], []
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
            self._tags.append(furniture_tag(block, previous))
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
        prefix, text = shown_text(block)
        text = text.replace("\n", "\u2028")  # one QTextBlock per Block
        if prefix:
            bold = QTextCharFormat()
            bold.setFontWeight(QFont.Weight.DemiBold)
            if block.furniture:
                bold.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
                bold.setFontPointSize(self.font().pointSizeF() * FURNITURE_SIZE)
            cursor.insertText(prefix, bold)
        if block.furniture:  # visible, but plainly secondary: what the digest leaves out
            fmt = QTextCharFormat()
            fmt.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
            fmt.setFontPointSize(base.pointSizeF() * FURNITURE_SIZE)
            if block.role == Role.HEADING:
                fmt.setFontWeight(QFont.Weight.DemiBold)
            cursor.insertText(text, fmt)
        elif block.role == Role.HEADING:
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
    def locate(self, locator: Locator, excerpt: str = "", quote: str = "", mismatched: tuple[str, ...] = ()) -> int:
        """Scroll to the block a citation names and highlight it, and in it the supporting
        sentence(s) (``locator.sentence``, ``quote``) and the ``mismatched`` words of a flagged
        point; returns the block's index, or -1."""
        if self._document is None:
            return -1
        self.finish_layout()
        blocks = self._document.blocks
        candidates = [i for i, b in enumerate(blocks) if locator.locates(b.locator)]
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
        # A time range names a stretch of the meeting: highlight all of it, else just the passage
        # (a checked point's citation names one turn and its sentences).
        stretch = locator.start is not None and len(candidates) > 1 and locator.sentence is None
        self.highlight_blocks(candidates if stretch else [target])
        at = self._mark_words(target, locator, quote, mismatched)
        self._scroll_to_block(target, at)
        return target

    def _mark_words(self, index: int, locator: Locator, quote: str, mismatched: tuple[str, ...]) -> int:
        """Mark the supporting sentence(s) and mismatched words in block ``index``; returns the
        document position to show (the sentence's start, or -1 for the block's)."""
        assert self._document is not None
        prefix, text = shown_text(self._document.blocks[index])
        span = supporting_span(text, locator, quote)
        wrong = word_spans(text, list(mismatched), span) if mismatched else []
        start = self.document().findBlockByNumber(index).position() + len(prefix)
        _checked, flagged, mismatch = support_colours(self.palette())
        sentence = self.palette().color(QPalette.ColorRole.Highlight)
        sentence.setAlpha(70)
        self._cited = [self._selection(start + span[0], start + span[1], sentence)] if span is not None else []
        self._cited += [self._selection(start + a, start + b, mismatch, underline=flagged) for a, b in wrong]
        self._cited_texts = (text[span[0]:span[1]] if span is not None else "", [text[a:b] for a, b in wrong])
        self._apply_selections()
        return start + span[0] if span is not None else -1

    def _selection(self, begin: int, end: int, colour: QColor, *, underline: QColor | None = None) -> QTextEdit.ExtraSelection:
        sel = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(begin)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        sel.cursor = cursor
        sel.format.setBackground(colour)
        if underline is not None:
            sel.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            sel.format.setUnderlineColor(underline)
        return sel

    def cited_words(self) -> tuple[str, list[str]]:
        """What the last citation marked: the supporting sentence(s), and the mismatched words."""
        return self._cited_texts[0], list(self._cited_texts[1])

    def _apply_selections(self) -> None:
        self.setExtraSelections(self._cited + self._matches)

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
        self._cited, self._cited_texts = [], ("", [])
        self._apply_selections()
        self._margin.update()

    @property
    def marked_blocks(self) -> list[int]:
        return list(self._highlighted)

    def _scroll_to_block(self, index: int, position: int = -1) -> None:
        block = self.document().findBlockByNumber(index)
        cursor = QTextCursor(block)
        if position >= 0:
            cursor.setPosition(position)
        self.setTextCursor(cursor)
        top = self.document().documentLayout().blockBoundingRect(block).top()
        if position >= 0:  # the sentence's own line (a page-long block would hide it below the edge)
            top += self.cursorRect(cursor).top() - self.cursorRect(QTextCursor(block)).top()
        # Put the passage a third of the way down rather than at the very edge.
        bar = self.verticalScrollBar()
        bar.setValue(max(0, int(top - self.viewport().height() / 3)))

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
        return len(self._matches)

    def match_index(self) -> int:
        """1-based position of the current match among all matches (0 when none is selected)."""
        pos = self.textCursor().selectionStart()
        for n, sel in enumerate(self._matches, start=1):
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
        self._matches = selections
        self._apply_selections()

    # ------------------------------------------------------------------ margin
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._margin.setGeometry(QRect(cr.left(), cr.top(), MARGIN_WIDTH, cr.height()))

    def margin_labels(self) -> list[str]:
        """Each laid-out block's label in the margin ("" where it says nothing new)."""
        return self._labels

    def margin_tags(self) -> list[str]:
        """Each laid-out block's furniture tag in the margin ("" where none starts)."""
        return self._tags

"""How the source view shares its room between a scanned page's recognized text and its picture:
side by side when the pane is wide enough for a readable line of text and a useful picture, the
picture below the text when it is not, so the text never shrinks to a word or two per line.

What the user drags is kept per arrangement (the text's share of the room) and saved with the
window's layout (``gui/window/window_state.py``).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QSplitter, QStyle, QWidget

from desktop.gui.source.source_text import MARGIN_WIDTH, SourceText

#: The shortest line kept beside the picture, in average characters of the text's font: 45 to 75
#: is the usual measure of a readable line, and 50 leaves room for a picture beside it sooner.
READABLE_CHARS = 50
#: The narrowest picture worth putting beside the text (a page's layout is still seen; a click
#: shows it at full size): about 240 pixels with the default font.
PICTURE_CHARS = 40
#: The text's share of the height when the picture is below it, until the user drags the split.
BELOW_TEXT_SHARE = 0.55
#: The saved names of the two arrangements.
BESIDE, BELOW = "beside", "below"


class PageSplit(QSplitter):
    """The source view's body: the text first, the page picture second (hidden for documents
    without recognized pages); ``arrange()`` lays them out for the room there is."""

    def __init__(self, text: SourceText, picture: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("sourceBody")
        self.setChildrenCollapsible(False)  # a drag can narrow the text, never make it vanish
        self.addWidget(text)
        self.addWidget(picture)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 1)
        self._text, self._picture = text, picture
        #: the text's share of the room the user dragged to, per arrangement (absent: the default)
        self.shares: dict[str, float] = {}
        self._arranging = False
        self.splitterMoved.connect(self._on_moved)

    # ------------------------------------------------------------------ measures
    def _char_width(self) -> float:
        return QFontMetricsF(self._text.font()).averageCharWidth()

    def readable_width(self) -> int:
        """The text pane's width for a line of ``READABLE_CHARS``: the characters, the document's
        margins, the locator margin, the scroll bar and the frame."""
        text = self._text
        bar = text.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, text)
        return math.ceil(READABLE_CHARS * self._char_width() + 2 * text.document().documentMargin()
                         + MARGIN_WIDTH + bar + 2 * text.frameWidth())

    def picture_width(self) -> int:
        return max(self._picture.minimumWidth(), math.ceil(PICTURE_CHARS * self._char_width()))

    def fits_beside(self, width: int) -> bool:
        """Whether ``width`` holds a readable text and a useful picture side by side."""
        return width >= self.readable_width() + self.picture_width() + self.handleWidth()

    @property
    def arrangement(self) -> str:
        return BESIDE if self.orientation() == Qt.Orientation.Horizontal else BELOW

    # ------------------------------------------------------------------ layout
    def arrange(self) -> None:
        """Choose beside or below for the width there is and give each pane its share, now (a
        citation scrolls the text right after the picture comes in; a reflow on a later turn
        would move the passage out of sight)."""
        if self._arranging or self.width() <= 0:
            return
        if self._picture.isHidden():
            self._text.setMinimumWidth(0)  # the text alone takes the room
            return
        self._arranging = True
        try:
            beside = self.fits_beside(self.width())
            readable = self.readable_width()
            self._text.setMinimumWidth(readable if beside else 0)  # a drag stops at a readable line
            self.setOrientation(Qt.Orientation.Horizontal if beside else Qt.Orientation.Vertical)
            total = (self.width() if beside else self.height()) - self.handleWidth()
            if total <= 0:
                return
            share = self.shares.get(self.arrangement)
            if share is not None:
                first = round(total * share)
            elif beside:  # half each, or the readable line and the rest for the picture
                first = max(total - total // 2, readable)
            else:
                first = round(total * BELOW_TEXT_SHARE)
            if beside:
                first = max(readable, min(first, total - self._picture.minimumWidth()))
            self.setSizes([first, total - first])
            self.refresh()
        finally:
            self._arranging = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrange()  # keep the arrangement and the user's share as the pane grows or shrinks

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.arrange()  # the picture may have come in while the pane was hidden, at the same size

    def _on_moved(self, _pos: int, _index: int) -> None:
        """The user dragged the split: keep the text's share for this arrangement."""
        sizes = self.sizes()
        if self._picture.isHidden() or len(sizes) != 2 or sum(sizes) <= 0:
            return
        self.shares[self.arrangement] = sizes[0] / sum(sizes)

    # ------------------------------------------------------------------ saved with the window
    def saved_shares(self) -> dict[str, float]:
        return dict(self.shares)

    def restore_shares(self, values: dict[str, object]) -> None:
        """Take back saved shares; a value that is not a share (a hand-edited file) is ignored."""
        for name in (BESIDE, BELOW):
            try:
                share = float(values.get(name))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                continue
            if 0.05 <= share <= 0.95:
                self.shares[name] = share
        self.arrange()

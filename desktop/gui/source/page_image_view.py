"""The page image beside recognized text: the scanned page a citation (or the scrolled-to text)
lies on, so the reader can check what OCR made of it.

Only documents with recognized pages (a scanned PDF, an image file) get the pane; born-digital
pages of a mixed PDF show a line saying so instead of a picture. Pages are rendered on a pool
thread, one at a time (the newest wish wins), and kept per page in a small cache.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.document import DocKind, Document
from desktop.core.errors import DocumentError
from desktop.core.limits import DEFAULT_LIMITS, Limits
from desktop.gui.source.page_render import PageKey, page_key, render_page
from desktop.gui.source.page_split import PageSplit

log = logging.getLogger(__name__)

#: Rendered pages kept (about 2 MB each at 150 dpi in grayscale).
CACHE_PAGES = 12
#: Wait this long after the text stops scrolling before following it to another page.
FOLLOW_MS = 150


class _RenderTask(QRunnable):
    """Render one page on a pool thread and hand the result back through a queued signal."""

    def __init__(self, key: PageKey, kind: DocKind, limits: Limits, done: Any) -> None:
        super().__init__()
        self._key, self._kind, self._limits, self._done = key, kind, limits, done

    def run(self) -> None:
        image: QImage | None = None
        error = ""
        try:
            image = render_page(Path(self._key.path), self._kind, self._key.page, self._limits)
        except DocumentError as exc:
            error = exc.message
        except Exception:  # a bug must not kill the pool thread silently: log it, say it in one line
            log.exception("could not render page %s of %s", self._key.page, self._key.path)
            error = f"Page {self._key.page} could not be shown."
        try:
            self._done(self._key, image, error)
        except RuntimeError:  # the view was closed while the page rendered
            pass


class PageImageView(QWidget):
    """A scroll area showing one page, fitted to the pane's width; ``toggle_button`` (placed by
    the source view) folds it away and stays visible only for documents with recognized pages."""

    #: a page's picture is on show (its 1-based number)
    page_shown = Signal(int)
    _rendered = Signal(object, object, str)

    def __init__(self, parent: QWidget | None = None, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(parent)
        self.setObjectName("pageImageView")
        self._limits = limits
        self._document: Document | None = None
        self._wanted: PageKey | None = None
        self._in_flight: PageKey | None = None
        self._queued: PageKey | None = None
        self._cache: OrderedDict[PageKey, QImage] = OrderedDict()
        self._image: QImage | None = None
        self._page: int | None = None
        self._text: QTextEdit | None = None
        #: page at full resolution (one image pixel per screen pixel) instead of fitted to the width
        self.actual_size = False

        self.toggle_button = QToolButton()
        self.toggle_button.setObjectName("pageImageToggle")
        self.toggle_button.setText("Page image")
        self.toggle_button.setToolTip("Show the scanned page with its recognized text")
        self.toggle_button.setCheckable(True)
        self.toggle_button.setChecked(True)
        self.toggle_button.setVisible(False)
        self.toggle_button.toggled.connect(self._on_toggled)

        self.caption = QLabel("")
        self.caption.setObjectName("pageImageCaption")
        self.picture = QLabel()
        self.picture.setObjectName("pageImage")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.picture.setWordWrap(True)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.picture)
        self.picture.installEventFilter(self)  # a click on the page switches fit-to-width / full size
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addWidget(self.scroll, 1)
        self.setMinimumWidth(120)
        self.setVisible(False)

        self._follow = QTimer(self)
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_MS)
        self._follow.timeout.connect(self.follow_text)
        self._first_page = QTimer(self)
        self._first_page.setSingleShot(True)
        self._first_page.setInterval(0)
        self._first_page.timeout.connect(self._show_first_page)
        self._fit = QTimer(self)
        self._fit.setSingleShot(True)
        self._fit.setInterval(30)
        self._fit.timeout.connect(self._fit_picture)
        self._rendered.connect(self._on_rendered)

    # ------------------------------------------------------------------ state for callers and tests
    @property
    def available(self) -> bool:
        """Whether the document on show has recognized pages to picture."""
        doc = self._document
        return doc is not None and doc.kind in (DocKind.PDF, DocKind.IMAGE) and any(b.ocr for b in doc.blocks)

    @property
    def page(self) -> int | None:
        """The page whose picture is on show (None when the pane shows a note instead)."""
        return self._page

    @property
    def image(self) -> QImage | None:
        """The rendered page at its full resolution."""
        return self._image

    @property
    def rendering(self) -> bool:
        return self._in_flight is not None

    # ------------------------------------------------------------------ what to show
    def watch(self, text: QTextEdit) -> None:
        """Follow ``text``'s scrolling: the page of the passage a third of the way down is shown."""
        self._text = text
        text.verticalScrollBar().valueChanged.connect(self._follow.start)

    def set_document(self, document: Document | None) -> None:
        self._document = document
        self._follow.stop()
        self._first_page.stop()
        self._wanted = None
        self._show_note("")
        on = self.available
        self.toggle_button.setVisible(on)
        self._set_shown(on and self.toggle_button.isChecked())
        if on:  # the first recognized page, unless a citation in this same turn asks for another
            self._first_page.start()

    def _show_first_page(self) -> None:
        doc = self._document
        if self.available and doc is not None and self._wanted is None:
            first = next(b for b in doc.blocks if b.ocr)
            self.show_page(first.locator.page or 1)

    def show_block(self, index: int) -> None:
        """Picture the page block ``index`` of the document lies on (a citation's target)."""
        self._follow.stop()
        self._first_page.stop()
        doc = self._document
        if not self.available or doc is None or not 0 <= index < len(doc.blocks):
            return
        block = doc.blocks[index]
        page = block.locator.page
        if page is None:
            return
        if not block.ocr:
            self._show_note(f"Page {page} has its own text layer; page images are shown for recognized "
                            "(scanned) pages only.")
            return
        self.show_page(page)

    def follow_text(self) -> None:
        """Picture the page the reader has scrolled to."""
        if self._text is None or not self.available or not self.isVisible():
            return
        viewport, bar = self._text.viewport(), self._text.verticalScrollBar()
        # The passage a third of the way down, where a citation puts its target; at the very end
        # the last lines (a short last page cannot scroll up to a third).
        y = viewport.height() - 4 if bar.maximum() > 0 and bar.value() >= bar.maximum() else viewport.height() // 3
        index = self._text.cursorForPosition(QPoint(4, y)).blockNumber()
        self.show_block(index)

    def show_page(self, page: int) -> None:
        doc = self._document
        if doc is None:
            return
        if doc.part is not None:  # the attachment's bytes live inside its parent file
            self._show_note(f"Page {page} is inside an attachment; open {doc.part.rsplit('/', 1)[-1]} "
                            "itself to see its page images.")
            return
        key = page_key(doc.path, page)
        if key is None:
            self._show_note(f"{doc.path.name} could not be opened again to show page {page}; it may have moved.")
            return
        if key == self._wanted and (self._page == page or self._in_flight == key):
            return
        self._wanted = key
        if key in self._cache:
            self._cache.move_to_end(key)
            self._display(key, self._cache[key])
            return
        self.caption.setText(f"p. {page} · rendering…")
        self._request(key)

    # ------------------------------------------------------------------ rendering
    def _request(self, key: PageKey) -> None:
        if self._in_flight is not None:
            self._queued = key  # one render at a time; only the newest wish waits
            return
        doc = self._document
        assert doc is not None
        self._in_flight = key
        QThreadPool.globalInstance().start(_RenderTask(key, doc.kind, self._limits, self._rendered.emit))

    def _on_rendered(self, key: PageKey, image: QImage | None, error: str) -> None:
        self._in_flight = None
        if image is not None:
            self._cache[key] = image
            while len(self._cache) > CACHE_PAGES:
                self._cache.popitem(last=False)
        if key == self._wanted:
            if image is not None:
                self._display(key, image)
            else:
                self._show_note(error)
        queued, self._queued = self._queued, None
        if queued is not None and queued == self._wanted and queued not in self._cache:
            self._request(queued)

    def _display(self, key: PageKey, image: QImage) -> None:
        self._image = image
        self._page = key.page
        self.caption.setText(f"p. {key.page} · scanned page")
        self.caption.setToolTip(f"The page the text beside it was recognized from ({image.width()} × "
                                f"{image.height()} pixels)")
        self._fit_picture()
        self.page_shown.emit(key.page)

    def _show_note(self, text: str) -> None:
        self._image = None
        self._page = None
        self.caption.setText("")
        self.caption.setToolTip("")
        self.picture.setPixmap(QPixmap())
        self.picture.setMinimumSize(0, 0)
        self.picture.setToolTip("")
        self.picture.setText(text)

    def _fit_picture(self) -> None:
        """Scale the page to the pane's width (sharp on high-DPI screens), never above 1:1."""
        if self._image is None or self._image.isNull():
            return
        ratio = self.devicePixelRatioF()
        # The width left once the vertical scroll bar a tall page needs is in (deciding here, not
        # after the bar appears, so the fit does not flip between two widths).
        viewport, bar = self.scroll.viewport(), self.scroll.verticalScrollBar()
        full = viewport.width() + (bar.width() if bar.isVisible() else 0)
        if full * self._image.height() / max(1, self._image.width()) > viewport.height():
            full -= bar.width() if bar.isVisible() else self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        width = max(1, full - 2)
        target = self._image.width() if self.actual_size else min(self._image.width(), int(width * ratio))
        scaled = (self._image if target == self._image.width()
                  else self._image.scaledToWidth(target, Qt.TransformationMode.SmoothTransformation))
        pixmap = QPixmap.fromImage(scaled)
        pixmap.setDevicePixelRatio(ratio)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if self.actual_size
                                                 else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.picture.setText("")
        self.picture.setPixmap(pixmap)
        self.picture.setMinimumSize(int(scaled.width() / ratio) if self.actual_size else 0, int(scaled.height() / ratio))
        self.picture.setToolTip("Click to fit the page to the pane" if self.actual_size
                                else "Click to see the page at full size")

    def set_actual_size(self, on: bool) -> None:
        """Full resolution (to read small print) or fitted to the pane's width."""
        self.actual_size = on
        self._fit_picture()

    def _centre_on(self, fx: float, fy: float) -> None:
        """Scroll so the point of the page clicked (as shares of its width and height) is in the middle."""
        width, height = self.displayed_size()
        viewport = self.scroll.viewport()
        self.scroll.horizontalScrollBar().setValue(int(fx * width - viewport.width() / 2))
        self.scroll.verticalScrollBar().setValue(int(fy * height - viewport.height() / 2))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.picture and event.type() == QEvent.Type.MouseButtonRelease
                and isinstance(event, QMouseEvent) and event.button() == Qt.MouseButton.LeftButton
                and self._image is not None):
            width, height = self.displayed_size()
            x = event.position().x() - (self.picture.width() - width) / 2  # the page is centred
            anchor = (min(1.0, max(0.0, x / max(1, width))), min(1.0, max(0.0, event.position().y() / max(1, height))))
            self.set_actual_size(not self.actual_size)
            QTimer.singleShot(0, self, lambda: self._centre_on(*anchor))  # once the scroll area has the new size
            return True
        return super().eventFilter(watched, event)

    def displayed_size(self) -> tuple[int, int]:
        """Size of the picture on screen, in device-independent pixels ((0, 0) when none)."""
        pixmap = self.picture.pixmap()
        if pixmap is None or pixmap.isNull():
            return (0, 0)
        size = pixmap.deviceIndependentSize()
        return (int(size.width()), int(size.height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit.start()

    def _on_toggled(self, on: bool) -> None:
        self._set_shown(on and self.available)
        if on:
            self.follow_text()

    def _set_shown(self, on: bool) -> None:
        """Show or hide the pane and give the text its new room now, not on a later turn: a
        citation scrolls the text right after this, and a reflow afterwards would move the passage
        out of sight."""
        if on != self.isHidden():
            return
        self.setVisible(on)
        splitter = self.parentWidget()
        if isinstance(splitter, PageSplit) and splitter.isVisible():
            splitter.arrange()

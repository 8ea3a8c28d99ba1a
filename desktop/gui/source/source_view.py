"""The source view: pick a document of the digest, read its extracted text with locators in
the margin, search it, and land on the passage a citation points at: on the very sentence(s) a
checked point rests on, with the source's own words marked where a flagged point got a fact wrong.
A time citation of a recording (or of a caption file beside one) also plays the recording from
that moment, in the player strip under the text (``player_strip``)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.digest import Source
from desktop.core.document import Document
from desktop.core.ingest import OcrOptions, iter_documents
from desktop.core.ingest.audio.playback import playback_target
from desktop.core.ingest.ocr.options import DEFAULT_OCR
from desktop.core.mailstores.options import MailOptions
from desktop.core.settings import Settings
from desktop.core.support import Support
from desktop.gui.source.page_image_view import PageImageView
from desktop.gui.source.page_split import PageSplit
from desktop.gui.source.player_strip import PlayerStrip
from desktop.gui.source.source_text import PLACEHOLDER, SourceText

log = logging.getLogger(__name__)


class SourceView(QWidget):
    """Documents of the digest on show; ``show_source()`` opens the one a citation names."""

    #: the documents now on offer (after a load from disk finished)
    documents_changed = Signal(list)
    _loaded = Signal(int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourceView")
        self._documents: list[Document] = []
        self._generation = 0
        self._pending: tuple[Source, Support | None] | None = None
        self._loading = False
        #: how jobs recognize scans (the window sets the user's choice), so a file read again here
        #: reuses the pages its job recognized and cached
        self.ocr: OcrOptions = DEFAULT_OCR
        #: the user's settings (the window sets them), so a recording read again here uses the
        #: job's Whisper model and options and its transcript comes from the cache
        self.settings: Settings | None = None
        #: where the last time citation played (``player_strip.IN_APP``, ...; "" for none)
        self.played = ""

        self.picker = QComboBox()
        self.picker.setObjectName("sourcePicker")
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setMinimumContentsLength(12)
        self.picker.setPlaceholderText("No document")
        self.picker.currentIndexChanged.connect(self._on_pick)

        self.search_field = QLineEdit()
        self.search_field.setObjectName("sourceSearch")
        self.search_field.setPlaceholderText("Find in source")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.returnPressed.connect(self.find_next)
        self.search_field.textChanged.connect(self._on_search_text)
        self.prev_button = QToolButton()
        self.prev_button.setArrowType(Qt.ArrowType.UpArrow)
        self.prev_button.setToolTip("Previous match (Shift+Enter)")
        self.prev_button.clicked.connect(self.find_previous)
        self.next_button = QToolButton()
        self.next_button.setArrowType(Qt.ArrowType.DownArrow)
        self.next_button.setToolTip("Next match (Enter)")
        self.next_button.clicked.connect(self.find_next)
        self.match_label = QLabel("")
        self.match_label.setObjectName("matchLabel")
        self.match_label.setMinimumWidth(56)
        QShortcut(QKeySequence("Shift+Return"), self.search_field, self.find_previous)

        self.text = SourceText()
        # Scanned pages: their picture beside the recognized text (only for documents with any).
        self.page_image = PageImageView()
        self.page_image.watch(self.text)
        # Beside the text when there is room for both, below it when not (see ``page_split``).
        self.body = PageSplit(self.text, self.page_image)
        self.player = PlayerStrip()

        title = QLabel("Source")
        title.setObjectName("paneTitle")
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(title)
        head.addWidget(self.picker, 1)
        head.addWidget(self.page_image.toggle_button)
        search = QHBoxLayout()
        search.setContentsMargins(0, 0, 0, 0)
        search.setSpacing(4)
        search.addWidget(self.search_field, 1)
        search.addWidget(self.match_label)
        search.addWidget(self.prev_button)
        search.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addLayout(search)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.player)
        self._loaded.connect(self._on_loaded)

    # ------------------------------------------------------------------ documents
    @property
    def documents(self) -> list[Document]:
        return list(self._documents)

    @property
    def loading(self) -> bool:
        return self._loading

    def set_documents(self, documents: list[Document]) -> None:
        """Offer these documents (attachments listed after their parent) and show the first."""
        self._generation += 1
        self._loading = False
        flat = [d for top in documents for d in top.walk()]
        self._documents = flat
        self._keep_playing_if_shown(flat)
        self.picker.blockSignals(True)
        self.picker.clear()
        for doc in flat:
            self.picker.addItem(doc.display_name, doc.source_id)
            self.picker.setItemData(self.picker.count() - 1, str(doc.path), Qt.ItemDataRole.ToolTipRole)
        self.picker.blockSignals(False)
        self.picker.setCurrentIndex(0 if flat else -1)
        self._show(flat[0] if flat else None)
        self.documents_changed.emit(list(documents))
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.show_source(*pending)

    def set_documents_soon(self, documents: list[Document]) -> None:
        """``set_documents`` on the next turn of the event loop, so laying out a long source text
        does not add to the same turn's work (the digest's own layout) and freeze the window. A
        citation clicked meanwhile is kept and shown once the text is in."""
        self._generation += 1
        self._loading = True
        QTimer.singleShot(0, self, lambda g=self._generation, docs=list(documents): self._apply(g, docs))

    def _apply(self, generation: int, docs: list[Document]) -> None:
        if generation == self._generation:
            self.set_documents(docs)

    def load_paths(self, paths: list[str], *, mail: MailOptions | None = None) -> None:
        """Read the files in a background thread (a reopened digest), then offer them; ``mail``
        chooses the folders, dates and unread mail of its mail stores, as its job did."""
        self._generation += 1
        generation = self._generation
        self._loading = True
        self.text.set_document(None)
        self.picker.clear()
        self.text.setPlaceholderText("Reading the documents…")

        ocr, settings = self.ocr, self.settings

        def work() -> None:
            docs: list[Document] = []
            try:
                from desktop.ml.models.transcriber import settings_recording_options  # on this thread: reads the store

                more = {"recording": settings_recording_options(settings)} if settings is not None else {}
                for outcome in iter_documents([Path(p) for p in paths], ocr=ocr, mail=mail, **more):
                    if outcome.document is not None:
                        docs.append(outcome.document)
                    elif outcome.error is not None:
                        log.info("source view: %s", outcome.error.message)
            except Exception:
                log.exception("source view could not read %s", paths)
            self._loaded.emit(generation, docs)

        threading.Thread(target=work, name="source-loader", daemon=True).start()

    def _on_loaded(self, generation: int, docs: list[Document]) -> None:
        if generation != self._generation:
            return
        self.text.setPlaceholderText("The documents could not be read again; they may have moved." if not docs else PLACEHOLDER)
        self.set_documents(docs)

    def clear(self) -> None:
        self._pending = None
        self.set_documents([])

    def select_document(self, index: int) -> None:
        self.picker.setCurrentIndex(index)

    def _on_pick(self, index: int) -> None:
        if 0 <= index < len(self._documents) and self.text.current_document is not self._documents[index]:
            self._show(self._documents[index])

    def _show(self, document: Document | None) -> None:
        self.text.set_document(document)
        self.page_image.set_document(document)
        if self.search_field.text():
            self.text.mark_all(self.search_field.text())
        self._refresh_matches()

    # ------------------------------------------------------------------ citations
    def find_document(self, source: Source) -> int:
        for i, doc in enumerate(self._documents):
            if source.document and doc.display_name == source.document and str(doc.path) == source.path:
                return i
        for i, doc in enumerate(self._documents):
            if str(doc.path) == source.path and doc.part is None:
                return i
        for i, doc in enumerate(self._documents):
            if doc.display_name == source.document:
                return i
        return -1

    def show_source(self, source: Source, support: Support | None = None) -> bool:
        """Open the cited document at the cited place with the passage highlighted; ``support``,
        the citing point's verdict: a flagged point's mismatched facts are marked in the source. A
        time citation of a recording plays it from there, even before its transcript is on show
        (a preview's citation while the rest is transcribed)."""
        self.play_citation(source)
        if self._loading:
            self._pending = (source, support)
            return False
        index = self.find_document(source)
        if index < 0:
            return False
        self.picker.setCurrentIndex(index)
        self._on_pick(index)
        mismatched = tuple(p.source_words for p in support.problems if p.source_words) if support is not None else ()
        found = self.text.locate(source.locator, source.excerpt, source.quote, mismatched)
        self.page_image.show_block(found)
        return found >= 0

    def play_citation(self, source: Source) -> bool:
        """Play the recording behind a time citation from the cited moment; False when it has none."""
        target = playback_target(source.path, source.locator)
        if target is None:
            return False
        self.played = self.player.play(target)
        return True

    def _keep_playing_if_shown(self, documents: list[Document]) -> None:
        """Other documents on show: the player stops unless the recording is still among them
        (itself, or as the caption file beside it)."""
        target = self.player.target
        if target is None or not self.player.isVisible():
            return
        if not any(Path(d.path).parent == target.path.parent and Path(d.path).stem == target.path.stem for d in documents):
            self.player.stop()

    # ------------------------------------------------------------------ search
    def find_next(self) -> None:
        self.text.search(self.search_field.text())
        self._refresh_matches()

    def find_previous(self) -> None:
        self.text.search(self.search_field.text(), backward=True)
        self._refresh_matches()

    def _on_search_text(self, text: str) -> None:
        self.text.search(text, incremental=True)
        self._refresh_matches()

    def _refresh_matches(self) -> None:
        query = self.search_field.text()
        count = self.text.match_count()
        if not query:
            self.match_label.setText("")
        elif count == 0:
            self.match_label.setText("no match")
        else:
            self.match_label.setText(f"{self.text.match_index()} of {count}")

"""The digest view: the digest rendered from Markdown with citation links and each point's
verdict (checked ✓ or flagged ⚠ with the reason, ``checked_marks``), a long document's sections
clickable to their start (``section_links``), partial summaries streaming in while a job runs,
and an Edit mode whose result can be saved as a training pair."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.digest import Digest, Source
from desktop.core.document import Document
from desktop.core.export import markdown_to_text
from desktop.core.render import parse_cite_href, to_markdown
from desktop.core.support import Support
from desktop.gui.common.citation_style import anchor_hrefs
from desktop.core.durations import stage_text
from desktop.gui.common.elided_label import ElidedLabel
from desktop.gui.digest.checked_marks import point_at, style_digest
from desktop.gui.digest.digest_text import describe, plain_citations, without_citations
from desktop.gui.digest.label_chips import LabelChips
from desktop.gui.digest.preview_text import preview_markdown
from desktop.gui.digest.section_links import section_source, style_sections
from desktop.ml.finetune.pairs_io import append_saved_pair

WELCOME = """# Welcome to Precis

Drop PDFs, Word files, emails or meeting transcripts anywhere on this window, or pick files in
the tree on the left and press **Summarize** (Ctrl+Enter).

Every point in a digest links to the passage it came from, and is checked against it: ✓ when
its numbers, dates and names are there, ⚠ with the reason when not. Click a citation to read the
passage in the source view.
"""


class DigestView(QWidget):
    """Shows one digest (or the job making it) and turns citation and section clicks into ``citation_activated``."""

    #: a citation was clicked: its Source, and the citing point's verdict (Support, or None); or a
    #: section's title or range: the section's start, and None
    citation_activated = Signal(object, object)
    #: the user finished editing; the new Markdown
    edited = Signal(str)
    pair_saved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digestView")
        self._digest: Digest | None = None
        self._markdown = ""
        self._edited = False
        self._paths: list[str] = []
        self._documents: list[Document] = []
        self._partials: list[tuple[str, str]] = []
        #: the running job's extractive preview and the points the model has rewritten
        self._preview: tuple[Digest, tuple[int, ...]] | None = None
        self._job_title = ""
        self._stage = ""
        self.entry_id: str | None = None
        self.job_id: str | None = None

        # Long stage texts must not widen the pane: the label gives way, ends in "…" and shows the
        # whole text as a tip.
        self.status_label = ElidedLabel("")
        self.status_label.setObjectName("digestStatus")
        self.status_label.setMinimumWidth(40)
        self.chips = LabelChips()
        self.edit_button = QPushButton("Edit")
        self.edit_button.setObjectName("editButton")
        self.edit_button.setCheckable(True)
        self.edit_button.setToolTip("Edit the digest's Markdown; your edits are kept in History")
        self.edit_button.toggled.connect(self.set_editing)
        self.pair_button = QPushButton("Save as training pair")
        self.pair_button.setObjectName("pairButton")
        self.pair_button.setToolTip("Save the documents and your edited digest for fine-tuning")
        self.pair_button.clicked.connect(self._save_pair_clicked)

        self.browser = QTextBrowser()
        self.browser.setObjectName("digestBrowser")
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.anchorClicked.connect(self._on_anchor)
        self.browser.document().setDocumentMargin(18)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("digestEditor")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.editor.setFont(mono)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.browser)
        self.stack.addWidget(self.editor)

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(8)
        head.addWidget(self.chips)
        head.addWidget(self.status_label, 1)
        head.addWidget(self.edit_button)
        head.addWidget(self.pair_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addWidget(self.stack, 1)
        self.show_welcome()

    # ------------------------------------------------------------------ state
    @property
    def digest(self) -> Digest | None:
        return self._digest

    @property
    def paths(self) -> list[str]:
        return list(self._paths)

    @property
    def is_edited(self) -> bool:
        return self._edited

    @property
    def is_editing(self) -> bool:
        return self.stack.currentWidget() is self.editor

    def markdown(self) -> str:
        """The digest's Markdown as the user sees it (with citation links; edits included)."""
        if self.is_editing:
            return self.editor.toPlainText()
        return self._markdown

    def export_markdown(self) -> str:
        """The Markdown for files and the clipboard: citations as plain references."""
        if self._digest is None:
            return ""
        if not self._edited and not self.is_editing:
            return to_markdown(self._digest)
        return plain_citations(self.markdown())

    def set_documents(self, documents: list[Document]) -> None:
        self._documents = list(documents)

    # ------------------------------------------------------------------ display
    def show_welcome(self) -> None:
        self._digest = None
        self._markdown = ""
        self._edited = False
        self._paths = []
        self.entry_id = None
        self.job_id = None
        self.chips.set_labels({})
        self.status_label.setText("")
        self._leave_editor()
        self.browser.setMarkdown(WELCOME)
        self._style_document()
        self._update_buttons()

    def begin_job(self, job_id: str, title: str, paths: list[str]) -> None:
        """Show the job that is making the next digest; partial summaries stream in below."""
        self._digest = None
        self._markdown = ""
        self._edited = False
        self._paths = list(paths)
        self._documents = []
        self.entry_id = None
        self.job_id = job_id
        self._partials = []
        self._preview = None
        self._job_title = title
        self._stage = "Waiting in the queue"
        self.chips.set_labels({})
        self._leave_editor()
        self._render_progress()
        self._update_buttons()

    def set_stage(self, stage: str, done: int = 0, total: int = 0, eta_s: float | None = None) -> None:
        if self._digest is not None:
            return
        self._stage = stage_text(stage, eta_s)
        self.status_label.setText(self._stage)

    def add_partial(self, text: str, source: str) -> None:
        if self._digest is not None:
            return
        self._partials.append((source, text))
        self._render_progress()

    def show_preview(self, digest: Digest, replaced: tuple[int, ...] = ()) -> None:
        """The job's extractive preview (cited points at once); ``replaced`` points are model output."""
        if self._digest is not None:
            return
        self._preview = (digest, tuple(replaced))
        self._render_progress()

    def _render_progress(self) -> None:
        bar = self.browser.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4 and self._preview is None
        lines = [f"# {self._job_title or 'Summarizing'}", "", "*Working on it; first results appear below as each part is done.*", ""]
        if self._preview is not None:
            lines = preview_markdown(*self._preview) + (["## Summaries so far", ""] if self._partials else [])
        for source, text in self._partials:
            lines += [f"**{source}** — {text}", ""]
        self.browser.setMarkdown("\n".join(lines))
        self._style_document()
        self.status_label.setText(self._stage)
        if at_end:
            bar.setValue(bar.maximum())

    def show_digest(self, digest: Digest, *, paths: list[str], markdown: str | None = None, documents: list[Document] | None = None,
                    entry_id: str | None = None, job_id: str | None = None, rendered: str | None = None) -> None:
        """Show a finished digest; ``markdown`` is an edited version (from History) if there is one,
        ``rendered`` the digest's own Markdown with links when the caller has it already."""
        rendered = rendered if rendered is not None else to_markdown(digest, links=True)
        self._digest = digest
        self._markdown = markdown or rendered
        self._edited = markdown is not None and markdown.strip() != rendered.strip()
        self._paths = list(paths)
        if documents is not None:
            self._documents = list(documents)
        self.entry_id = entry_id
        self.job_id = job_id
        self._leave_editor()
        self._render()
        self.chips.set_labels(digest.labels(), digest.support)
        self.status_label.setText(describe(digest))
        self._update_buttons()

    def refresh_style(self) -> None:
        """Re-render after a theme change (link colours come from the palette)."""
        if self._digest is not None:
            self._render()
        elif self.job_id is not None:
            self._render_progress()
        else:
            self.show_welcome()

    def _render(self) -> None:
        bar = self.browser.verticalScrollBar()
        keep = bar.value()
        self.browser.setMarkdown(self._markdown)
        self._style_document()
        bar.setValue(keep)

    def _style_document(self) -> None:
        """Citations small in the link colour, each point's verdict marked (``checked_marks``)."""
        preview = self._preview[0] if self._digest is None and self._preview is not None else None
        size = self.browser.font().pointSizeF()
        style_digest(self.browser.document(), self._digest or preview, self.palette(), size, overview=preview is None)
        style_sections(self.browser.document(), self._digest, self.palette(), size)

    def chip_texts(self) -> list[str]:
        return self.chips.texts()

    # ------------------------------------------------------------------ citations
    def source_for(self, href: str) -> Source | None:
        cited = self._cited(href)
        return cited[0] if cited is not None else None

    def _cited(self, href: str) -> tuple[Source, Support | None] | None:
        """The source a citation link names and its point's verdict (a section's point or an overview sentence)."""
        parsed = parse_cite_href(href)
        digest = self._digest or (self._preview[0] if self._preview is not None else None)
        point = point_at(digest, parsed[0], parsed[1]) if parsed is not None and digest is not None else None
        if point is None or not 0 <= parsed[2] < len(point.sources):  # type: ignore[index]
            return None
        return point.sources[parsed[2]], point.support  # type: ignore[index]

    def activate_link(self, href: str) -> bool:
        """Open what a link names: a citation's passage, or a section's start."""
        cited = self._cited(href)
        start = section_source(self._digest, href) if cited is None else None
        if cited is None and start is None:
            return False
        self.citation_activated.emit(*(cited or (start, None)))
        return True

    def _on_anchor(self, url: QUrl) -> None:
        self.activate_link(url.toString())

    def citation_hrefs(self) -> list[str]:
        """Every citation link in the rendered digest, in reading order."""
        return anchor_hrefs(self.browser)

    def section_hrefs(self) -> list[str]:
        """Every section's link (its title and range), in document order."""
        return anchor_hrefs(self.browser, "section:")

    # ------------------------------------------------------------------ editing
    def set_editing(self, on: bool) -> None:
        if self._digest is None:
            on = False
        if on and not self.is_editing:
            self.editor.setPlainText(self._markdown)
            self.stack.setCurrentWidget(self.editor)
            self.editor.setFocus()
        elif not on and self.is_editing:
            text = self.editor.toPlainText()
            self.stack.setCurrentWidget(self.browser)
            if text.strip() != self._markdown.strip():
                self._markdown = text
                self._edited = True
                self._render()
                self.edited.emit(text)
        if self.edit_button.isChecked() != on:
            self.edit_button.blockSignals(True)
            self.edit_button.setChecked(on)
            self.edit_button.blockSignals(False)
        self._update_buttons()

    def _leave_editor(self) -> None:
        self.stack.setCurrentWidget(self.browser)
        self.edit_button.blockSignals(True)
        self.edit_button.setChecked(False)
        self.edit_button.blockSignals(False)

    def _update_buttons(self) -> None:
        has = self._digest is not None
        self.edit_button.setEnabled(has)
        self.pair_button.setEnabled(has and (self._edited or self.is_editing))
        self.pair_button.setVisible(has and (self._edited or self.is_editing))
        self.edit_button.setVisible(has)

    def source_text(self) -> str:
        return "\n\n".join(d.text() for top in self._documents for d in top.walk()).strip()

    def save_training_pair(self, path: Path | None = None) -> Path:
        """Write the source text and the (edited) digest as one JSONL training pair."""
        if self.is_editing:
            self.set_editing(False)
        document = self.source_text()
        if not document:
            raise ValueError("The source documents are still being read; try again in a moment.")
        summary = markdown_to_text(without_citations(self._markdown)).strip()
        saved = append_saved_pair(document, summary, path)
        self.pair_saved.emit(str(saved))
        return saved

    def _save_pair_clicked(self) -> None:
        from desktop.gui.common import messages

        try:
            saved = self.save_training_pair()
        except (ValueError, OSError) as exc:
            messages.warning(str(exc) if isinstance(exc, ValueError) else f"The pair could not be saved: {exc}")
            return
        messages.info(f"Saved as a training pair in {saved}. The fine-tune panel will offer it.")

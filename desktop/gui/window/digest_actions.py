"""What the main window does with the digest it shows: reopen it from History, save edits back,
close, export and copy it. A mixin of ``MainWindow``, apart so each module stays readable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import QFileDialog

from desktop.core.digest import Digest
from desktop.core.export import ExportError, export_digest, markdown_to_text
from desktop.gui.common import messages
from desktop.gui.digest.export_pdf import export_pdf
from desktop.gui.window.window_layout import WindowLayout

EXPORT_FILTERS = "Markdown (*.md);;Plain text (*.txt);;Word document (*.docx);;PDF (*.pdf)"


class DigestActions(WindowLayout):
    followed: str | None
    entries: dict[str, str]

    if TYPE_CHECKING:
        def _update_actions(self) -> None: ...

    # ------------------------------------------------------------------ history
    def open_history_entry(self, entry_id: str) -> None:
        try:
            digest, markdown = self.history.load(entry_id)
        except (OSError, ValueError, KeyError) as exc:
            messages.error(f"This digest could not be opened: {exc}")
            return
        entry = next((e for e in self.history.list() if e.id == entry_id), None)
        source_paths = list(entry.paths) if entry else []
        self.followed = None
        self.digest_view.show_digest(digest, paths=source_paths, markdown=markdown or None, entry_id=entry_id)
        self.source_view.load_paths(digest_files(digest) or source_paths)
        self.status.show_digest(digest, self.settings)
        self._update_actions()

    def _on_entry_deleted(self, entry_id: str) -> None:
        self.entries = {j: e for j, e in self.entries.items() if e != entry_id}
        if self.digest_view.entry_id == entry_id:
            self.digest_view.entry_id = None

    def _on_digest_edited(self, markdown: str) -> None:
        digest, entry_id = self.digest_view.digest, self.digest_view.entry_id
        if digest is None or entry_id is None:
            return
        try:
            self.history.update(entry_id, digest, markdown)
        except (OSError, ValueError) as exc:
            messages.error(f"Your edit could not be saved to history: {exc}. Export the digest to keep it.")
        self.history_view.refresh()

    # ------------------------------------------------------------------ digest actions
    def close_digest(self) -> None:
        """Back to the welcome page; the queue (and a running job) carries on."""
        self.followed = None
        self.digest_view.show_welcome()
        self.source_view.clear()
        self._update_actions()

    def export_dialog(self) -> None:
        digest = self.digest_view.digest
        if digest is None:
            return
        name = "".join(c if c.isalnum() or c in " -_" else "_" for c in (digest.title or "digest")).strip()[:80] or "digest"
        folder = Path(self.tree.root or Path.home())
        path, chosen = QFileDialog.getSaveFileName(self, "Export digest", str(folder / f"{name}.md"), EXPORT_FILTERS)
        if not path:
            return
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix("." + chosen.rsplit("*.", 1)[-1].rstrip(")"))
        self.export_to(target)

    def export_to(self, target: Path) -> Path | None:
        digest = self.digest_view.digest
        if digest is None:
            return None
        markdown = self.digest_view.export_markdown()
        try:
            if target.suffix.lower() == ".pdf":
                export_pdf(markdown, target, title=digest.title)
            else:
                export_digest(digest, target, markdown=markdown if self.digest_view.is_edited else None)
        except ExportError as exc:
            messages.error(exc.message)
            return None
        self.status.showMessage(f"Saved {target.name}", 6000)
        return target

    def copy_digest(self) -> None:
        markdown = self.digest_view.export_markdown()
        if not markdown:
            return
        mime = QMimeData()
        mime.setText(markdown_to_text(markdown))
        html = QTextDocument()
        html.setMarkdown(markdown)
        mime.setHtml(html.toHtml())
        QGuiApplication.clipboard().setMimeData(mime)
        self.status.showMessage("Digest copied to the clipboard", 4000)

    def _focus_ask(self) -> None:
        self.ask_field.setFocus()
        self.ask_field.selectAll()

    def _sync_edit_action(self, on: bool) -> None:
        if self.edit_action.isChecked() != on:
            self.edit_action.blockSignals(True)
            self.edit_action.setChecked(on)
            self.edit_action.blockSignals(False)


def digest_files(digest: Digest) -> list[str]:
    """The files a digest was made from, once each, in digest order."""
    return list(dict.fromkeys(d.path for d in digest.documents if d.path))

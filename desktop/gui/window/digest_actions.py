"""What the main window does with the digest it shows: reopen it from History, save edits back,
close, export and copy it. A part of ``MainWindow``, given the window it acts on."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import QFileDialog

from desktop.core.export import ExportError, export_digest, markdown_to_text
from desktop.core.mailstores.options import MailOptions
from desktop.gui.common import messages
from desktop.gui.digest.export_pdf import export_pdf
from desktop.gui.window.job_follower import digest_files

if TYPE_CHECKING:
    from desktop.gui.window.main_window import MainWindow

EXPORT_FILTERS = "Markdown (*.md);;Plain text (*.txt);;Word document (*.docx);;PDF (*.pdf)"


class DigestActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    # ------------------------------------------------------------------ history
    def open_history_entry(self, entry_id: str) -> None:
        w = self.window
        try:
            digest, markdown = w.history.load(entry_id)
        except (OSError, ValueError, KeyError) as exc:
            messages.error(f"This digest could not be opened: {exc}")
            return
        entry = next((e for e in w.history.list() if e.id == entry_id), None)
        source_paths = list(entry.paths) if entry else []
        w.follower.unfollow()
        w.digest_view.show_digest(digest, paths=source_paths, markdown=markdown or None, entry_id=entry_id)
        mail = w.history.mail_selection(entry_id)
        # A mail store is read again with the folders, dates and unread choice its digest was made with.
        w.source_view.load_paths(digest_files(digest) or source_paths, mail=MailOptions.from_plain(mail) if mail else None)
        w.status.show_digest(digest, w.settings)
        w.update_actions()

    def on_entry_deleted(self, entry_id: str) -> None:
        self.window.follower.forget_entry(entry_id)
        if self.window.digest_view.entry_id == entry_id:
            self.window.digest_view.entry_id = None

    def on_digest_edited(self, markdown: str) -> None:
        w = self.window
        digest, entry_id = w.digest_view.digest, w.digest_view.entry_id
        if digest is None or entry_id is None:
            return
        try:
            w.history.update(entry_id, digest, markdown)
        except (OSError, ValueError) as exc:
            messages.error(f"Your edit could not be saved to history: {exc}. Export the digest to keep it.")
        w.history_view.refresh()

    # ------------------------------------------------------------------ digest actions
    def close_digest(self) -> None:
        """Back to the welcome page; the queue (and a running job) carries on."""
        self.window.follower.unfollow()
        self.window.digest_view.show_welcome()
        self.window.source_view.clear()
        self.window.update_actions()

    def export_dialog(self) -> None:
        digest = self.window.digest_view.digest
        if digest is None:
            return
        name = "".join(c if c.isalnum() or c in " -_" else "_" for c in (digest.title or "digest")).strip()[:80] or "digest"
        folder = Path(self.window.tree.root or Path.home())
        path, chosen = QFileDialog.getSaveFileName(self.window, "Export digest", str(folder / f"{name}.md"), EXPORT_FILTERS)
        if not path:
            return
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix("." + chosen.rsplit("*.", 1)[-1].rstrip(")"))
        self.export_to(target)

    def export_to(self, target: Path) -> Path | None:
        view = self.window.digest_view
        digest = view.digest
        if digest is None:
            return None
        markdown = view.export_markdown()
        try:
            if target.suffix.lower() == ".pdf":
                export_pdf(markdown, target, title=digest.title)
            else:
                export_digest(digest, target, markdown=markdown if view.is_edited else None)
        except ExportError as exc:
            messages.error(exc.message)
            return None
        self.window.status.showMessage(f"Saved {target.name}", 6000)
        return target

    def copy_digest(self) -> None:
        markdown = self.window.digest_view.export_markdown()
        if not markdown:
            return
        mime = QMimeData()
        mime.setText(markdown_to_text(markdown))
        html = QTextDocument()
        html.setMarkdown(markdown)
        mime.setHtml(html.toHtml())
        QGuiApplication.clipboard().setMimeData(mime)
        self.window.status.showMessage("Digest copied to the clipboard", 4000)

"""The Roll-up tab wired into the window: its citations open the source view at the cited
passage (reading the document first when it is not the one on show), "me" typed there is kept in
Settings, and it is made again when History changes. A part of ``MainWindow``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from desktop.core.digest import Source
from desktop.gui.settings.save import save_or_say

if TYPE_CHECKING:
    from desktop.gui.window.main_window import MainWindow


class RollupPage(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        view = window.panes.rollup_view
        self.view = view
        view.citation_activated.connect(self.open_source)
        view.me_changed.connect(self._on_me)
        window.queue.job_finished.connect(lambda _id: view.history_changed())  # after JobOutcomes put it in History
        window.history_view.entry_deleted.connect(lambda _id: view.history_changed())
        window.digest_view.edited.connect(lambda _md: view.history_changed())
        # A digest opened or a job followed is shown on the Digest tab.
        window.history_view.entry_activated.connect(lambda _id: self.show_digest_tab())
        window.queue.job_added.connect(lambda _id: self.show_digest_tab())

    def show(self) -> None:
        panes = self.window.panes
        panes.centre_tabs.setCurrentWidget(panes.rollup_page)

    def show_digest_tab(self) -> None:
        panes = self.window.panes
        panes.centre_tabs.setCurrentWidget(panes.digest_page)

    def open_source(self, source: Source) -> None:
        """The cited passage in the source view; its document is read first if it is not there."""
        view = self.window.source_view
        if view.find_document(source) < 0 or view.loading:
            view.load_paths([source.path])
        view.show_source(source)

    def _on_me(self, me: list[str]) -> None:
        settings = self.window.settings
        if settings.me != me:
            settings.me = me
            save_or_say(settings)

    def settings_applied(self) -> None:
        self.view.set_me(list(self.window.settings.me))

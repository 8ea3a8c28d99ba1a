"""The main window's panes: files and mail on the left (the file tree and the mailboxes in tabs,
above the queue, history and the watched sources), the digest in the centre with the Ask field
above it and the roll-up in a tab beside it, the banner above both, the source text on the right,
the status bar below. Only the arrangement: what the panes do is wired in ``main_window`` (the
watcher and the roll-up in ``watching`` and ``rollup_page``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget

from desktop.core.history import History
from desktop.gui.digest.digest_view import DigestView
from desktop.gui.digest.history_view import HistoryView
from desktop.gui.intake.file_panel import FilePanel
from desktop.gui.jobs.job_queue import JobQueue
from desktop.gui.jobs.queue_view import QueueView
from desktop.gui.mailboxes import MailboxPanel
from desktop.gui.rollup.rollup_view import RollupView
from desktop.gui.source.source_view import SourceView
from desktop.gui.watch.watch_service import WatchService
from desktop.gui.watch.watched_view import WatchedView
from desktop.gui.window.banner import Banner
from desktop.gui.window.status_bar import StatusBar


class Panes:
    """Builds the panes; ``splitter`` is the window's central widget, ``status`` its status bar."""

    def __init__(self, queue: JobQueue, history: History, watch_service: WatchService, me: list[str]) -> None:
        self.file_panel = FilePanel()
        self.tree = self.file_panel.tree
        # Files and mail side by side: the tab names them, so the panels' own titles are not shown.
        self.mail_panel = MailboxPanel()
        self.file_panel.title.hide()
        self.browse_tabs = QTabWidget()
        self.browse_tabs.setObjectName("browseTabs")
        self.browse_tabs.setDocumentMode(True)
        self.browse_tabs.addTab(self.file_panel, "Files")
        self.browse_tabs.addTab(self.mail_panel, "Mail")
        self.queue_view = QueueView(queue)
        self.history_view = HistoryView(history)
        self.watched_view = WatchedView(watch_service)
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("sideTabs")
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(self.queue_view, "Queue")
        self.side_tabs.addTab(self.history_view, "History")
        self.side_tabs.addTab(self.watched_view, "Watched")
        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.setObjectName("leftSplitter")
        self.left_splitter.addWidget(self.browse_tabs)
        self.left_splitter.addWidget(self.side_tabs)
        self.left_splitter.setChildrenCollapsible(False)
        self.left_splitter.setSizes([420, 340])

        self.banner = Banner()
        self.ask_field = QLineEdit()
        self.ask_field.setObjectName("askField")
        self.ask_field.setPlaceholderText("Ask about these documents…")
        self.ask_field.setClearButtonEnabled(True)
        self.ask_button = QPushButton("Ask")
        self.ask_button.setObjectName("askButton")
        self.ask_button.setToolTip("Make a digest of the same documents that answers this question, with citations")
        ask_row = QHBoxLayout()
        ask_row.setContentsMargins(0, 0, 0, 0)
        ask_row.setSpacing(6)
        ask_row.addWidget(self.ask_field, 1)
        ask_row.addWidget(self.ask_button)
        self.digest_view = DigestView()
        digest_page = QWidget()
        digest_page.setObjectName("digestPage")
        digest_layout = QVBoxLayout(digest_page)
        digest_layout.setContentsMargins(0, 8, 0, 0)
        digest_layout.setSpacing(8)
        digest_layout.addLayout(ask_row)
        digest_layout.addWidget(self.digest_view, 1)
        self.rollup_view = RollupView(history, me)
        rollup_page = QWidget()
        rollup_page.setObjectName("rollupPage")
        rollup_layout = QVBoxLayout(rollup_page)
        rollup_layout.setContentsMargins(0, 8, 0, 0)
        rollup_layout.addWidget(self.rollup_view)
        self.centre_tabs = QTabWidget()
        self.centre_tabs.setObjectName("centreTabs")
        self.centre_tabs.setDocumentMode(True)
        self.centre_tabs.addTab(digest_page, "Digest")
        self.centre_tabs.addTab(rollup_page, "Roll-up")
        self.digest_page, self.rollup_page = digest_page, rollup_page
        centre = QWidget()
        centre.setObjectName("centrePane")
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(10, 8, 10, 8)
        centre_layout.setSpacing(8)
        centre_layout.addWidget(self.banner)
        centre_layout.addWidget(self.centre_tabs, 1)

        self.source_view = SourceView()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.left_splitter)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.source_view)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([300, 560, 420])
        self.status = StatusBar()

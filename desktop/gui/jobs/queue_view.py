"""The job queue panel: one row per job; progress events update the row's labels and bar only."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QStackedLayout, QWidget

from desktop.gui.jobs.job_queue import JobQueue
from desktop.gui.jobs.queue_row import QueueRow

_ID = Qt.ItemDataRole.UserRole


class QueueView(QWidget):
    #: the user picked a job's row
    job_selected = Signal(str)

    def __init__(self, queue: JobQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self.list = QListWidget(self)
        self.list.setObjectName("queueList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setUniformItemSizes(False)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.empty = QLabel("No jobs yet. Drop files here, or right-click a file and choose Summarize.", self)
        self.empty.setObjectName("queueEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.empty)
        self._stack.addWidget(self.list)
        self._rows: dict[str, tuple[QListWidgetItem, QueueRow]] = {}
        queue.job_added.connect(self._add)
        queue.job_changed.connect(self._update)
        queue.job_removed.connect(self._remove)
        for job in queue.jobs():
            self._add(job.id)
        self._show_empty()

    # ----- public ------------------------------------------------------------------------
    def row(self, job_id: str) -> QueueRow | None:
        entry = self._rows.get(job_id)
        return entry[1] if entry else None

    def selected_job_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(_ID) if item is not None else None

    def select(self, job_id: str) -> None:
        entry = self._rows.get(job_id)
        if entry is not None:
            self.list.setCurrentItem(entry[0])

    # ----- rows --------------------------------------------------------------------------
    def _add(self, job_id: str) -> None:
        job = self.queue.job(job_id)
        if job is None or job_id in self._rows:
            return
        item = QListWidgetItem()
        item.setData(_ID, job_id)
        row = QueueRow(job)
        row.cancel_clicked.connect(self.queue.cancel)
        row.retry_clicked.connect(self.queue.retry)
        row.remove_clicked.connect(self.queue.remove)
        item.setSizeHint(row.sizeHint())
        self.list.addItem(item)
        self.list.setItemWidget(item, row)
        self._rows[job_id] = (item, row)
        self._show_empty()

    def _update(self, job_id: str) -> None:
        entry = self._rows.get(job_id)
        job = self.queue.job(job_id)
        if entry is None or job is None:
            return
        item, row = entry
        if row.update_from(job):
            item.setSizeHint(row.sizeHint())

    def _remove(self, job_id: str) -> None:
        entry = self._rows.pop(job_id, None)
        if entry is None:
            return
        item, row = entry
        self.list.removeItemWidget(item)
        self.list.takeItem(self.list.row(item))
        row.deleteLater()
        self._show_empty()

    def _show_empty(self) -> None:
        self._stack.setCurrentWidget(self.list if self._rows else self.empty)

    def _on_current_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.job_selected.emit(current.data(_ID))

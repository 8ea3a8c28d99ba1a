"""The job the digest view follows: only that job's progress, preview and partial summaries reach
the views (the queue's signals of every other job stop here); its digest replaces them when done."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.core.digest import Digest
from desktop.gui.digest.digest_view import DigestView
from desktop.gui.jobs.job_queue import CANCELLED, DONE, FAILED, Job, JobQueue
from desktop.gui.source.source_view import SourceView


def digest_files(digest: Digest) -> list[str]:
    """The files a digest was made from, once each, in digest order."""
    return list(dict.fromkeys(d.path for d in digest.documents if d.path))


class JobFollower(QObject):
    """Follows one job at a time (``followed``); knows which History entry a finished job became."""

    #: the followed job or its state changed: the window's actions may change
    changed = Signal()

    def __init__(self, queue: JobQueue, digest_view: DigestView, source_view: SourceView,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self.digest_view = digest_view
        self.source_view = source_view
        #: the job whose progress the digest view shows (None: a finished or reopened digest)
        self.followed: str | None = None
        #: job id -> History entry id, for finished jobs
        self.entries: dict[str, str] = {}
        queue.job_changed.connect(self._on_job_changed)
        queue.job_partial.connect(self._on_job_partial)
        queue.job_preview.connect(self._on_job_preview)

    def follow(self, job_id: str) -> None:
        """Show this job in the digest view: its progress now, its digest when done."""
        job = self.queue.job(job_id)
        if job is None:
            return
        if job.state == DONE:
            self.show_result(job)
            return
        self.followed = job_id
        self.digest_view.begin_job(job_id, job.title, job.paths)
        if job.preview is not None:
            self.digest_view.show_preview(*job.preview)
        for text, source in job.partials:
            self.digest_view.add_partial(text, source)
        self.source_view.clear()
        if job.state in (FAILED, CANCELLED):
            self.digest_view.set_stage(job.error or job.state)
        else:
            self.digest_view.set_stage(job.stage, job.done, job.total, job.eta_s if job.eta_s >= 0 else None)
        self.changed.emit()

    def show_job(self, job_id: str) -> None:
        if job_id and job_id != self.followed:
            self.follow(job_id)

    def unfollow(self) -> None:
        self.followed = None

    def show_result(self, job: Job) -> None:
        """The finished job's digest in the digest view, its documents in the source view."""
        digest = job.digest()
        if digest is None:
            return
        self.followed = None
        documents = job.documents()
        self.digest_view.show_digest(digest, paths=job.paths, documents=documents, entry_id=self.entries.get(job.id),
                                     job_id=job.id, rendered=job.markdown())
        if documents or not digest.documents:
            self.source_view.set_documents_soon(documents)
        else:
            # A job of many files lets its documents go as it summarizes them (job.KEEP_FILES) so the
            # worker's memory stays flat; the source view reads them again here, off the GUI thread.
            self.source_view.load_paths(digest_files(digest))
        self.changed.emit()

    def forget_entry(self, entry_id: str) -> None:
        """A History entry was deleted: no finished job stands for it any more."""
        self.entries = {j: e for j, e in self.entries.items() if e != entry_id}

    def _on_job_changed(self, job_id: str) -> None:
        if job_id == self.followed:
            job = self.queue.job(job_id)
            if job is not None and not job.ended:
                self.digest_view.set_stage(job.stage, job.done, job.total, job.eta_s if job.eta_s >= 0 else None)

    def _on_job_preview(self, job_id: str, preview: object) -> None:
        if job_id == self.followed:
            self.digest_view.show_preview(*preview)  # type: ignore[misc]

    def _on_job_partial(self, job_id: str, text: str, source: str) -> None:
        if job_id == self.followed:
            self.digest_view.add_partial(text, source)

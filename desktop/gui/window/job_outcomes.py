"""What the window does when a job ends: a finished digest goes to History and, when followed, to
the digest view; files left out are named in one message; protected files get a password prompt
and run again; a failure is shown in one place. Error kinds are matched as types."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from desktop.core.digest import Digest
from desktop.core.errors import PasswordRequired
from desktop.core.ingest import is_mail_address
from desktop.core.mailstores.credentials import remember
from desktop.core.mailstores.imap_account import account_key
from desktop.core.mailstores.options import DEFAULT_MAIL
from desktop.gui.common import messages
from desktop.gui.jobs.job_queue import CANCELLED, DONE, FAILED, Job
from desktop.gui.window.password_prompt import PasswordPrompt

if TYPE_CHECKING:
    from desktop.gui.window.main_window import MainWindow

NO_MODEL_BANNER = ("No FLAN-T5 model is installed, so this digest was made by the built-in extractive engine: it quotes "
                   "the most central sentences instead of writing a summary. Get FLAN-T5 (base: about 1 GB, once) "
                   "for written summaries.")
#: Files left out that one message names; the rest are counted.
LISTED = 12


class JobOutcomes(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.password_prompt: PasswordPrompt | None = None
        self.banner_dismissed = False
        window.queue.job_finished.connect(self.on_job_finished)

    def on_job_finished(self, job_id: str) -> None:
        w = self.window
        job = w.queue.job(job_id)
        w.update_actions()
        if job is None:
            return
        if job.state == DONE:
            self._finished(job)
        elif job.state == FAILED:
            if issubclass(job.error_kind, PasswordRequired):
                self._ask_passwords(job, [(p, job.error) for p in job.paths])
            else:
                messages.error(job.error or "The job failed.")
            if job_id == w.follower.followed:
                w.digest_view.set_stage(f"Failed: {job.error}" if job.error else "Failed")
        elif job.state == CANCELLED and job_id == w.follower.followed:
            w.digest_view.set_stage("Cancelled")

    def _finished(self, job: Job) -> None:
        w = self.window
        digest = job.digest()
        assert digest is not None and job.result is not None
        errors = job.result.errors
        protected = [(e.path, e.message) for e in errors if e.is_a(PasswordRequired)]
        other = [e for e in errors if not e.is_a(PasswordRequired)]
        if other:
            lines = "\n".join(f"  • {e.message or Path(e.path).name}" for e in other[:LISTED])
            more = f"\n  … and {len(other) - LISTED} more" if len(other) > LISTED else ""
            messages.warning(f"Some files of “{job.title}” could not be read and were left out:\n{lines}{more}")
        if digest.documents and not protected:
            self._add_to_history(job, digest)
        followed = w.follower.followed
        if protected and not digest.documents and job.id == followed:
            w.digest_view.set_stage("Waiting for the password…")
        elif job.id == followed or (followed is None and w.digest_view.digest is None and digest.documents):
            w.follower.show_result(job)
        if digest.engine == "extractive" and w.model_picker.installed_count == 0 and not self.banner_dismissed:
            w.banner.show_message(NO_MODEL_BANNER, "Get FLAN-T5…")
        w.status.show_digest(digest, w.settings)
        if protected:
            self._ask_passwords(job, protected)

    def _add_to_history(self, job: Job, digest: Digest) -> None:
        w = self.window
        try:
            mail = job.spec.mail.to_plain() if job.spec.mail != DEFAULT_MAIL else None
            entry = w.history.add(digest, job.paths, job.markdown(), mail=mail)
        except OSError as exc:
            messages.error(f"The digest could not be saved to history: {exc}. It is still shown and can be exported.")
            return
        w.follower.entries[job.id] = entry.id
        w.history_view.refresh()
        if w.digest_view.job_id == job.id:
            w.digest_view.entry_id = entry.id

    def _ask_passwords(self, job: Job, files: list[tuple[str, str]]) -> None:
        w = self.window
        prompt = PasswordPrompt(files, w)
        self.password_prompt = prompt

        def requeue(passwords: dict[str, str]) -> None:
            self.password_prompt = None
            merged = {**job.spec.passwords, **passwords}
            for address, password in passwords.items():
                if is_mail_address(address):  # this session's next listing or digest of the account asks no more
                    remember(account_key(address), password, keep=False)
            w.summarize(job.paths, query=job.spec.query, title=job.title, model=job.spec.model, engine=job.spec.engine,
                        length=job.spec.length, template=job.spec.template, passwords=merged, mail=job.spec.mail)

        def give_up() -> None:
            self.password_prompt = None
            digest = job.digest()
            if digest is not None and digest.documents and job.id not in w.follower.entries:
                self._add_to_history(job, digest)

        prompt.finished.connect(requeue)
        prompt.cancelled.connect(give_up)
        prompt.start()

"""Listing a mailbox's folders in its own child process (``desktop.ml.mail_task``), as the mail
panel sees it: ``ChildTask``'s signals and a Cancel that stops it within a second."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QObject

from desktop.core.mailstores.mailboxes import Mailbox
from desktop.gui.process.child_task import ChildTask
from desktop.ml.mail_task import folders_main


class FolderListing(ChildTask):
    """``FolderListing(mailbox, password).start()``; ``finished`` carries
    ``{"tree": {...}, "password": "keyring" | "session" | ""}``."""

    what = "Listing the folders"

    def __init__(self, mailbox: Mailbox, password: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(f"folders-{uuid.uuid4().hex[:8]}", parent)
        self.mailbox = mailbox
        self.password = password

    def start(self) -> None:
        params: dict[str, Any] = {"mailbox": self.mailbox.to_plain(), "password": self.password}
        self._start(folders_main, (self.task_id, params), "precis-mail-folders")

    def _died(self, how: str) -> str:
        return f"Listing the folders of {self.mailbox.title} stopped unexpectedly ({how}); try again."

"""What *Summarize* on a mailbox's folder asks the job queue for: the mailbox's location as the
job's one path, its title, and the ``mail`` selection (and an IMAP password the session holds)
that ``JobSpec.from_settings`` takes as overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from desktop.core.mailstores.mailboxes import Mailbox


def summarize_request(box: Mailbox, folder: str = "", *, since: date | None = None, until: date | None = None,
                      unseen: bool = False, password: str | None = None) -> tuple[list[str], str, dict[str, Any]]:
    """(paths, title, JobSpec overrides) for a digest of ``folder`` in ``box`` ("" for all its mail)."""
    folders: tuple[str, ...] = (folder,) if folder else ()
    if not folders and box.kind == "eml-folder":
        # A folder of saved messages with no selection is read file by file; naming its top folder
        # keeps it one mailbox, as the tree shows it.
        folders = (Path(box.location).name,)
    mail = box.options(folders, since=since, until=until, unseen=unseen)
    title = f"{box.title} › {folder}" if folder else box.title
    if mail.describe():
        title += f" ({mail.describe()})"
    overrides: dict[str, Any] = {"mail": mail}
    if password:
        overrides["passwords"] = {box.location: password}
    return [box.location], title, overrides

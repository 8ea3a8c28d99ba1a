"""The one intake step every way files come in goes through (a drop, the Open dialog, start-up
arguments, a hand-over from another launch): names made local paths, the paths Precis reads
accepted (mail stores too, known as ``core/mailstores/locate.py`` knows them), and one message
for the rest. The window queues what is accepted as a job."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from desktop.core.mailstores.locate import store_kind
from desktop.gui.intake.formats import is_readable_name, readable_sentence
from desktop.integration.uris import display_name, local_path, not_local_reason, scheme

#: Entries looked at before a folder is queued anyway (the job then reports what it finds):
#: this check runs on the GUI thread, and a right-click on a home folder must not freeze it.
FOLDER_LOOK_LIMIT = 5000
#: Left-out items named in the message; the rest are counted.
LISTED = 15


@dataclass(frozen=True, slots=True)
class Intake:
    """What came in: the paths to queue, and the names left out (with the reason where it is not
    obvious)."""

    accepted: list[str]
    left_out: list[str]

    @property
    def message(self) -> str:
        """One message for everything left out; "" when nothing was."""
        return unsupported_message(self.left_out, len(self.accepted)) if self.left_out else ""


def take_in(entries: Iterable[str], cwd: str | None = None) -> Intake:
    """``entries`` as they came (paths, relative to ``cwd`` when given; ``file://`` and remote URIs)."""
    accepted, left_out = split_supported([local_path(str(e), cwd) or str(e) for e in entries])
    return Intake(accepted, left_out)


def has_readable_file(folder: Path) -> bool:
    """Whether ``folder`` holds a file Precis reads (hidden ones skipped, like the job does),
    stopping at the first one found or after ``FOLDER_LOOK_LIMIT`` entries."""
    pending, seen = [folder], 0
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    seen += 1
                    if seen > FOLDER_LOOK_LIMIT:
                        return True
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                    elif is_readable_name(entry.name):
                        return True
        except OSError:
            continue
    return False


def is_mail_store(path: Path) -> bool:
    """A mail store named by itself: a Maildir, a Thunderbird profile or folder, Apple Mail's
    folders, an Outlook data file (known by its first bytes, whatever its name). A folder of .eml
    files is not one here: its files are read one by one, as always."""
    return store_kind(path) is not None


def split_supported(paths: list[str]) -> tuple[list[str], list[str]]:
    """(paths to queue, names of what Precis cannot read, with the reason where it is not obvious)."""
    supported: list[str] = []
    unsupported: list[str] = []
    for raw in paths:
        if scheme(raw) and not Path(raw).exists():
            unsupported.append(f"{display_name(raw)} ({not_local_reason(raw)})")
            continue
        p = Path(raw)
        if p.is_dir():
            # A mail store is read in place as one (a Maildir's files have no extension to go by).
            if is_mail_store(p) or has_readable_file(p):
                supported.append(str(p))
            else:
                unsupported.append(f"{p.name or p}/ (no files Precis reads inside)")
        elif is_readable_name(p.name) or is_mail_store(p):
            supported.append(str(p))
        elif not p.exists():
            unsupported.append(f"{p.name} (not found)")
        else:
            unsupported.append(p.name)
    return supported, unsupported


def unsupported_message(names: list[str], queued: int) -> str:
    count = len(names)
    head = ("This file was" if count == 1 else f"These {count} files were") + " left out because Precis cannot read "
    head += "it:" if count == 1 else "them:"
    shown = names[:LISTED] + ([f"… and {count - LISTED} more"] if count > LISTED else [])
    tail = readable_sentence()
    if queued:
        tail = f"The other {queued} item{'s are' if queued != 1 else ' is'} queued. " + tail
    return head + "\n" + "\n".join(f"  • {n}" for n in shown) + "\n\n" + tail

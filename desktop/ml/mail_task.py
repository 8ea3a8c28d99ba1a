"""Listing a mailbox's folders in a spawned child process, so a large store, a slow disk or an IMAP
server that takes seconds to answer never holds up the window (and libpff, a C library, cannot
take the window with it if a damaged data file crashes it).

``folders_main(task_id, params, events, cancel_flag)`` fits the GUI's
``ChildProcess(folders_main, (task_id, params), requests=False)``; it sends ``Started``, then
``TaskFinished(task_id, {"tree": ..., "password": ...})`` or ``Failed`` with the typed error's
sentence (``PasswordRequired`` for a password the server refused, ``MailServerError`` for the
rest of what a server can do). ``list_mailbox`` is the same without a process, for tests.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
from dataclasses import replace
from typing import Any

from desktop.core.errors import Cancelled, PrecisError
from desktop.core.events import Progress
from desktop.core.mailstores import list_folders
from desktop.core.mailstores.folders import Folder
from desktop.core.mailstores.mailboxes import Mailbox
from desktop.core.parent_watch import exit_with_parent
from desktop.ml.protocol import Failed, Started, TaskFinished, WasCancelled
from desktop.ml.worker import Outbox, _setup_child, unexpected_failure

log = logging.getLogger(__name__)


def plain_tree(folder: Folder) -> dict[str, Any]:
    """A folder and those under it as JSON-able data for the pipe: name, path, count and unread
    (None when the store does not know them without reading), selectable, special (trash or junk)."""
    return {"name": folder.name, "path": folder.path, "count": folder.count, "unread": folder.unread,
            "selectable": folder.selectable, "special": folder.special,
            "children": [plain_tree(c) for c in folder.children]}


def list_mailbox(params: dict[str, Any]) -> dict[str, Any]:
    """``params``: ``mailbox`` (``Mailbox.to_plain()``) and, for IMAP, ``password`` (None: the
    keyring's). The result's ``password`` says where a password given here was kept once the
    server took it: "keyring", "session" (no keyring on this machine) or "" (none was given)."""
    box = Mailbox.from_plain(params["mailbox"])
    password = params.get("password") or None
    # The password is kept below, once, so the answer can say where it went.
    options = replace(box.options(), keep_password=False)
    root = list_folders(box.location, options=options, password=password)
    kept = ""
    if box.is_imap and password:
        from desktop.core.mailstores.credentials import remember

        account = box.account
        assert account is not None
        kept = "keyring" if remember(account.key, password, keep=True) else "session"
    return {"tree": plain_tree(root), "password": kept}


def folders_main(task_id: str, params: dict[str, Any], events: Any, cancel_flag: Any) -> None:
    """List one mailbox's folders in this (child) process and report how it went."""
    _setup_child("mail")
    if mp.parent_process() is not None:
        exit_with_parent()
    outbox = Outbox(events)
    outbox.put(Started(task_id))
    on_event = outbox.callback(task_id)
    try:
        on_event(Progress("listing folders", 0, 0))
        result = list_mailbox(params)
    except Cancelled:
        outbox.put(WasCancelled(task_id))
    except PrecisError as exc:
        outbox.put(Failed.of(task_id, exc))
    except Exception as exc:  # noqa: BLE001 - the window must hear how the listing ended, whatever happened
        outbox.put(Failed.of(task_id, unexpected_failure(exc, "Listing the folders")))
    else:
        outbox.put(TaskFinished(task_id, result))
    finally:
        outbox.close()
    if mp.parent_process() is not None:
        logging.shutdown()
        os._exit(0)  # every message is out; skip the interpreter's teardown

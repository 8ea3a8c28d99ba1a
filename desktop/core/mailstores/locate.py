"""Knowing a mail store when one is named or met in a folder walk, and a cheap fingerprint of one
(file names, sizes and times) so a batch run knows when new mail has arrived."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from desktop.core.mailstores.applemail import looks_like_apple_mail
from desktop.core.mailstores.emlfolder import holds_messages
from desktop.core.mailstores.imap_cache import is_account_folder
from desktop.core.mailstores.maildir import looks_like_maildir
from desktop.core.mailstores.outlook import MAGIC
from desktop.core.mailstores.thunderbird import looks_like_thunderbird

_OUTLOOK_SUFFIXES = (".pst", ".ost")


def store_kind(path: Path, *, saved_messages: bool = False) -> str | None:
    """The kind of mail store at ``path``, or None. An Outlook data file is known by its first
    bytes; folders by their layout; an IMAP account's cache folder by where it is ("imap-cache").
    A plain folder of .eml files is a store only when ``saved_messages`` asks for it (by default
    its files are read one by one, as always)."""
    try:
        if path.is_file():
            with open(path, "rb") as fh:
                return "outlook" if fh.read(4) == MAGIC else None
        if not path.is_dir():
            return None
    except OSError:
        return None
    if is_account_folder(path):
        return "imap-cache"
    if looks_like_thunderbird(path):
        return "thunderbird"
    if looks_like_maildir(path):
        return "maildir"
    if looks_like_apple_mail(path):
        return "apple-mail"
    if saved_messages and holds_messages(path):
        return "eml-folder"
    return None


def store_in_listing(dirs: list[str], files: list[str]) -> bool:
    """A folder met in a walk is a store's top, by its listing alone (no further reads): a Maildir
    (cur/ and new/), a Thunderbird profile (prefs.js and Mail/ or ImapMail/), a Thunderbird folder
    (.msf summaries) or a folder of Apple Mail mailboxes ("Name.mbox" folders)."""
    if "cur" in dirs and "new" in dirs:
        return True
    if "prefs.js" in files and ("Mail" in dirs or "ImapMail" in dirs):
        return True
    if any(f.endswith(".msf") for f in files):
        return True
    return any(d.endswith(".mbox") for d in dirs)


def fingerprint(path: Path, *, limit: int = 1_000_000) -> str:
    """A hash of the store's file names, sizes and modification times (an Outlook file: its own),
    which changes when mail arrives, is deleted or changes flags; "" when it cannot be listed."""
    digest = hashlib.sha256()
    try:
        if path.is_file():
            st = path.stat()
            digest.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
            return digest.hexdigest()
        count = 0
        for top, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                try:
                    st = os.stat(os.path.join(top, name))
                except OSError:
                    continue
                rel = os.path.relpath(os.path.join(top, name), path)
                digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
                count += 1
                if count >= limit:
                    return digest.hexdigest()
    except OSError:
        return ""
    return digest.hexdigest()


def is_outlook_name(path: Path) -> bool:
    return path.suffix.lower() in _OUTLOOK_SUFFIXES

"""A Thunderbird profile, read without touching it: each account's folder under Mail/ (local and
POP) and ImapMail/ (offline copies of IMAP folders) is an mbox file without an extension, its
subfolders in "Name.sbd"; a folder kept as Maildir (Thunderbird's other storage) is read as one.
Files are opened read-only; no lock is taken, no summary file (.msf) read or written, so a
running Thunderbird is not disturbed. Messages Thunderbird marked deleted but has not yet compacted
away (X-Mozilla-Status 0x0008) are left out."""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from desktop.core.mailstores.folders import Folder, add_child, visible_subdirs
from desktop.core.mailstores.maildir import is_maildir_folder, maildir_counts, maildir_messages
from desktop.core.mailstores.mboxfile import iter_mbox, kept, mbox_counts, mozilla_flags
from desktop.core.mailstores.options import MailOptions
from desktop.core.mailstores.store import MailStore, StoredMessage

_ACCOUNT_ROOTS = ("Mail", "ImapMail")
_READ, _EXPUNGED = 0x0001, 0x0008
#: The mbox bytes one listing searches for its counts (about 1.3 s on a warm disk, measured at
#: 0.8 GB/s by benchmarks/mail_counts.py); folders beyond it are shown without counts rather
#: than hold up the tree.
COUNT_BUDGET = 1024 * 1024 * 1024
#: Files in an account folder that are Thunderbird's own, not mail folders (they have no .msf).
_NOT_FOLDERS = frozenset({"msgfilterrules.dat", "popstate.dat", "filterlog.html", "junklog.html", "foldertree.json",
                          "virtualfolders.dat", "rules.dat"})


def is_profile(path: Path) -> bool:
    return (path / "prefs.js").is_file() and any((path / r).is_dir() for r in _ACCOUNT_ROOTS)


def looks_like_thunderbird(path: Path) -> bool:
    """A profile, its Mail/ or ImapMail/ folder, an account folder or a ".sbd" folder: somewhere
    holding Thunderbird's .msf summaries beside mbox files (or account folders that do)."""
    if is_profile(path):
        return True
    try:
        names = [e.name for e in os.scandir(path)]
    except OSError:
        return False
    if any(n.endswith(".msf") and n[:-4] in names for n in names):
        return True
    return path.name in _ACCOUNT_ROOTS and any(looks_like_thunderbird(path / n) for n in names if (path / n).is_dir())


def find_profiles() -> list[Path]:
    """The Thunderbird profiles of this user, from profiles.ini in the places Thunderbird keeps it."""
    home = Path.home()
    candidates = [home / ".thunderbird", home / ".mozilla-thunderbird",
                  home / "snap/thunderbird/common/.thunderbird",
                  home / ".var/app/org.mozilla.Thunderbird/.thunderbird",
                  home / "Library/Thunderbird"]
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        candidates.insert(0, Path(os.environ["APPDATA"]) / "Thunderbird")
    found: list[Path] = []
    for base in candidates:
        ini = base / "profiles.ini"
        if not ini.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(ini, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in parser.sections():
            raw = parser.get(section, "Path", fallback="")
            if not raw:
                continue
            relative = parser.get(section, "IsRelative", fallback="1") == "1"
            profile = (base / raw) if relative else Path(raw)
            if is_profile(profile) and profile not in found:
                found.append(profile)
    return found


class ThunderbirdStore(MailStore):
    kind = "thunderbird"
    label = "a Thunderbird profile"

    def folders(self) -> Folder:
        root = Folder(name=self.name, path="", selectable=False)
        seen = [0]
        if is_profile(self.location):
            for account_root in _ACCOUNT_ROOTS:
                base = self.location / account_root
                for account in visible_subdirs(base):
                    node = add_child(root, account.name, None, self.limits, seen, selectable=False)
                    if node is not None:
                        self._folder_level(account, node, seen, 0)
        elif self.location.name in _ACCOUNT_ROOTS:
            for account in visible_subdirs(self.location):
                node = add_child(root, account.name, None, self.limits, seen, selectable=False)
                if node is not None:
                    self._folder_level(account, node, seen, 0)
        else:
            self._folder_level(self.location, root, seen, 0)
        return root

    def _folder_level(self, base: Path, node: Folder, seen: list[int], depth: int) -> None:
        """The folders in ``base``: mbox files (and Maildir folders), each with its "Name.sbd"."""
        if depth > 32:
            return
        try:
            entries = {e.name: e for e in os.scandir(base)}
        except OSError:
            return
        names = sorted(n for n, e in entries.items() if _is_folder_file(n, e, entries) or
                       (e.is_dir() and is_maildir_folder(Path(e.path))))
        subdirs = sorted(n[:-4] for n, e in entries.items() if n.endswith(".sbd") and e.is_dir())
        for name in sorted(set(names) | set(subdirs), key=str.casefold):
            ref = base / name if name in names else None
            child = add_child(node, name, ref, self.limits, seen, selectable=ref is not None)
            if child is None:
                return
            if name in subdirs:
                self._folder_level(base / f"{name}.sbd", child, seen, depth + 1)

    def fill_counts(self, root: Folder) -> None:
        """Each folder's messages and unread ones from its X-Mozilla-Status headers (a Maildir
        folder's from its file names), searched within ``COUNT_BUDGET`` bytes in all; the .msf
        summaries are not read (Mork, and a running Thunderbird rewrites them)."""
        left = COUNT_BUDGET
        for folder in root.walk():
            if folder.ref is None:
                continue
            path = Path(folder.ref)
            try:
                if path.is_dir():
                    folder.count, folder.unread = maildir_counts(path)
                    continue
                if path.stat().st_size > left:
                    continue
                found = mbox_counts(path)
            except (OSError, ValueError):  # ValueError: mmap of a file that shrank meanwhile
                continue
            left -= found.scanned
            folder.count, folder.unread = found.count, found.unread

    def messages(self, folder: Folder, options: MailOptions) -> Iterator[StoredMessage]:
        path = Path(folder.ref)
        if path.is_dir():
            yield from maildir_messages(path, unseen_only=options.unseen)
            return
        with open(path, "rb") as fh:  # read-only, shared: Thunderbird may have it open too
            for number, entry in enumerate(iter_mbox(fh, self.limits.max_message_bytes), 1):
                flags = mozilla_flags(entry.data) if entry.data is not None else None
                if flags is not None and flags & _EXPUNGED:
                    continue
                yield StoredMessage(key=str(number), load=kept(entry.data), size=entry.size,
                                    seen=bool(flags & _READ) if flags is not None else None)


def _is_folder_file(name: str, entry: os.DirEntry[str], entries: dict[str, os.DirEntry[str]]) -> bool:
    """An mbox folder: a file with a .msf beside it, or one without an extension that is empty or
    opens with a "From " line (a folder whose summary was deleted)."""
    if name.startswith(".") or name.endswith((".msf", ".sbd")) or name.lower() in _NOT_FOLDERS:
        return False
    try:
        if not entry.is_file():
            return False
    except OSError:
        return False
    if f"{name}.msf" in entries:
        return True
    if "." in name:
        return False
    try:
        with open(entry.path, "rb") as fh:
            head = fh.read(5)
    except OSError:
        return False
    return head in (b"", b"From ")

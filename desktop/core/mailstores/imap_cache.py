"""Messages fetched from an IMAP folder, kept in the user's cache folder by UIDVALIDITY and UID
(RFC 3501 2.3.1.1: a UID names the same message for as long as the folder's UIDVALIDITY stays),
so the next digest of the folder fetches only new mail. Owner-only: the folders are 0700, the
files 0600. Pruned: a changed UIDVALIDITY empties the folder's cache, messages expunged on the
server leave it when the folder is next read (``forget_except``), and the whole cache is kept
under its size by ``imap_cache_trim.py`` (least recently used first: a file's modification time
is its last use). A folder whose marker is damaged has its messages set aside, never trusted.
``CachedAccountStore`` reads an account's cache back without the server."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from urllib.parse import unquote

from desktop.core import paths
from desktop.core.atomic import atomic_write_bytes
from desktop.core.mailstores.folders import Folder, add_child, visible_subdirs
from desktop.core.mailstores.imap_account import ImapAccount
from desktop.core.mailstores.options import MailOptions
from desktop.core.mailstores.store import MailStore, StoredMessage

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^\w .@+-]", re.UNICODE)
_VALIDITY = ".uidvalidity"


def _segment(name: str) -> str:
    """A folder or account name as one safe path segment (no separators, no '..', no ':')."""
    safe = _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), name)
    return "%2E" + safe[1:] if safe.startswith(".") else (safe or "%00")


def cache_root() -> Path:
    """Where every account's cached messages are: the one size cap holds for all of them."""
    return paths.cache_dir() / "imap"


def account_folder(account: ImapAccount) -> Path:
    root = cache_root()
    _private_dir(root)
    folder = root / _segment(account.label.replace(":", "_"))
    _private_dir(folder)
    return folder


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)


class FolderCache:
    def __init__(self, account_dir: Path, folder_path: str) -> None:
        self.dir = account_dir.joinpath(*(_segment(p) for p in folder_path.split("/") if p))

    def open(self, uidvalidity: int) -> str | None:
        """Use the cache for this UIDVALIDITY: messages cached under another one are deleted (their
        UIDs name other messages now). A marker that cannot be read, or messages without one, is a
        damaged cache: its messages are set aside in a hidden folder (the size cap removes them in
        time) and the sentence that says so is returned."""
        _private_dir(self.dir)
        marker = self.dir / _VALIDITY
        try:
            kept: int | None = int(marker.read_text(encoding="ascii").strip())
        except FileNotFoundError:
            kept = None
        except (OSError, ValueError, UnicodeDecodeError):
            kept = -1
        if kept == uidvalidity:
            return None
        cached = list(self.dir.glob("*.eml"))
        note = None
        if cached and (kept is None or kept == -1):
            note = self._set_aside(cached)
        else:
            for old in cached:
                with contextlib.suppress(OSError):
                    old.unlink()
        atomic_write_bytes(marker, str(uidvalidity).encode("ascii"))
        return note

    def _set_aside(self, cached: list[Path]) -> str:
        aside = self.dir / f".damaged-{int(time.time())}"
        log.warning("IMAP cache folder %s has a damaged marker; its %d messages are set aside", self.dir, len(cached))
        try:
            _private_dir(aside)
            for old in cached:
                old.replace(aside / old.name)
        except OSError:
            for old in cached:  # the disk will not let them be kept: a cache is fetched again
                with contextlib.suppress(OSError):
                    old.unlink()
        return (f"The cached mail of {self.dir.name} was damaged; it was set aside and the messages are "
                "fetched again.")

    def forget_except(self, uids: Iterable[int]) -> int:
        """Delete the cached messages whose UIDs are not in ``uids`` (every UID the folder holds
        now: the rest were expunged on the server); how many went."""
        present = set(uids)
        gone = 0
        for cached in self.dir.glob("*.eml"):
            if cached.stem.isdigit() and int(cached.stem) not in present:
                with contextlib.suppress(OSError):
                    cached.unlink()
                    gone += 1
        return gone

    def holds_any(self) -> bool:
        return next(self.dir.glob("*.eml"), None) is not None

    def path(self, uid: int) -> Path:
        return self.dir / f"{uid}.eml"

    def size(self, uid: int) -> int | None:
        """The cached message's size; None when it is not cached (or was cut short, size 0)."""
        try:
            size = self.path(uid).stat().st_size
        except OSError:
            return None
        return size or None

    def put(self, uid: int, data: bytes) -> None:
        """Written beside its place, private from the start, then renamed over it: a reader never
        sees half a message. No fsync: this is a cache, and a message lost in a crash is fetched
        again (an fsync per message made a first digest of 2,000 messages 8 s slower)."""
        target = self.path(uid)
        tmp = target.with_name(f".{target.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def get(self, uid: int) -> bytes:
        """The cached message; its modification time becomes now, its last use (what the size
        cap keeps longest)."""
        return read_and_touch(self.path(uid))


def read_and_touch(path: Path) -> bytes:
    data = path.read_bytes()
    with contextlib.suppress(OSError):
        os.utime(path)
    return data


def is_account_folder(path: Path) -> bool:
    """An IMAP account's folder in the cache: what the path of a Document read from an IMAP
    account names (the messages it cites are there)."""
    try:
        return path.is_dir() and path.parent.resolve() == (paths.cache_dir() / "imap").resolve()
    except OSError:
        return False


class CachedAccountStore(MailStore):
    """An IMAP account's messages as the cache holds them, read without the server: the same
    folder paths, and messages in UID order as the server gives them, so a reopened digest's
    citations find their messages offline. Only what was fetched is there, and no read flags."""

    kind = "imap-cache"
    label = "an IMAP account's cached mail"

    def folders(self) -> Folder:
        root = Folder(name=self.name, path="", selectable=False)
        self._level(self.location, root, [0], 0)
        return root

    def _level(self, base: Path, node: Folder, seen: list[int], depth: int) -> None:
        if depth > 32:
            return
        for sub in visible_subdirs(base):
            child = add_child(node, unquote(sub.name), sub, self.limits, seen, selectable=(sub / _VALIDITY).is_file())
            if child is None:
                return
            self._level(sub, child, seen, depth + 1)

    def messages(self, folder: Folder, options: MailOptions) -> Iterator[StoredMessage]:
        found = [(int(p.stem), p) for p in Path(folder.ref).glob("*.eml") if p.stem.isdigit()]
        for uid, path in sorted(found):
            yield StoredMessage(key=str(uid), load=partial(read_and_touch, path), size=_size(path))


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None

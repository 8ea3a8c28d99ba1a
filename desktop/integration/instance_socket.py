"""Where the running window listens: one name per user and per data folder (``PRECIS_HOME``), and
on Unix a socket file inside a folder only its owner can enter.

Qt's ``WorldAccessOption`` only sets the socket file's mode, and a second ``listen()`` on the same
name silently takes it over; a private (0700) folder owned by the user is what keeps other users
out, so this module refuses a folder that another user owns or that others can enter.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import stat
import sys
import tempfile
import time
from pathlib import Path

from desktop.core import paths
from desktop.core.errors import PrecisError


class UnsafeSocketFolder(PrecisError):
    """The folder for the app's socket belongs to someone else or is open to others."""


def instance_key() -> str:
    """Short and stable: a hash of the user and the data folder, so two ``PRECIS_HOME`` folders
    (portable installs, tests) are two instances."""
    data = f"{_user()}\0{paths.data_dir()}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()[:16]


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


def socket_folder() -> Path:
    """``$XDG_RUNTIME_DIR/precis`` where the desktop provides one, else ``<tmp>/precis-<uid>``;
    created 0700 and checked to be ours and private."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())
    folder = base / ("precis" if runtime and base == Path(runtime) else f"precis-{os.getuid()}")
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError as exc:
        raise UnsafeSocketFolder(f"Precis could not create its private folder {folder}: {exc.strerror or exc}.") from None
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeSocketFolder(f"{folder} is not a folder (a link or a file), so Precis will not put its socket there.")
    if info.st_uid != os.getuid():
        raise UnsafeSocketFolder(f"{folder} belongs to another user, so Precis will not put its socket there.")
    if info.st_mode & 0o077:
        os.chmod(folder, 0o700)
    return folder


def server_name() -> str:
    """The name for QLocalServer/QLocalSocket: a full socket path on Unix (inside the private
    folder), a per-user pipe name on Windows."""
    if sys.platform == "win32":
        return f"precis-{_safe(_user())}-{instance_key()}"
    return str(socket_folder() / f"precis-{instance_key()}.sock")


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:40] or "user"


#: A starting window holds the start lock until it listens; launches that find it wait this long
#: for the socket instead of opening a second window (Explorer starts one process per file).
START_LOCK_STALE_S = 15.0


def start_lock_path() -> Path:
    if sys.platform == "win32":
        return paths.cache_dir() / f"instance-{instance_key()}.starting"
    return socket_folder() / f"precis-{instance_key()}.starting"


def take_start_lock() -> bool:
    """True when this process is the one to start the window (the lock is taken, or was left by a
    start that died more than ``START_LOCK_STALE_S`` ago); False when another start is under way."""
    lock = start_lock_path()
    for _attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                if time.time() - lock.stat().st_mtime < START_LOCK_STALE_S:
                    return False
                lock.unlink()
            except FileNotFoundError:
                pass
            continue
        except OSError:
            return True  # no lock possible here: start, as before the lock existed
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True
    return False


def release_start_lock() -> None:
    try:
        start_lock_path().unlink()
    except (OSError, PrecisError):
        pass

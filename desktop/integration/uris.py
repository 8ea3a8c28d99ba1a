"""File names as file managers hand them over: plain paths (absolute or relative to the sender's
folder), ``file://`` URIs (percent-encoded, UTF-8), and remote URIs that Precis cannot open
directly (sftp://, smb://, http://...), each of which gets one sentence instead of a traceback."""

from __future__ import annotations

import ntpath
import os
import re
import socket
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: "scheme:" as RFC 3986 spells it; two letters at least, so "C:\\x" stays a Windows path.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def scheme(text: str) -> str | None:
    """The URI scheme of ``text`` in lower case, or None for a plain path."""
    m = _SCHEME.match(text)
    return m.group(1).lower() if m else None


def local_path(text: str, cwd: str | None = None) -> str | None:
    """The local path ``text`` names (a ``file://`` URI decoded, a relative path joined to
    ``cwd``), or None when it names something on another machine or is not a file name."""
    kind = scheme(text)
    if kind is not None and cwd and os.path.exists(os.path.join(cwd, text)):
        kind = None  # a relative name with a colon in it ("minutes:draft.txt"), not a URI
    if kind is None:
        if cwd and not os.path.isabs(text) and not ntpath.isabs(text):
            return str(Path(cwd) / text)
        return text
    if kind != "file":
        return None
    parts = urlsplit(text)
    path = unquote(parts.path, encoding="utf-8", errors="surrogateescape")
    if parts.netloc and parts.netloc.lower() not in ("localhost", socket.gethostname().lower()):
        return f"//{parts.netloc}{path}"  # a UNC share, as Qt's toLocalFile gives it
    if re.match(r"^/[A-Za-z]:", path):
        path = path[1:]  # file:///C:/x on Windows
    return path or None


def not_local_reason(text: str) -> str:
    """Why ``text`` cannot be read from here, in a few words for the list of left-out items."""
    kind = scheme(text) or "?"
    if kind in {"sftp", "smb", "ftp", "ftps", "dav", "davs", "afp", "nfs", "ssh", "fish", "mtp", "gphoto2", "google-drive"}:
        return f"on another computer or device ({kind}://); copy it to this computer first"
    if kind in {"http", "https"}:
        return "a web address; download the file first, then give it to Precis"
    if kind in {"trash", "recent", "network", "computer", "burn"}:
        return f"a place in the file manager ({kind}:), not a file; restore or open the file itself"
    return f"not a file on this computer ({kind}:)"


def display_name(text: str) -> str:
    """A short name for a message: the last part of a path or URI, decoded."""
    if scheme(text):
        tail = unquote(urlsplit(text).path.rstrip("/").rsplit("/", 1)[-1])
        return tail or text
    return Path(text).name or text

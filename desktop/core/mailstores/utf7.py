"""IMAP's modified UTF-7 for folder names (RFC 3501 section 5.1.3), which Dovecot's Maildir++
folders use on disk too: "Entw&APw-rfe" is "Entwürfe"."""

from __future__ import annotations

import base64
import binascii


def decode(name: str) -> str:
    """The folder name as people read it; a malformed "&...-" run is kept as it was written."""
    out: list[str] = []
    i = 0
    while i < len(name):
        amp = name.find("&", i)
        if amp < 0:
            out.append(name[i:])
            break
        out.append(name[i:amp])
        end = name.find("-", amp + 1)
        if end < 0:
            out.append(name[amp:])
            break
        run = name[amp + 1:end]
        if not run:
            out.append("&")
        else:
            try:
                padded = run.replace(",", "/") + "=" * (-len(run) % 4)
                out.append(base64.b64decode(padded, validate=True).decode("utf-16-be"))
            except (binascii.Error, UnicodeDecodeError, ValueError):
                out.append(name[amp:end + 1])
        i = end + 1
    return "".join(out)


def encode(name: str) -> str:
    """A folder name as an IMAP server expects it in a command."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            data = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)

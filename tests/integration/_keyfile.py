"""A strict reader for GLib/KDE key files (.desktop, .nemo_action) and the Desktop Entry Exec
rules, to check generated files the way the desktops read them.

https://specifications.freedesktop.org/desktop-entry-spec/latest/ (basic format, Exec key).
"""

from __future__ import annotations

import re

_GROUP = re.compile(r"^\[([^\[\]\x00-\x1f]+)\]$")
_KEY = re.compile(r"^([A-Za-z0-9-]+(?:\[[^\]]+\])?)\s*=\s*(.*)$")


def parse(text: str) -> dict[str, dict[str, str]]:
    """Groups of unescaped values; raises ValueError on anything GLib's parser rejects (a line
    outside a group, a malformed line, a repeated group or key, a bad escape)."""
    groups: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if m := _GROUP.match(line):
            if m.group(1) in groups:
                raise ValueError(f"line {number}: group {m.group(1)} twice")
            current = groups[m.group(1)] = {}
        elif (m := _KEY.match(line)) and current is not None:
            if m.group(1) in current:
                raise ValueError(f"line {number}: key {m.group(1)} twice")
            current[m.group(1)] = _unescape(m.group(2), number)
        else:
            raise ValueError(f"line {number}: not a group, key or comment: {line!r}")
    return groups


def _unescape(value: str, number: int) -> str:
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\":
            if i + 1 >= len(value) or value[i + 1] not in "sntr\\;":
                raise ValueError(f"line {number}: bad escape in {value!r}")
            nxt = value[i + 1]
            out.append({"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\", ";": "\\;"}[nxt])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_exec(value: str) -> list[str]:
    """The Exec value's arguments: space-separated, double-quoted ones with ``\\" \\` \\$ \\\\``
    escaped; ``%%`` is a literal percent. Field codes stay as they are."""
    args: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == " ":
            i += 1
            continue
        if value[i] == '"':
            arg, i = [], i + 1
            while True:
                if i >= len(value):
                    raise ValueError(f"unterminated quote in {value!r}")
                c = value[i]
                if c == "\\" and i + 1 < len(value) and value[i + 1] in '"`$\\':
                    arg.append(value[i + 1])
                    i += 2
                elif c == '"':
                    i += 1
                    break
                elif c in "`$\\":
                    raise ValueError(f"unescaped {c!r} inside quotes in {value!r}")
                else:
                    arg.append(c)
                    i += 1
            args.append("".join(arg).replace("%%", "%"))
        else:
            j = value.find(" ", i)
            j = len(value) if j < 0 else j
            token = value[i:j]
            if set(token) & set("\"'\\><~|&;$*?#()`"):
                raise ValueError(f"reserved character outside quotes in {token!r}")
            args.append(token if token.startswith("%") and len(token) == 2 else token.replace("%%", "%"))
            i = j
    return args

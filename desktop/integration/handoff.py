"""The message a second ``precis`` launch sends to the running window: one line of JSON with the
files, the working folder, the action and the protocol version, checked before anything acts on it.

The window must never crash on what a local client sends, so ``decode`` accepts only the exact
shape below and raises ``HandoffRejected`` (one sentence, logged by the server) for anything else.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from desktop import __version__
from desktop.core.errors import PrecisError

PROTOCOL_VERSION = 1
#: A message is one line; a longer one is dropped unread (a paste of 10,000 long paths fits).
MAX_MESSAGE_BYTES = 1024 * 1024
#: The server drops a client that has not sent a whole line in this time.
READ_TIMEOUT_S = 2.0
#: A second launch waits this long for the running window's answer before opening its own.
ANSWER_TIMEOUT_S = 2.0
MAX_FILES = 10_000
MAX_PATH_CHARS = 32_768

#: ``precis FILE...`` (open: one job, like a drop), ``--summarize`` (one digest per file or
#: folder) and ``--summarize-together`` (one digest of the whole selection).
ACTIONS = ("open", "summarize", "summarize-together")


class HandoffRejected(PrecisError):
    """A client sent something that is not a Precis hand-over message; nothing is queued."""


@dataclass(frozen=True, slots=True)
class Handoff:
    files: tuple[str, ...]
    cwd: str
    action: str = "open"
    protocol_version: int = PROTOCOL_VERSION
    app_version: str = field(default=__version__, compare=False)


def make(files: Sequence[str], action: str = "open", cwd: str | None = None) -> Handoff:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return Handoff(files=tuple(str(f) for f in files), cwd=cwd if cwd is not None else os.getcwd(), action=action)


def encode(handoff: Handoff) -> bytes:
    """One JSON line. ``ensure_ascii`` keeps undecodable file-name bytes (surrogate escapes on
    Linux) as ``\\udcXX`` escapes, which decode back to the same name."""
    body = {"protocol_version": handoff.protocol_version, "app_version": handoff.app_version,
            "action": handoff.action, "cwd": handoff.cwd, "files": list(handoff.files)}
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def decode(data: bytes) -> Handoff:
    """The message in ``data`` (one line, newline optional), or ``HandoffRejected`` saying why not."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise HandoffRejected(f"The message is {len(data)} bytes, more than the {MAX_MESSAGE_BYTES} allowed.")
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HandoffRejected(f"The message is not JSON ({type(exc).__name__}).") from None
    if not isinstance(body, dict):
        raise HandoffRejected("The message is not a JSON object.")
    version = body.get("protocol_version")
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        raise HandoffRejected(f"The message has protocol version {version!r}; this Precis speaks {PROTOCOL_VERSION}.")
    action, cwd, files = body.get("action"), body.get("cwd"), body.get("files")
    if action not in ACTIONS:
        raise HandoffRejected(f"The message asks for an unknown action {action!r}.")
    if not isinstance(cwd, str) or not _plausible_path(cwd):
        raise HandoffRejected("The message has no usable working folder.")
    if not isinstance(files, list) or len(files) > MAX_FILES:
        raise HandoffRejected(f"The message's file list is missing or longer than {MAX_FILES}.")
    if not all(isinstance(f, str) and _plausible_path(f) for f in files):
        raise HandoffRejected("The message's file list holds something that is not a file name.")
    app_version = body.get("app_version")
    return Handoff(files=tuple(files), cwd=cwd, action=action,
                   app_version=app_version if isinstance(app_version, str) else "unknown")


def _plausible_path(text: str) -> bool:
    return 0 < len(text) <= MAX_PATH_CHARS and "\x00" not in text

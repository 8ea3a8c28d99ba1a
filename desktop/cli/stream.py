"""``precis-cli summarize --stream``: every engine event as one JSON line on stdout, as it happens.

A program reading the lines can show what the app's window shows: the extractive preview at
once (``"event": "preview"``, with ``replaced``: the points the model has since rewritten),
chunk and merge summaries as they finish, progress, notices, and last the digest.
"""

from __future__ import annotations

import json
import sys
import time
from typing import IO, Any

from desktop.core.digest import Digest
from desktop.core.events import Event, Notice, Partial, Preview, Progress


class JsonLines:
    """An event callback writing ``{"event": ..., "t": seconds since start, ...}`` lines, flushed."""

    def __init__(self, out: IO[str] | None = None) -> None:
        self.out = out or sys.stdout
        self.started = time.monotonic()

    def __call__(self, event: Event) -> None:
        line = as_json(event)
        if line is not None:
            self.write(line)

    def digest(self, digest: Digest) -> None:
        self.write({"event": "digest", "digest": digest.to_dict()})

    def write(self, line: dict[str, Any]) -> None:
        line = {"event": line.pop("event"), "t": round(time.monotonic() - self.started, 3), **line}
        self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.out.flush()


def as_json(event: Event) -> dict[str, Any] | None:
    if isinstance(event, Preview):
        return {"event": "preview", "replaced": list(event.replaced), "digest": event.digest.to_dict()}
    if isinstance(event, Partial):
        return {"event": "partial", "text": event.text, "source": event.source, "level": event.level,
                "locators": list(event.locators)}
    if isinstance(event, Progress):
        return {"event": "progress", "stage": event.stage, "done": event.done, "total": event.total, "eta_s": event.eta_s}
    if isinstance(event, Notice):
        return {"event": "notice", "text": event.text, "path": event.path, "error": event.error}
    return None

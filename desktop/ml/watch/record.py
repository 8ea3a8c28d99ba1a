"""Where a watched file's digest goes: the output folder (each file atomically), History, then
the manifest row (fsynced) — in that order, so a crash between them only means it is redone. A
mailbox's bundle (a folder's new messages in one mbox file) gets one digest and a row per message,
so each message is done on its own: a restart never summarizes it again."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from desktop.core.atomic import atomic_write_text
from desktop.core.digest import Digest
from desktop.core.history import History
from desktop.core.render import to_markdown
from desktop.core.watch.events import Digested, Failed, Started, WatchEvent
from desktop.core.watch.sources import SourceItem
from desktop.ml.batch.manifest import Manifest, Row
from desktop.ml.batch.plan import FORMATS
from desktop.ml.batch.task import UnitResult

if TYPE_CHECKING:
    from desktop.ml.watch.watcher import WatchOptions

log = logging.getLogger(__name__)


class Recorder:
    def __init__(self, manifest: Manifest, options: WatchOptions, skey: str, history: History | None,
                 on_event: Callable[[WatchEvent], None]) -> None:
        self.manifest = manifest
        self.options = options
        self.skey = skey
        self.history = history
        self.on_event = on_event
        self._started: dict[str, float] = {}

    def started(self, item: SourceItem, sha: str) -> None:
        self._started[item.key] = time.monotonic()
        self.on_event(Started(item.key, item.name))

    def record(self, result: UnitResult, item: SourceItem, sha: str, attempts: int,
               parts: list[tuple[SourceItem, str]] | None = None) -> None:
        seconds = time.monotonic() - self._started.pop(item.key, time.monotonic())
        outputs: list[str] = []
        entry_id = None
        status, error, message = result.status, result.error, result.message
        title = ""
        # A bundle's source is its file (History reopens it); a folder's file is its name.
        source = str(item.path) if parts and item.path is not None else item.name
        if status == "done":
            try:
                digest = Digest.from_dict(json.loads(result.texts[".json"]))
                title = digest.title
                if self.options.out_dir is not None:
                    for ext in FORMATS[self.options.fmt]:
                        rel = _stem(item, self.options) + ext
                        target = self.options.out_dir / rel
                        target.parent.mkdir(parents=True, exist_ok=True)
                        atomic_write_text(target, result.texts[ext])
                        outputs.append(rel)
                if self.history is not None:
                    # With citation links, as the window's own jobs keep it: reopened, its citations open the source.
                    entry_id = self.history.add(digest, [source], to_markdown(digest, links=True)).id
            except (OSError, ValueError, KeyError) as exc:
                status, error = "failed", "WatchError"
                message = f"The digest of {item.name} could not be saved: {getattr(exc, 'strerror', None) or exc}."
        for key, part_sha in ((p.key, s) for p, s in parts) if parts else ((item.key, sha),):
            self.manifest.append(Row(key=key, sources=[source], sha256=part_sha, settings_key=self.skey, status=status,
                                     error=error, message=message, seconds=round(result.seconds, 3), outputs=outputs,
                                     file_errors=result.file_errors, attempts=attempts, run="watch"))
        if status == "done":
            self.on_event(Digested(item.key, item.name, title, entry_id, tuple(outputs), round(seconds, 3),
                                   round(result.seconds, 3)))
        else:
            self.on_event(Failed(item.key, item.name, error or "EngineError", message or f"{item.name} failed."))


def _stem(item: SourceItem, options: WatchOptions) -> str:
    """``DIR/<source folder name>/<path inside it>``: two watched folders never collide; a mailbox's
    bundle: ``DIR/mail/<mailbox>/<folder>/<its file's name>``."""
    if item.parts and item.path is not None:
        return "mail/" + "/".join(item.path.parts[-4:-3] + item.path.parts[-2:-1]) + "/" + item.path.stem
    if item.path is not None:
        for source in options.sources:
            root = getattr(source, "root", None)
            if root is not None:
                try:
                    return f"{root.name}/{item.path.relative_to(root).as_posix()}"
                except ValueError:
                    continue
    return "_items/" + "".join(c if c.isalnum() or c in "-_." else "_" for c in item.key)[-120:]


"""What every reader is handed besides the bytes: where they came from and how far to go."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from desktop.core.errors import LimitExceeded
from desktop.core.events import CancelToken, Event, EventCallback
from desktop.core.ingest.audio.options import DEFAULT_RECORDING, RecordingOptions
from desktop.core.ingest.ocr.options import DEFAULT_OCR, OcrOptions
from desktop.core.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True, slots=True)
class ReadContext:
    """``path`` is the file on disk; ``part`` the attachment chain inside it, if any."""

    path: Path
    limits: Limits = DEFAULT_LIMITS
    password: str | None = None
    part: str | None = None
    depth: int = 0
    #: OCR choices, and where a long read (recognizing pages) reports progress and sees Cancel.
    ocr: OcrOptions = DEFAULT_OCR
    #: Recordings: the speech model and what to do with speech not in English.
    recording: RecordingOptions = DEFAULT_RECORDING
    on_event: EventCallback | None = None
    cancel: CancelToken | None = None

    def report(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def cancel_check(self) -> None:
        """Raise ``Cancelled`` if the job was cancelled (readers call it between pages)."""
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()

    @property
    def name(self) -> str:
        """The name a user recognises: the file's, or the attachment's inside it."""
        if self.part:
            return self.part.rsplit("/", 1)[-1]
        return self.path.name

    @property
    def display_name(self) -> str:
        return f"{self.path.name} › {self.part}" if self.part else self.path.name

    def child(self, name: str) -> ReadContext:
        """Context for an attachment; refuses to go deeper than ``limits.max_depth``."""
        if self.depth + 1 > self.limits.max_depth:
            raise LimitExceeded(
                f"{self.display_name} nests attachments more than {self.limits.max_depth} levels deep; "
                "the deeper ones were not read.",
                self.path,
            )
        safe = name.replace("/", "_").replace("\\", "_") or "attachment"
        part = f"{self.part}/{safe}" if self.part else safe
        # An attachment never inherits the password typed for its parent.
        return replace(self, part=part, depth=self.depth + 1, password=None)

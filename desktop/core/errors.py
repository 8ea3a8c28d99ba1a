"""Typed failures, each carrying one sentence a non-programmer understands.

The GUI and the CLI never show a traceback for bad input: they show ``error.message``.
Subclass names are part of the CLI's JSON output (``"error": "PasswordRequired"``), so renaming
one is a breaking change.
"""

from __future__ import annotations

from pathlib import Path


class PrecisError(Exception):
    """Base of every error Precis explains to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def name(self) -> str:
        return type(self).__name__


class DocumentError(PrecisError):
    """A file could not be turned into a Document; the other files of a job go on."""

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None


class UnsupportedFormat(DocumentError):
    """The bytes are not a format Precis reads (whatever the extension says)."""


class PasswordRequired(DocumentError):
    """The file is encrypted and the password we have (none, or the one given) does not open it."""

    def __init__(self, message: str, path: Path | str | None = None, *, wrong_password: bool = False) -> None:
        super().__init__(message, path)
        self.wrong_password = wrong_password


class NoTextLayer(DocumentError):
    """A PDF made of images only (a scan): there is no text to summarize without OCR."""


class EmptyDocument(DocumentError):
    """The file opened fine but holds no text at all."""


class NoSpeech(EmptyDocument):
    """A recording whose sound holds no speech the voice-activity filter finds ("no speech found")."""


class NoAudioTrack(EmptyDocument):
    """A video (or other media file) with no sound track at all: nothing to transcribe."""


class TranscriberMissing(DocumentError):
    """A recording, but no speech model (Whisper) is installed to transcribe it."""


class CorruptFile(DocumentError):
    """The file is damaged beyond what the reader can recover."""


class LimitExceeded(DocumentError):
    """The file is larger, deeper or more compressed than the configured safety limits allow."""


class FileUnreadable(DocumentError):
    """The operating system would not let us read the file (missing, permissions, a folder...)."""


class MailServerError(DocumentError):
    """A mail server (IMAP) could not be reached, refused TLS, dropped the connection, stopped
    answering or answered in a way Precis does not accept; the sentence says which."""


class EngineError(PrecisError):
    """Summarization could not run (model missing, backend failed); the reason is in the message."""


class ModelNotFound(EngineError):
    """The named model is neither in the store nor a folder holding a model."""


class InvalidModel(EngineError):
    """A folder offered as a model is not a usable T5 seq2seq model with safetensors and a tokenizer."""


class HubUnreachable(EngineError):
    """The model download could not reach the Hugging Face Hub."""


class DownloadError(EngineError):
    """A model download failed for a reason other than the network being down (checksum, disk...)."""


class Cancelled(PrecisError):
    """The user pressed Cancel; not a failure, but it unwinds the same way."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)


class PairsError(PrecisError):
    """A fine-tuning pairs file is malformed; the message says which line and why."""


class FinetuneError(EngineError):
    """Fine-tuning could not start or finish (settings, a model too large, a name taken); the reason is in the message."""


class BatchError(PrecisError):
    """A batch run cannot start or go on (its output folder is locked or unwritable, a cluster unreachable)."""


class WorkerCrashed(EngineError):
    """The process summarizing a file died (killed, out of memory) more often than a batch retries it."""


class RollupError(PrecisError):
    """A roll-up's period or sources could not be understood."""


class TemplateError(PrecisError):
    """A digest template file is malformed or names something Precis does not know (the sentence names the line)."""


class WatchError(PrecisError):
    """A watched source could not be watched (missing, unreadable, already watched into that folder)."""

"""The app's own settings: a typed dataclass saved as JSON, read by the GUI and the CLI alike.

Qt's QSettings keeps only window geometry and splitter state; everything a user chooses lives
here so ``precis-cli`` behaves like the app.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from desktop.core import paths
from desktop.core.atomic import atomic_write_text
from desktop.core.ingest.audio.options import LANGUAGE_MODES
from desktop.core.ingest.ocr.options import MODES as OCR_MODES
from desktop.core.ingest.ocr.options import OcrOptions
from desktop.core.limits import Limits
from desktop.core.support import UNSUPPORTED

log = logging.getLogger(__name__)

LENGTHS = ("short", "medium", "long")
THEMES = ("system", "light", "dark")


@dataclass(slots=True)
class Settings:
    #: None: the default store in the user data folder.
    model_store: str | None = None
    #: A catalog name, an installed model or adapter name, or "extractive".
    model: str = "flan-t5-base"
    backend: str = "auto"
    quantization: str = "int8"
    device: str = "auto"
    #: 0 means "all cores".
    threads: int = 0
    length: str = "medium"
    input_budget: int = 512
    theme: str = "system"
    tree_root: str | None = None
    debug_logging: bool = False
    max_file_mb: int = 100
    max_pages: int = 2000
    #: The most disk the IMAP cache takes, all accounts together (least recently used mail goes first).
    imap_cache_mb: int = 500
    recent_files: list[str] = field(default_factory=list)
    #: OCR of pages and images without a text layer: "auto", "always" or "never"; Tesseract languages.
    ocr: str = "auto"
    ocr_lang: str = "eng"
    #: The digest template every job uses unless it picks one: a name (``precis-cli templates``)
    #: or a template file; "" is the standard digest.
    template: str = ""
    #: Who "me" is in a roll-up: "NAME <ADDRESS>" strings (several forms of one person with ";").
    me: list[str] = field(default_factory=list)
    #: Folders the app watches (summarized in the background as files arrive).
    watched: list[str] = field(default_factory=list)
    #: Points the check stage flags: "flag" them, "drop" them, or "retry" (write once more).
    unsupported: str = "flag"
    #: Mailboxes the user added (``core/mailstores/mailboxes.py``: ``Mailbox.to_plain()`` each;
    #: ``load_mailboxes`` reads them back). Never a password.
    mailboxes: list[dict[str, Any]] = field(default_factory=list)
    #: Recordings: the Whisper model that transcribes them (a catalog name, an installed model or
    #: a folder); speech not in English is "translate"d into English by Whisper or "transcribe"d
    #: in its own language (then the language gate decides); the longest recording read, in hours.
    recording_model: str = "whisper-base"
    recording_language: str = "translate"
    max_recording_hours: float = 8.0

    def store_path(self) -> Path:
        return Path(self.model_store).expanduser() if self.model_store else paths.default_model_store()

    def limits(self) -> Limits:
        return Limits(max_file_bytes=self.max_file_mb * 1024 * 1024, max_pages=self.max_pages,
                      max_recording_seconds=self.max_recording_hours * 3600.0,
                      max_imap_cache_bytes=self.imap_cache_mb * 1024 * 1024)

    def ocr_options(self) -> OcrOptions:
        return OcrOptions(mode=self.ocr, lang=self.ocr_lang)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        s = cls(**{k: v for k, v in data.items() if k in known})
        if s.length not in LENGTHS:
            s.length = "medium"
        if s.theme not in THEMES:
            s.theme = "system"
        s.input_budget = max(128, min(2048, int(s.input_budget)))
        if s.ocr not in OCR_MODES:
            s.ocr = "auto"
        try:
            OcrOptions(lang=s.ocr_lang)
        except ValueError:
            s.ocr_lang = "eng"
        if s.unsupported not in UNSUPPORTED:
            s.unsupported = "flag"
        if s.recording_language not in LANGUAGE_MODES:
            s.recording_language = "translate"
        try:
            s.imap_cache_mb = max(1, int(s.imap_cache_mb))
        except (TypeError, ValueError):
            s.imap_cache_mb = 500
        try:
            s.max_recording_hours = max(0.01, min(1000.0, float(s.max_recording_hours)))
        except (TypeError, ValueError):
            s.max_recording_hours = 8.0
        return s


def settings_file() -> Path:
    return paths.config_dir() / "settings.json"


def load_settings() -> Settings:
    """Settings from disk; a missing or damaged file gives the defaults (and says so in the log)."""
    path = settings_file()
    try:
        return Settings.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError, TypeError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Settings()


def save_settings(settings: Settings) -> None:
    atomic_write_text(settings_file(), json.dumps(settings.to_dict(), indent=2))

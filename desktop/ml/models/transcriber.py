"""The recording options a job reads with: the Whisper model named in the settings (or on the
command line) found in the model store, or the sentence that says how to get one.

The reader (``core/ingest/audio``) knows no model store; this resolves a name or a folder to
the folder it loads, and names the weights (name and revision) for the transcript cache.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from desktop.core.errors import EngineError, InvalidModel
from desktop.core.ingest.audio.options import RecordingOptions
from desktop.core.settings import Settings
from desktop.ml.models.manifest import folder_fingerprint, human_bytes
from desktop.ml.models.store import ModelStore
from desktop.ml.models.whisper_validate import validate_whisper_dir


def recording_options(model: str, *, language: str = "translate", spoken: str | None = None, device: str = "auto",
                      threads: int = 0, use_cache: bool = True, store_root: Path | str | None = None,
                      max_new_tokens: int | None = None, beam_size: int = 5) -> RecordingOptions:
    """Options for reading recordings with ``model`` (an installed model's name or a model folder).

    A model that is not there is not an error here: a job may hold no recording at all. The
    options then carry the sentence a recording's reader will say."""
    base = RecordingOptions(language=language, spoken=spoken, device=device, threads=threads, use_cache=use_cache,
                            max_new_tokens=max_new_tokens, beam_size=beam_size)
    try:
        store: ModelStore | None = ModelStore(store_root)
    except EngineError:
        store = None
    installed = store.get(model) if store is not None else None
    if installed is not None:
        try:
            validate_whisper_dir(installed.path)
        except InvalidModel as exc:
            return replace(base, missing=f"{model} is not a Whisper model ({exc.message}) Choose a Whisper model "
                                         "for recordings in Settings or with --recording-model.")
        return replace(base, model_dir=str(installed.path), model_id=f"{installed.name}@{installed.revision[:16]}")
    folder = Path(model).expanduser()
    if folder.is_dir():
        try:
            info = validate_whisper_dir(folder)
        except InvalidModel as exc:
            return replace(base, missing=exc.message)
        return replace(base, model_dir=str(info.path), model_id=f"{info.path.name}@{folder_fingerprint(info.path)}")
    return replace(base, missing=_missing_sentence(model, store))


def settings_recording_options(settings: Settings) -> RecordingOptions:
    """The options the app's jobs read recordings with, from the user's settings: what the source
    view passes when it reads a recording again, so its transcript comes from the cache."""
    return recording_options(settings.recording_model, language=settings.recording_language, device=settings.device,
                             threads=settings.threads, store_root=settings.model_store)


def _missing_sentence(model: str, store: ModelStore | None) -> str:
    catalog = store.catalog() if store is not None else None
    entry = catalog.get(model) if catalog is not None else None
    if entry is not None and entry.kind == "transcriber":
        return (f"{model} is not downloaded yet; download it in the model manager or with "
                f"`precis-cli models download {model}` (about {human_bytes(entry.download_bytes)}).")
    have = [m.name for m in store.installed() if m.kind == "transcriber"] if store is not None else []
    choice = f"installed: {', '.join(have)}" if have else "none is installed yet"
    default = catalog.default_transcriber if catalog is not None and catalog.default_transcriber else "whisper-base"
    return (f"there is no Whisper model called {model!r} ({choice}); download one with "
            f"`precis-cli models download {default}` or choose another in Settings.")

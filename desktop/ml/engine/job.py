"""One summarization job, start to end: read the files, pick the engine, summarize, report.

The CLI calls ``run_job`` in its own process; the GUI's worker process calls it for each job
in the queue and keeps an ``EnginePool`` so the model is loaded once, not per job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

from desktop.core import paths
from desktop.core.cache import SummaryCache
from desktop.core.digest import Digest
from desktop.core.document import Document
from desktop.core.errors import ModelNotFound, TemplateError
from desktop.core.events import CancelToken, Event, EventCallback, Notice, Progress, TranscriptSoFar, ignore_events
from desktop.core.ingest import OcrOptions, expand_sources, iter_documents
from desktop.core.layout import apply_template
from desktop.core.limits import DEFAULT_LIMITS, Limits
from desktop.core.mailstores.options import DEFAULT_MAIL, MailOptions
from desktop.core.memory import release_memory
from desktop.core.prompting.prompts import PromptLibrary
from desktop.core.prompting.templates import DigestTemplate, load_template
from desktop.core.settings import Settings
from desktop.ml.extractive.engine import ExtractiveEngine

log = logging.getLogger(__name__)

EXTRACTIVE = "extractive"
#: The user's defaults are written once, in ``Settings``; a job without settings gets the same.
_DEFAULT = Settings()


@dataclass(slots=True)
class JobSpec:
    paths: list[str]
    #: "auto" (the model if installed, else extractive), "flan-t5" or "extractive".
    engine: str = "auto"
    model: str = _DEFAULT.model
    backend: str = _DEFAULT.backend
    quantization: str = _DEFAULT.quantization
    device: str = _DEFAULT.device
    threads: int = _DEFAULT.threads
    length: str = _DEFAULT.length
    query: str | None = None
    input_budget: int = _DEFAULT.input_budget
    #: Tokens per merge prompt; 0 = the engine's default (768), the input budget = the old narrow merges.
    merge_budget: int = 0
    passwords: dict[str, str] = field(default_factory=dict)
    password: str | None = None
    use_cache: bool = True
    classify: bool = True
    model_store: str | None = None
    limits: Limits = DEFAULT_LIMITS
    #: Show the model-free engine's digest of the first file at once (a ``Preview`` event).
    preview: bool = True
    #: OCR for pages and images without a text layer ("auto", "always", "never") and its languages.
    ocr: str = _DEFAULT.ocr
    ocr_lang: str = _DEFAULT.ocr_lang
    #: Mail stores among ``paths`` (Maildir, Thunderbird, Apple Mail, .pst, imap:// addresses):
    #: which folders, dates and unread mail to read. ``passwords`` holds an IMAP account's password
    #: under its address.
    mail: MailOptions = DEFAULT_MAIL
    #: A digest template by name or file (``core/prompting/templates.py``); None: the standard digest.
    template: str = _DEFAULT.template
    #: Points the check stage flags (``ml/check/``): "flag", "drop" or "retry".
    unsupported: str = _DEFAULT.unsupported
    #: Recordings: the Whisper model (a name or a folder), what to do with speech not in English
    #: ("translate" or "transcribe"), and the spoken language when known (None: identified).
    recording_model: str = _DEFAULT.recording_model
    recording_language: str = _DEFAULT.recording_language
    spoken_language: str | None = None
    #: Tokens Whisper may write per 30-second window (None: its own 448); benchmarks fix it.
    recording_max_tokens: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings, paths: Iterable[str | Path], **overrides: Any) -> JobSpec:
        """A job over ``paths`` with the user's ``settings`` (the window's in memory, or the file's
        for the CLI), then ``overrides`` (any JobSpec field: ``length="long"``, ``model="extractive"``).
        Choosing the extractive model chooses the extractive engine unless ``engine`` is given."""
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown job setting(s): {', '.join(sorted(unknown))}")
        # Every setting a job shares by name is copied (written once, in Settings); limits are derived.
        shared = {f.name for f in fields(cls)} & {f.name for f in fields(Settings)}
        spec = cls(paths=[str(p) for p in paths], engine=EXTRACTIVE if settings.model == EXTRACTIVE else "auto",
                   limits=settings.limits(), **{name: getattr(settings, name) for name in shared})
        for key, value in overrides.items():
            setattr(spec, key, value)
        if overrides.get("model") == EXTRACTIVE and "engine" not in overrides:
            spec.engine = EXTRACTIVE
        return spec


@dataclass(slots=True)
class JobResult:
    digest: Digest
    documents: list[Document]
    errors: list[dict[str, str]]


class Engine(Protocol):
    name: str
    unsupported: str

    def summarize(self, documents: Iterable[Document], *, length: str = ..., query: str | None = ...,
                  classify: bool = ..., on_event: EventCallback = ..., cancel: CancelToken | None = ...,
                  total: int | None = ...) -> Digest: ...


class EnginePool:
    """Keeps the last loaded model so consecutive jobs with the same settings skip the load."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._model = None

    def text_model(self, spec: JobSpec, on_event: EventCallback, cancel: CancelToken):  # -> TextModel
        from desktop.ml.engine.loader import load_text_model

        key = (spec.model, spec.backend, spec.quantization, spec.device, spec.threads, spec.model_store)
        if self._model is None or key != self._key:
            self.close()
            self._model = load_text_model(
                spec.model, backend=spec.backend, quantization=spec.quantization, device=spec.device,
                threads=spec.threads, store_root=Path(spec.model_store) if spec.model_store else None,
                on_event=on_event, cancel=cancel,
            )
            self._key = key
        return self._model

    def close(self) -> None:
        from desktop.core.ingest.audio import whisper

        if self._model is not None:
            self._model.close()
        self._model = None
        self._key = None
        whisper.release()  # a recording's speech model goes with the job's other model


def choose_engine(spec: JobSpec, pool: EnginePool, on_event: EventCallback, cancel: CancelToken,
                  template: DigestTemplate | None = None) -> Engine:
    """The engine for ``spec``; a template sets the item sections it finds and the model's prompts."""
    engine = _choose_engine(spec, pool, on_event, cancel, template)
    if template is not None:
        engine.item_sections = template.item_sections()  # type: ignore[attr-defined]
    return engine


def _choose_engine(spec: JobSpec, pool: EnginePool, on_event: EventCallback, cancel: CancelToken,
                   template: DigestTemplate | None) -> Engine:
    if spec.engine == EXTRACTIVE or spec.model == EXTRACTIVE:
        return ExtractiveEngine()
    from desktop.ml.engine.summarizer import Summarizer

    try:
        model = pool.text_model(spec, on_event, cancel)
    except ModelNotFound as exc:
        if spec.engine == "flan-t5":
            raise
        on_event(Notice(
            f"{exc.message} Using the built-in extractive engine for now.",
            error=exc.name,
        ))
        return ExtractiveEngine()
    cache = SummaryCache(paths.chunk_cache_db() if spec.use_cache else None)
    prompts = template.overlay(PromptLibrary.load()) if template is not None else None
    return Summarizer(model, cache=cache, prompts=prompts, input_budget=spec.input_budget, merge_budget=spec.merge_budget)


#: A job's documents travel back with its digest (the source view shows them) when it has at most
#: this many files; a bigger job lets each document go once it is summarized, and the app re-reads
#: the files it needs, so memory stays flat over a folder of hundreds of files.
KEEP_FILES = 50


class DocumentStream:
    """Reads a job's files one at a time, as the engine asks for them; failures are collected."""

    def __init__(self, spec: JobSpec, on_event: EventCallback, cancel: CancelToken) -> None:
        self.spec = spec
        self.files = expand_sources(spec.paths, saved_messages=spec.mail.narrowed)
        self.on_event = on_event
        self.cancel = cancel
        self.errors: list[dict[str, str]] = []
        self.kept: list[Document] = []
        self.read = 0
        self.complete = len(self.files) <= KEEP_FILES
        #: Where a recording's transcript so far goes while the rest is transcribed (the preview).
        self.on_transcript: Callable[[TranscriptSoFar], None] | None = None

    def _reader_event(self, event: Event) -> None:
        if isinstance(event, TranscriptSoFar):  # for the preview only, never passed on as it is
            if self.on_transcript is not None:
                self.on_transcript(event)
            return
        self.on_event(event)

    def __iter__(self) -> Iterator[Document]:
        from desktop.ml.models.transcriber import recording_options

        recording = recording_options(self.spec.recording_model, language=self.spec.recording_language,
                                      spoken=self.spec.spoken_language, device=self.spec.device,
                                      threads=self.spec.threads, use_cache=self.spec.use_cache,
                                      store_root=self.spec.model_store, max_new_tokens=self.spec.recording_max_tokens)
        outcomes = iter_documents(self.files, limits=self.spec.limits, passwords=self.spec.passwords,
                                  password=self.spec.password, on_event=self._reader_event, cancel=self.cancel,
                                  ocr=OcrOptions(mode=self.spec.ocr, lang=self.spec.ocr_lang), mail=self.spec.mail,
                                  recording=recording)
        for i, outcome in enumerate(outcomes):
            self.cancel.raise_if_cancelled()
            name = outcome.path.name if isinstance(outcome.path, Path) else outcome.path
            self.on_event(Progress(f"reading {name}", i + 1, len(self.files)))
            if outcome.error is not None:
                self.errors.append({"path": str(outcome.path), "error": outcome.error.name, "message": outcome.error.message})
                self.on_event(Notice(outcome.error.message, str(outcome.path), outcome.error.name))
                continue
            doc = outcome.document
            assert doc is not None
            self.read += 1
            if self.complete:
                self.kept.append(doc)
            yield doc
            del doc, outcome
            release_memory()


def run_job(
    spec: JobSpec,
    *,
    on_event: EventCallback = ignore_events,
    cancel: CancelToken | None = None,
    pool: EnginePool | None = None,
) -> JobResult:
    """Read, summarize, and return the digest; bad files are reported in ``errors`` and skipped."""
    cancel = cancel or CancelToken()
    own_pool = pool is None
    pool = pool or EnginePool()
    started = time.monotonic()
    template = load_template(spec.template) if spec.template else None  # a bad one: TemplateError, before any work
    if template is not None and template.kind != "digest":
        raise TemplateError(f"The template “{template.name}” is a {template.kind} template; pick a digest template.")
    try:
        stream = DocumentStream(spec, on_event, cancel)
        documents: Iterable[Document] = stream
        feed = None
        if spec.preview and EXTRACTIVE not in (spec.engine, spec.model):
            from desktop.ml.engine.preview import PreviewFeed, partial_preview, preview_first

            # The first file is read and previewed before the model loads: cited points in seconds.
            feed = PreviewFeed(on_event, length=spec.length, query=spec.query)
            stream.on_transcript = partial_preview(stream, feed)
            documents = preview_first(stream, feed)
        preview_seconds = time.monotonic() - started
        engine = choose_engine(spec, pool, on_event, cancel, template)
        load_seconds = time.monotonic() - started - preview_seconds
        if feed is not None and hasattr(engine, "preview"):
            engine.preview = feed
        engine.unsupported = spec.unsupported  # what the check stage does with a flagged point
        digest = engine.summarize(documents, length=spec.length, query=spec.query, classify=spec.classify,
                                  on_event=on_event, cancel=cancel, total=len(stream.files))
        errors = stream.errors
        if not stream.read:
            digest = Digest(title="Nothing to summarize", overview="None of the files could be read.", errors=errors)
            return JobResult(digest, [], errors)
        digest.errors = errors + digest.errors
        digest.stats["seconds_total"] = round(time.monotonic() - started, 3)
        digest.stats["load_seconds"] = round(load_seconds, 3)
        digest.stats["first_read_and_preview_seconds"] = round(preview_seconds, 3)
        if template is not None:
            apply_template(digest, template)
        if isinstance(engine, ExtractiveEngine) and spec.engine != EXTRACTIVE and spec.model != EXTRACTIVE:
            digest.warnings.insert(0, "No FLAN-T5 model is installed, so this digest was made by the extractive engine "
                                      "(it quotes the most central sentences). Get FLAN-T5 with: precis-cli models download flan-t5-base")
        return JobResult(digest, stream.kept if stream.complete else [], errors)
    finally:
        if own_pool:
            pool.close()

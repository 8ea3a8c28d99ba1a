"""Load a model for summarization: resolve the name in the store, pick the backend, load once.

"auto" choices are resolved here (CUDA when present, else the fastest installed CPU int8
backend); derived files (ONNX exports, CTranslate2 conversions) go into the model store beside
the weights they were made from, so removing a model removes them too.
"""

from __future__ import annotations

import logging
from pathlib import Path

from desktop.core.events import CancelToken, EventCallback, Notice, Progress, ignore_events
from desktop.ml.backends import create_backend, resolve_auto
from desktop.ml.backends.base import Backend, ModelRef
from desktop.ml.backends.derived import package_versions
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.models.self_check import check_conversion, refusal
from desktop.ml.models.store import ModelStore

log = logging.getLogger(__name__)


def load_text_model(
    name: str,
    *,
    backend: str = "auto",
    quantization: str = "int8",
    device: str = "auto",
    threads: int = 0,
    store_root: Path | None = None,
    on_event: EventCallback = ignore_events,
    cancel: CancelToken | None = None,
) -> TextModel:
    """Raises ModelNotFound (with a sentence naming the download command) or EngineError."""
    cancel = cancel or CancelToken()
    store = ModelStore(store_root)
    ref = store.resolve(name)
    quant = "float32" if quantization in ("none", "float32") else quantization
    if backend == "auto":
        backend, quant, device = resolve_auto(device, quant)
    elif device == "auto":
        device = "cpu"
    on_event(Progress(f"loading {ref.name} ({backend} {quant})", 0, 1))
    engine = create_backend(backend)
    engine.load(ref, device=device, quantization=quant, threads=threads,
                derived_dir=store.derived_root(ref), should_stop=lambda: cancel.cancelled)
    cancel.raise_if_cancelled()
    tokenizer = TokenCounter.for_model(ref.path, cache_dir=store.derived_root(ref))
    self_check(store, ref, engine, backend, quant, device, tokenizer, on_event)
    on_event(Progress(f"loaded {ref.name}", 1, 1))
    log.info("loaded %s with %s", ref.identity, engine.info().summary())
    return TextModel(engine, tokenizer, ref, quant, device)


def self_check(store: ModelStore, ref: ModelRef, engine: Backend, backend: str, quantization: str, device: str,
               tokenizer: TokenCounter, on_event: EventCallback) -> None:
    """A conversion's first load answers the self-check prompts (``models/self_check.py``); one
    that answers unlike the float32 model is closed, its files removed, and refused."""
    manifest_dir = store.model_dir(ref.name) if ref.adapter_path is None and store.is_installed(ref.name) else None
    tools = package_versions({"ctranslate2": "ctranslate2", "onnx": "onnxruntime"}.get(backend, "torch"))
    result = check_conversion(engine, ref, backend, quantization, device, tokenizer.encode, store.derived_root(ref),
                              manifest_dir, tools)
    if result is None:
        return
    log.info("%s", result.sentence(ref.name))
    if not result.passed:
        engine.close()
        store.remove_derived_build(ref, backend, quantization)
        raise refusal(ref.name, result)
    if result.key:  # checked just now, not read back from an earlier load
        on_event(Notice(result.sentence(ref.name)))

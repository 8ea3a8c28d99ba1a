"""Load a model for summarization: resolve the name in the store, pick the backend, load once.

"auto" choices are resolved here (CUDA when present, else the fastest installed CPU int8
backend); derived files (ONNX exports, CTranslate2 conversions) go into the model store beside
the weights they were made from, so removing a model removes them too.
"""

from __future__ import annotations

import logging
from pathlib import Path

from desktop.core.events import CancelToken, EventCallback, Progress, ignore_events
from desktop.ml.backends import create_backend, resolve_auto
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.backends.tokenizer import TokenCounter
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
    on_event(Progress(f"loaded {ref.name}", 1, 1))
    log.info("loaded %s with %s", ref.identity, engine.info().summary())
    return TextModel(engine, tokenizer, ref, quant, device)

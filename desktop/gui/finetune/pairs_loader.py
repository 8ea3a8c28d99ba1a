"""Reads training pairs in a background thread, so documents (PDFs among them) never block the window.

Token lengths are counted with the chosen base model's tokenizer; with no model installed yet
they are estimated from words (a T5 token is about three quarters of an English word).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.core.errors import PrecisError
from desktop.ml.finetune import PairSet

log = logging.getLogger(__name__)

TokenCount = Callable[[str], int]


def estimated_tokens(text: str) -> int:
    """A tokenizer-free estimate: T5's SentencePiece makes about 1.3 tokens of an English word."""
    return round(len(text.split()) * 1.3) + 1


class PairsLoader(QObject):
    """``load(sources, model)``; ``finished`` or ``failed`` carry the number ``load`` returned,
    so a slow read that a newer one replaced is ignored."""

    #: generation, stage ("reading the pairs", "preparing the tokenizer")
    progress = Signal(int, str)
    #: generation, PairSet, whether token counts are exact (the model's tokenizer) or estimated
    finished = Signal(int, object, bool)
    #: generation, error name, sentence
    failed = Signal(int, str, str)

    def __init__(self, store_root: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store_root = Path(store_root)
        self.generation = 0
        self._counters: dict[str, TokenCount] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def load(self, sources: Sequence[Path | str], model: str | None) -> int:
        self.generation += 1
        generation = self.generation
        sources = [str(s) for s in sources]
        thread = threading.Thread(target=self._work, args=(generation, sources, model), name="precis-pairs", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return generation

    def busy(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def wait(self, timeout: float = 30.0) -> None:
        for t in list(self._threads):
            t.join(timeout)

    def _work(self, generation: int, sources: list[str], model: str | None) -> None:
        try:
            count, exact = self._counter(generation, model)
            self._emit(self.progress, generation, "reading the pairs")
            pairs = PairSet.load(sources, count)
        except PrecisError as exc:
            self._emit(self.failed, generation, exc.name, exc.message)
        except Exception as exc:  # the panel must hear of it: no silent thread death
            log.exception("pairs could not be read: %s", sources)
            self._emit(self.failed, generation, type(exc).__name__, f"The pairs could not be read ({exc}).")
        else:
            self._emit(self.finished, generation, pairs, exact)

    @staticmethod
    def _emit(signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the panel was closed and deleted while this thread read
            log.debug("pairs loader outlived its panel")

    def _counter(self, generation: int, model: str | None) -> tuple[TokenCount, bool]:
        if not model:
            return estimated_tokens, False
        with self._lock:
            if model in self._counters:
                return self._counters[model], True
        from desktop.ml.backends.tokenizer import TokenCounter
        from desktop.ml.models.store import ModelStore

        self._emit(self.progress, generation, "preparing the tokenizer")
        store = ModelStore(self.store_root)
        ref = store.resolve(model)
        counter = TokenCounter.for_model(ref.path, store.derived_root(ref) / "tokenizers")
        with self._lock:
            self._counters[model] = counter.count
        return counter.count, True

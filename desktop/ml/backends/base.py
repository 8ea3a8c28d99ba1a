"""The one interface every inference backend implements (torch, ONNX Runtime, CTranslate2).

Nothing outside ``desktop/ml/backends`` knows which backend runs. A backend owns its batching:
it receives all pending prompts of a stage, sorts them by length into batches with little
padding, reports each result as soon as its batch is done, and checks ``should_stop`` between
batches and inside generation so Cancel acts within a second.
"""

from __future__ import annotations

import abc
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar

ShouldStop = Callable[[], bool]
OnResult = Callable[[int, str], None]


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    max_new_tokens: int = 128
    min_new_tokens: int = 0
    num_beams: int = 1
    no_repeat_ngram_size: int = 3
    repetition_penalty: float = 1.0
    length_penalty: float = 1.0

    def key(self) -> str:
        """Stable text for cache keys: any change in settings is a different cached output."""
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A model resolved to a folder on disk, ready to load.

    ``revision`` is the Hub commit for downloaded models or a content hash for imported
    folders; together with ``adapter_id`` it names the weights in cache keys and derived files.
    """

    name: str
    path: Path
    revision: str
    adapter_path: Path | None = None
    adapter_id: str | None = None

    @property
    def identity(self) -> str:
        ident = f"{self.name}@{self.revision}"
        return f"{ident}+{self.adapter_id}" if self.adapter_id else ident

    @property
    def slug(self) -> str:
        """A short filesystem-safe key for derived artefacts of exactly these weights."""
        return hashlib.sha256(self.identity.encode()).hexdigest()[:16]


@dataclass(slots=True)
class BackendInfo:
    backend: str
    quantization: str
    device: str
    threads: int
    model: str
    memory_mb: float | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        return f"{self.model} · {self.backend} {self.quantization} · {self.device} · {self.threads} threads"


class Backend(abc.ABC):
    """Load a T5 model once per job; generate and score batches of prompts."""

    name: ClassVar[str]
    #: quantizations this backend can run on CPU / CUDA.
    cpu_quantizations: ClassVar[tuple[str, ...]] = ("float32",)
    cuda_quantizations: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def is_installed(cls) -> bool:
        """True when the libraries it needs import; checked without loading a model."""
        from desktop.ml.backends.installed import _installed

        return _installed(cls.name)

    @abc.abstractmethod
    def load(
        self,
        model: ModelRef,
        *,
        device: str = "cpu",
        quantization: str = "int8",
        threads: int = 0,
        derived_dir: Path | None = None,
        should_stop: ShouldStop | None = None,
    ) -> None:
        """Load weights; build and cache derived (exported/quantized) files under ``derived_dir``."""

    @abc.abstractmethod
    def generate(
        self,
        prompts: Sequence[str],
        settings: GenerationSettings,
        *,
        should_stop: ShouldStop | None = None,
        on_result: OnResult | None = None,
        first_alone: bool = False,
        on_queued: Callable[[], None] | None = None,
    ) -> list[str]:
        """One output per prompt, in input order. Raises ``Cancelled`` when ``should_stop`` fires.
        ``first_alone``: the first prompt is a batch of its own, reported before the others.
        ``on_queued``: called once every batch of the call has been handed to the model; work
        submitted then (``submit_scores``) runs on a worker the last batches leave idle. A
        backend that generates synchronously calls it when it is done."""

    @abc.abstractmethod
    def score(self, prompt: str, options: Sequence[str]) -> list[float]:
        """Mean log-likelihood per token of each option as the answer to ``prompt``."""

    def submit_scores(self, requests: Sequence[tuple[str, Sequence[str]]]) -> Callable[[], list[list[float]]]:
        """Start scoring every ``(prompt, options)``; the returned function waits for the scores.

        Scoring is independent of the generation that follows it, so a backend that runs batches
        side by side (CTranslate2 on the CPU) queues the work and returns at once: labels then run
        on one core while the final merge runs on the other, instead of after it. This default
        scores everything before returning (no backend thread to run it beside anything).
        """
        results = [self.score(prompt, options) for prompt, options in requests]
        return lambda: results

    @abc.abstractmethod
    def info(self) -> BackendInfo: ...

    def close(self) -> None:
        """Free the model; the backend may be loaded again afterwards."""

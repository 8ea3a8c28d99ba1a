"""What the summarizer talks to: a loaded backend plus the model's tokenizer, as one object.

Keeping this seam narrow lets the map-reduce logic be the same for every backend, and lets
cache keys name exactly the weights, backend and quantization that produced an output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop.ml.backends.base import Backend, BackendInfo, GenerationSettings, ModelRef, OnResult, ShouldStop
from desktop.ml.backends.tokenizer import TokenCounter


@dataclass
class TextModel:
    backend: Backend
    tokenizer: TokenCounter
    model: ModelRef
    quantization: str
    device: str

    @property
    def identity(self) -> str:
        return f"{self.model.identity}|{self.backend.name}|{self.quantization}"

    def count(self, text: str) -> int:
        return self.tokenizer.count(text)

    def unk_ratio(self, text: str) -> float:
        return self.tokenizer.unk_ratio(text)

    def truncate(self, text: str, max_tokens: int) -> str:
        return self.tokenizer.truncate(text, max_tokens)

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
        return self.backend.generate(prompts, settings, should_stop=should_stop, on_result=on_result,
                                     first_alone=first_alone, on_queued=on_queued)

    def score(self, prompt: str, options: Sequence[str]) -> list[float]:
        return self.backend.score(prompt, options)

    def submit_scores(self, requests: Sequence[tuple[str, Sequence[str]]]) -> Callable[[], list[list[float]]]:
        """Scores of many ``(prompt, options)`` pairs, started now and collected by the returned call."""
        return self.backend.submit_scores(requests)

    def info(self) -> BackendInfo:
        return self.backend.info()

    def close(self) -> None:
        self.backend.close()

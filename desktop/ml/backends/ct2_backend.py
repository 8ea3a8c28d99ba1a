"""CTranslate2 backend: the fast, small CPU engine (int8 or float32; CUDA when CTranslate2 sees a GPU).

The conversion reads the safetensors weights with numpy (``ct2_convert.py``; torch only to merge
a LoRA adapter first) and runs once in a spawned child, cached in a derived folder; loading and
generating then need only ``ctranslate2`` and ``tokenizers``. That keeps the whole process near
700 MB at flan-t5-base shape instead of ~1 GB (importing torch alone would add ~300 MB), and lets
the install without torch summarize. Tests assert that torch is never imported here.
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desktop.core.errors import Cancelled, EngineError
from desktop.ml.backends.base import Backend, BackendInfo, GenerationSettings, ModelRef, OnResult, ShouldStop
from desktop.ml.backends.batching import DEFAULT_TOKEN_BUDGET, plan_batches, process_rss_mb, resolve_threads
from desktop.ml.backends.derived import default_root, ensure_derived, folder_name, package_versions, source_key
from desktop.ml.backends.installed import _installed

log = logging.getLogger(__name__)

#: Token budget per batch for beam search. CTranslate2 calls the step callback only in greedy
#: search, so a cancelled beam batch runs to its end in the background: small batches keep
#: that wasted work (and the wait of the next job behind it) short.
BEAM_TOKEN_BUDGET = 1024
#: A batch with a prompt longer than this runs with nothing beside it. CTranslate2 holds a
#: prompt's attention scores and position bias in float32: at flan-t5-base shape one 1024-token
#: prompt adds 183 MB, one 2048-token prompt 643 MB, so two of those side by side took a job to
#: 1.5 GB. Chunk prompts (512 tokens) and merges (768) are shorter; longer chunks
#: (``--input-budget`` up to 2048) trade the second core for bounded memory.
SOLO_TOKENS = 1024
#: How often a running batch is checked for Cancel.
_POLL_S = 0.02
#: Batches decoded at once on the CPU, each by its own share of the cores. Measured at
#: flan-t5-base shape, int8, 2 cores, 16 chunks of 512 tokens -> 64 (alternating runs on a busy
#: machine): 2 batches x 1 thread took 10.4-16.2 s wall and 9.8 s CPU, 1 batch x 2 threads
#: 14.9-19.1 s and 10.6-12.9 s CPU. A decoding step is many small matrix products that split
#: poorly over threads, and one thread per batch never waits at a barrier for a thread the OS
#: has paused (which made 2 intra-op threads slower than 1 whenever other programs were busy).
CPU_PARALLEL_BATCHES = 2


class CTranslate2Backend(Backend):
    name = "ctranslate2"
    cpu_quantizations = ("int8", "float32")
    cuda_quantizations = ("int8_float16", "float16", "bfloat16", "float32")

    def __init__(self, token_budget: int = DEFAULT_TOKEN_BUDGET) -> None:
        self.token_budget = token_budget
        self._translator: Any = None
        self._tok: Any = None
        self._ref: ModelRef | None = None
        self._device = "cpu"
        self._quant = "int8"
        self._threads = 1
        self._inter = 1
        self.folder: Path | None = None

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
        import ctranslate2

        from desktop.ml.backends.tokenizer import TokenCounter

        device = "cuda" if device.startswith("cuda") else "cpu"
        if device == "cuda" and ctranslate2.get_cuda_device_count() == 0:
            raise EngineError("No usable NVIDIA GPU was found; choose the CPU in Settings.")
        allowed = self.cuda_quantizations if device == "cuda" else self.cpu_quantizations
        if quantization not in allowed:
            raise EngineError(f"The CTranslate2 engine cannot run {quantization} on the {device.upper()}; "
                              f"choose one of {', '.join(allowed)}.")
        if model.adapter_path is not None:
            from desktop.ml.backends.jobs import check_adapter

            check_adapter(model.adapter_path)
        self.close()
        root = Path(derived_dir) if derived_dir is not None else default_root()
        self.folder = self._ensure_converted(model, quantization, root, should_stop)
        self._threads = resolve_threads(threads)
        # We batch ourselves (sorted by length) and report results as batches finish; on the
        # CPU two batches run side by side, the cores split between them (one model in memory).
        self._inter = min(CPU_PARALLEL_BATCHES, self._threads) if device == "cpu" else 1
        self._translator = ctranslate2.Translator(
            str(self.folder), device=device, compute_type=quantization,
            inter_threads=self._inter, intra_threads=max(1, self._threads // self._inter),
        )
        self._tok = TokenCounter.for_model(model.path, root / "tokenizers")
        self._ref, self._device, self._quant = model, device, quantization

    def _ensure_converted(self, model: ModelRef, quantization: str, root: Path, should_stop: ShouldStop | None) -> Path:
        from desktop.ml.backends import jobs
        from desktop.ml.backends.child import run_in_child
        from desktop.ml.backends.ct2_convert import CONVERTER_VERSION

        adapter = str(model.adapter_path) if model.adapter_path else None
        key = {**source_key(model), "format": "ctranslate2", "quantization": quantization,
               "converter": f"numpy-{CONVERTER_VERSION}", **package_versions("ctranslate2")}
        if adapter is not None:
            from desktop.ml.backends.lora_merge import unsupported

            why = unsupported(adapter)
            key["merge"] = "numpy" if why is None else "peft"
            if why is not None:
                key.update(package_versions("peft", "torch"))
                if not (_installed("torch") and importlib.util.find_spec("peft") is not None):
                    raise EngineError(f"The adapter {Path(adapter).name} can only be merged into its model by the full "
                                      f"Precis (with torch and peft), because {why}; summarize with the base model, or "
                                      "install the full version.")
        return ensure_derived(root, folder_name(self.name, quantization, model), key, lambda tmp: run_in_child(
            jobs.convert_ct2, str(model.path), adapter, str(tmp), quantization,
            what="Converting the model for CTranslate2", should_stop=should_stop))

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
        self._require_loaded()
        encoded = self._tok.encode_batch_compact(prompts)
        greedy = settings.num_beams <= 1
        budget = self.token_budget if greedy else min(self.token_budget, BEAM_TOKEN_BUDGET)
        # The budget bounds the padded tokens of all batches in flight together (memory).
        budget = max(1, budget // max(1, settings.num_beams) // self._inter)
        lengths = [len(e) for e in encoded]
        if self._inter > 1 and len(lengths) > 1:
            # At least one batch per worker: never one big batch while a worker idles.
            per_worker = -(-len(lengths) // self._inter) * max(lengths)
            budget = min(budget, per_worker)
        outputs = [""] * len(prompts)
        stop = _StopFlag(should_stop)
        in_flight: deque[tuple[list[int], list[Any]]] = deque()

        def collect() -> None:
            batch, pending = in_flight.popleft()
            for i, result in zip(batch, _wait(pending, stop)):
                text = self._tok.decode(self._tok.tokens_to_ids(result.hypotheses[0]))
                outputs[i] = text
                if on_result is not None:
                    on_result(i, text)

        # The lone first prompt runs on one worker while the other starts on the rest.
        for batch in plan_batches(lengths, budget, first_alone=first_alone):
            if stop.check():
                raise Cancelled()
            alone = max(lengths[i] for i in batch) > SOLO_TOKENS
            while alone and in_flight:
                collect()
            in_flight.append((batch, self._translator.translate_batch(
                [self._tok.ids_to_tokens(encoded[i]) for i in batch],
                max_batch_size=budget,
                batch_type="tokens",
                beam_size=max(1, settings.num_beams),
                length_penalty=settings.length_penalty,
                repetition_penalty=settings.repetition_penalty,
                no_repeat_ngram_size=settings.no_repeat_ngram_size,
                # Same meaning as transformers' min/max_new_tokens: tokens generated, EOS aside.
                min_decoding_length=settings.min_new_tokens,
                max_decoding_length=settings.max_new_tokens,
                # The chunker decides the input length; never truncate silently here.
                max_input_length=0,
                callback=stop.step if greedy and should_stop is not None else None,
                # Asynchronous, so Cancel returns at once even while the encoder runs (no
                # callback there; it takes seconds for a large batch on a slow CPU), and so
                # the next batch starts on the other worker. An abandoned batch stops at its
                # next decoding step (greedy) or finishes in the background (beams); a next
                # job simply queues behind it.
                asynchronous=True,
            )))
            if alone or len(in_flight) >= self._inter:
                collect()
        if on_queued is not None:  # the last batches are queued: a worker may be free for other work
            on_queued()
        while in_flight:
            collect()
        return outputs

    def score(self, prompt: str, options: Sequence[str]) -> list[float]:
        self._require_loaded()
        source = self._tok.ids_to_tokens(self._tok.encode(prompt))
        # Targets without the EOS: CTranslate2 appends it and scores it, like the other backends.
        targets = [self._tok.ids_to_tokens(self._tok.encode(o)[:-1]) for o in options]
        results = self._translator.score_batch([source] * len(targets), targets, max_input_length=0)
        return [_mean(r.log_probs) for r in results]

    def submit_scores(self, requests: Sequence[tuple[str, Sequence[str]]]) -> Callable[[], list[list[float]]]:
        """Queued on the translator's workers (asynchronous), split so that every worker gets a
        share: the caller goes on (to the final merge) while they run."""
        self._require_loaded()
        sources: list[list[str]] = []
        targets: list[list[str]] = []
        shape: list[int] = []
        for prompt, options in requests:
            source = self._tok.ids_to_tokens(self._tok.encode(prompt))
            for option in options:
                sources.append(source)
                targets.append(self._tok.ids_to_tokens(self._tok.encode(option)[:-1]))
            shape.append(len(options))
        if not sources:
            return lambda: [[] for _ in requests]
        longest = max(len(x) for x in sources)
        # Sub-batches of at most a worker's share of the token budget, and at least two of them
        # (one per worker) when there are two pairs or more.
        per_worker = max(longest, min(self.token_budget // self._inter, -(-len(sources) // self._inter) * longest))
        pending = self._translator.score_batch(sources, targets, max_input_length=0, max_batch_size=per_worker,
                                               batch_type="tokens", asynchronous=True)

        def collect() -> list[list[float]]:
            flat = [_mean(r.result().log_probs) for r in pending]
            starts = [sum(shape[:i]) for i in range(len(shape))]
            return [flat[a:a + n] for a, n in zip(starts, shape)]

        return collect

    def info(self) -> BackendInfo:
        extra = package_versions("ctranslate2")
        if self.folder is not None:
            extra["folder"] = str(self.folder)
        return BackendInfo(self.name, self._quant, self._device, self._threads,
                           self._ref.name if self._ref else "", process_rss_mb(), extra)

    def close(self) -> None:
        if self._translator is not None:
            self._translator = None
            gc.collect()

    def _require_loaded(self) -> None:
        if self._translator is None:
            raise EngineError("No model is loaded.")


def _mean(log_probs: Sequence[float]) -> float:
    return sum(log_probs) / max(1, len(log_probs))


class _StopFlag:
    """Cancel state shared by the waiting thread and CTranslate2's per-token callback."""

    def __init__(self, should_stop: ShouldStop | None) -> None:
        self.should_stop = should_stop
        self.fired = False

    def check(self) -> bool:
        if not self.fired and self.should_stop is not None and self.should_stop():
            self.fired = True
        return self.fired

    def step(self, _result: Any) -> bool:
        # Called after every generated token (greedy only); True ends decoding of the batch.
        return self.check()


def _wait(pending: list[Any], stop: _StopFlag) -> list[Any]:
    """Results of an asynchronous batch; raises ``Cancelled`` as soon as Cancel is pressed."""
    if stop.should_stop is not None:
        while not all(r.done() for r in pending):
            if stop.check():
                raise Cancelled()
            time.sleep(_POLL_S)
        if stop.check():
            raise Cancelled()
    return [r.result() for r in pending]

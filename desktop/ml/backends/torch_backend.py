"""PyTorch backend: CPU float32 or dynamic int8, CUDA bfloat16/float16/float32.

The reference implementation: the others are checked against it, and it is the only one that
runs on a GPU. On CPU it is the slowest and the largest in memory (torch alone is ~300 MB).
"""

from __future__ import annotations

import gc
import logging
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desktop.core.errors import Cancelled, EngineError, InvalidModel
from desktop.ml.backends.base import Backend, BackendInfo, GenerationSettings, ModelRef, OnResult, ShouldStop
from desktop.ml.backends.batching import DEFAULT_TOKEN_BUDGET, process_rss_mb, resolve_threads
from desktop.ml.backends.derived import default_root

log = logging.getLogger(__name__)


class TorchBackend(Backend):
    name = "torch"
    cpu_quantizations = ("int8", "float32")
    # float16 is offered for GPUs without bfloat16 (before Ampere). FLAN-T5 was trained in
    # bfloat16 and its activations overflow float16's range (inf/NaN, empty or garbage output:
    # https://github.com/huggingface/transformers/issues/20287). transformers keeps T5's ``wo``
    # feed-forward projections in float32 when loading in float16 (``_keep_in_fp32_modules``),
    # which avoids most overflows, but bfloat16 is preferred wherever
    # ``torch.cuda.is_bf16_supported()``.
    cuda_quantizations = ("bfloat16", "float16", "float32")

    def __init__(self, token_budget: int = DEFAULT_TOKEN_BUDGET) -> None:
        self.token_budget = token_budget
        self._model: Any = None
        self._tok: Any = None
        self._ref: ModelRef | None = None
        self._device = "cpu"
        self._quant = "float32"
        self._threads = 1

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
        import torch
        from transformers import AutoModelForSeq2SeqLM

        from desktop.ml.backends.tokenizer import TokenCounter

        device = "cuda" if device.startswith("cuda") and torch.cuda.is_available() else _cpu_or_fail(device)
        allowed = self.cuda_quantizations if device == "cuda" else self.cpu_quantizations
        if quantization not in allowed:
            raise EngineError(f"The torch engine cannot run {quantization} on the {device.upper()}; choose one of {', '.join(allowed)}.")
        if model.adapter_path is not None:
            from desktop.ml.backends.jobs import check_adapter

            check_adapter(model.adapter_path)
        self.close()
        self._threads = resolve_threads(threads)
        if device == "cpu":
            torch.set_num_threads(self._threads)
        dtype = {"bfloat16": torch.bfloat16, "float16": torch.float16}.get(quantization, torch.float32)
        try:
            m = AutoModelForSeq2SeqLM.from_pretrained(
                model.path, dtype=dtype, use_safetensors=True, local_files_only=True, trust_remote_code=False
            )
        except (OSError, ValueError) as exc:
            raise InvalidModel(f"The model in {Path(model.path).name} could not be loaded: {exc}") from exc
        if should_stop is not None and should_stop():
            raise Cancelled()
        if model.adapter_path is not None:
            m = _merge_adapter(m, model.adapter_path)
        m.eval()
        if quantization == "int8":
            m = _quantize_dynamic_int8(m)
            _release_weights_file(m)
        self._model = m.to(device)
        self._tok = TokenCounter.for_model(model.path, (derived_dir or default_root()) / "tokenizers")
        self._ref, self._device, self._quant = model, device, quantization

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
        from desktop.ml.backends.hf_generation import hf_generate

        self._require_loaded()
        return hf_generate(self._model, self._tok, prompts, settings, device=self._device,
                           token_budget=self.token_budget, should_stop=should_stop, on_result=on_result,
                           first_alone=first_alone, on_queued=on_queued)

    def score(self, prompt: str, options: Sequence[str]) -> list[float]:
        from desktop.ml.backends.hf_generation import hf_score

        self._require_loaded()
        return hf_score(self._model, self._tok, prompt, options, device=self._device)

    def info(self) -> BackendInfo:
        import torch

        extra: dict[str, str] = {"torch": str(torch.__version__)}
        if self._device == "cuda":
            extra["gpu"] = torch.cuda.get_device_name(0)
            extra["gpu_memory_mb"] = f"{torch.cuda.max_memory_allocated() / 2**20:.0f}"
        return BackendInfo(self.name, self._quant, self._device, self._threads,
                           self._ref.name if self._ref else "", process_rss_mb(), extra)

    def close(self) -> None:
        if self._model is None:
            return
        self._model = None
        gc.collect()
        if self._device == "cuda":
            import torch

            torch.cuda.empty_cache()

    def _require_loaded(self) -> None:
        if self._model is None:
            raise EngineError("No model is loaded.")


def _cpu_or_fail(device: str) -> str:
    if device.startswith("cuda"):
        raise EngineError("No usable NVIDIA GPU was found; choose the CPU in Settings.")
    return "cpu"


def _merge_adapter(model: Any, adapter_path: Path) -> Any:
    """Fold a LoRA adapter into the base weights, so inference (and int8) sees plain Linear layers."""
    from peft import PeftModel

    try:
        peft_model = PeftModel.from_pretrained(model, str(adapter_path), is_trainable=False)
    except (OSError, ValueError) as exc:
        raise InvalidModel(f"The adapter in {Path(adapter_path).name} does not fit this model: {exc}") from exc
    return peft_model.merge_and_unload()


def _quantize_dynamic_int8(model: Any) -> Any:
    """int8 weights, activations quantized per batch at run time, for every ``nn.Linear``.

    ``torch.ao.quantization`` is deprecated (its warning says "removed in 2.10", yet it still
    works in 2.13) in favour of torchao's ``quantize_(model, Int8DynamicActivationInt8WeightConfig())``.
    We keep the old API on purpose: torchao would be one more large dependency, its int8 work
    targets GPUs and ``torch.compile`` first, while ``quantize_dynamic`` calls the fbgemm/qnnpack
    int8 CPU kernels directly with no compile step at load. The ONNX and CTranslate2 backends
    are the fast int8 choices on CPU anyway; this one is the reference. Revisit when torch
    removes the module: https://github.com/pytorch/ao/issues/2259
    """
    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated", category=DeprecationWarning)
        # The same deprecation, said again by the quantized tensor constructors it calls.
        warnings.filterwarnings("ignore", message=r".*quantized tensor creation functions", category=UserWarning)
        # In place: a copy would keep the float32 weights alive beside the int8 ones (2.6 GB
        # instead of ~1.3 GB peak at flan-t5-base size). Per-channel weight scales
        # (``per_channel_dynamic_qconfig``) were tried: no better agreement with float32 here.
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


def _release_weights_file(model: Any) -> None:
    """Copy the float32 tensors int8 left (embeddings, norms) out of the mmapped safetensors file.

    transformers maps the file; quantizing reads every page of it, and the pages stay resident
    while any tensor still points into the mapping. With the few remaining tensors copied, the
    mapping goes: 755 MB instead of 1.53 GB resident at flan-t5-base size after loading.
    """
    import gc

    for tensor in [*model.parameters(), *model.buffers()]:
        tensor.data = tensor.data.clone()
    gc.collect()

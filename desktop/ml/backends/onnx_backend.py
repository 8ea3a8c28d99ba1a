"""ONNX Runtime backend (optimum-onnx): float32 export or dynamic int8, on CPU.

The export and the quantization run once, in a spawned child process (killable, and the
exporter's memory goes away with it), into a derived folder keyed by the tools' versions.
Generation goes through optimum's ``ORTModelForSeq2SeqLM``, which keeps transformers'
``generate`` (and so the same stopping criteria, n-gram blocking and beams as torch).
"""

from __future__ import annotations

import gc
import logging
import platform
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desktop.core.errors import EngineError
from desktop.ml.backends.base import Backend, BackendInfo, GenerationSettings, ModelRef, OnResult, ShouldStop
from desktop.ml.backends.batching import DEFAULT_TOKEN_BUDGET, process_rss_mb, resolve_threads
from desktop.ml.backends.derived import cached, default_root, ensure_derived, folder_name, package_versions, source_key

log = logging.getLogger(__name__)

#: The opset optimum 2.1 uses for T5 by default, pinned so an optimum upgrade that changes the
#: default shows up in the cache key only through the version numbers, never silently.
OPSET = 18
#: The un-merged seq2seq export: the decoder without and with past key/values as two files.
ONNX_FILES = ("encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx")
_TOOLS = ("optimum", "optimum-onnx", "onnxruntime", "onnx", "transformers", "torch")


class OnnxBackend(Backend):
    name = "onnx"
    cpu_quantizations = ("int8", "float32")
    cuda_quantizations = ()  # the onnxruntime wheel we ship is CPU-only

    def __init__(self, token_budget: int = DEFAULT_TOKEN_BUDGET) -> None:
        self.token_budget = token_budget
        self._model: Any = None
        self._tok: Any = None
        self._ref: ModelRef | None = None
        self._quant = "int8"
        self._threads = 1
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
        if device.startswith("cuda"):
            raise EngineError("The ONNX engine runs on the CPU only; choose the torch engine for the GPU.")
        if quantization not in self.cpu_quantizations:
            raise EngineError(f"The ONNX engine cannot run {quantization}; choose int8 or float32.")
        if model.adapter_path is not None:
            from desktop.ml.backends.jobs import check_adapter

            check_adapter(model.adapter_path)
        self.close()
        root = Path(derived_dir) if derived_dir is not None else default_root()
        self.folder = self._ensure_files(model, quantization, root, should_stop)
        self._threads = resolve_threads(threads)
        self._model = _load_ort(self.folder, quantization, self._threads)
        from desktop.ml.backends.tokenizer import TokenCounter

        self._tok = TokenCounter.for_model(model.path, root / "tokenizers")
        self._ref, self._quant = model, quantization

    def _ensure_files(self, model: ModelRef, quantization: str, root: Path, should_stop: ShouldStop | None) -> Path:
        from desktop.ml.backends import jobs
        from desktop.ml.backends.child import run_in_child

        adapter = str(model.adapter_path) if model.adapter_path else None
        fp32_key = {**source_key(model), "format": "onnx", "quantization": "float32", "opset": OPSET,
                    **package_versions(*_TOOLS)}
        fp32_folder = root / folder_name(self.name, "float32", model)
        if quantization == "float32":
            return ensure_derived(root, fp32_folder.name, fp32_key, lambda tmp: run_in_child(
                jobs.export_onnx, str(model.path), adapter, str(tmp), OPSET,
                what="Exporting the model to ONNX", should_stop=should_stop))
        config = quantization_config_name()
        key = {**fp32_key, "quantization": "int8", "quant_config": config, "per_channel": True}
        # Quantize an existing float32 export if there is one; otherwise export into scratch.
        source = str(fp32_folder) if cached(fp32_folder, fp32_key) else None
        return ensure_derived(root, folder_name(self.name, "int8", model), key, lambda tmp: run_in_child(
            jobs.export_onnx_int8, str(model.path), adapter, str(tmp), OPSET, list(ONNX_FILES), config, source,
            what="Exporting and quantizing the model to ONNX int8", should_stop=should_stop))

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
        return hf_generate(self._model, self._tok, prompts, settings, device="cpu",
                           token_budget=self.token_budget, should_stop=should_stop, on_result=on_result,
                           first_alone=first_alone, on_queued=on_queued)

    def score(self, prompt: str, options: Sequence[str]) -> list[float]:
        from desktop.ml.backends.hf_generation import hf_score

        self._require_loaded()
        return hf_score(self._model, self._tok, prompt, options, device="cpu")

    def info(self) -> BackendInfo:
        extra = package_versions("onnxruntime", "optimum-onnx")
        if self.folder is not None:
            extra["folder"] = str(self.folder)
        return BackendInfo(self.name, self._quant, "cpu", self._threads,
                           self._ref.name if self._ref else "", process_rss_mb(), extra)

    def close(self) -> None:
        if self._model is not None:
            self._model = None
            gc.collect()

    def _require_loaded(self) -> None:
        if self._model is None:
            raise EngineError("No model is loaded.")


def _load_ort(folder: Path, quantization: str, threads: int) -> Any:
    import onnxruntime as ort
    from optimum.onnxruntime import ORTModelForSeq2SeqLM

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    # The three sessions run one after another, never at once: no inter-op parallelism.
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle pool threads sleep instead of spinning: with one other busy program on 2 cores,
    # spinning made the map step twice as slow (16.4-17.0 s against 7.8-9.9 s for 8 chunks at
    # flan-t5-base size), the same stall as OpenMP's (see desktop/__init__.py).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # Quantized files carry a suffix; optimum only finds them when every name is given.
    names = [f.replace(".onnx", "_quantized.onnx") if quantization == "int8" else f for f in ONNX_FILES]
    return ORTModelForSeq2SeqLM.from_pretrained(
        folder,
        encoder_file_name=names[0],
        decoder_file_name=names[1],
        decoder_with_past_file_name=names[2],
        use_merged=False,
        use_cache=True,
        provider="CPUExecutionProvider",
        session_options=options,
        local_files_only=True,
        trust_remote_code=False,
    )


def quantization_config_name() -> str:
    """The ``AutoQuantizationConfig`` preset for this CPU (int8 kernels differ by instruction set)."""
    machine = platform.machine().lower()
    if machine in ("arm64", "aarch64"):
        return "arm64"
    flags = _cpu_flags()
    if "avx512_vnni" in flags or "avx512vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags and "avx512bw" in flags:
        return "avx512"
    return "avx2"


def _cpu_flags() -> set[str]:
    """CPU feature flags on Linux; elsewhere an empty set (the portable avx2 preset is used)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()

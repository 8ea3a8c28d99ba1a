"""Backend registry: which inference engines are installed, and which one "auto" means here.

Nothing heavy is imported to answer: installed-ness comes from ``importlib.util.find_spec``,
the CUDA check from CTranslate2 (a small library) before torch.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

from desktop.core.errors import EngineError
from desktop.ml.backends.base import Backend
from desktop.ml.backends.installed import _installed

#: name -> "module:Class", imported only when that backend is created.
BACKENDS: dict[str, str] = {
    "ctranslate2": "desktop.ml.backends.ct2_backend:CTranslate2Backend",
    "onnx": "desktop.ml.backends.onnx_backend:OnnxBackend",
    "torch": "desktop.ml.backends.torch_backend:TorchBackend",
}

#: "auto" on CPU picks the first installed backend of this list. Ordered by the speed benchmark
#: (benchmarks/speed.py; benchmarks/README.md has the tables): flan-t5-base shape, int8, 2 cores,
#: 16 chunks of 512 tokens -> 64. CTranslate2 was the fastest in every run (9.6-11.8 s and ~10
#: CPU-seconds on a busy machine, 5.1x the naive baseline per core) at 690-740 MB peak RSS (no
#: torch in the process), loads in 0.3 s and builds its files in 5 s. ONNX Runtime int8 and
#: torch dynamic int8 tie on speed since the thread fixes (12.2-12.8 s against 10.8-12.4 s) at
#: ~1.7 GB each; ONNX Runtime stays ahead because its int8 outputs agree more with float32 (60%
#: of tokens against 38% on the random tiny model; 94% for both on a trained one).
#: Keep the order here and nowhere else.
CPU_PREFERENCE: tuple[str, ...] = ("ctranslate2", "onnx", "torch")

def available_backends() -> list[str]:
    """Installed backends, fastest CPU choice first."""
    return [name for name in CPU_PREFERENCE if _installed(name)]


def create_backend(name: str, **options: Any) -> Backend:
    """A new, unloaded backend; ``options`` go to its constructor (e.g. ``token_budget=2048``)."""
    if name not in BACKENDS:
        raise EngineError(f"There is no inference engine called {name!r}; choose one of {', '.join(BACKENDS)}.")
    if not _installed(name):
        raise EngineError(f"The {name} inference engine is not installed.")
    module_name, cls_name = BACKENDS[name].split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(**options)


def cuda_available() -> bool:
    """Whether an NVIDIA GPU is usable, answered as cheaply as possible (torch only as a last resort)."""
    if importlib.util.find_spec("ctranslate2") is not None:
        import ctranslate2

        try:
            return ctranslate2.get_cuda_device_count() > 0
        except RuntimeError:  # a broken CUDA driver reads as "no GPU"
            return False
    if "torch" in sys.modules or importlib.util.find_spec("torch") is not None:
        return _torch_cuda()
    return False


def _torch_cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def resolve_auto(device: str = "auto", quantization: str = "auto") -> tuple[str, str, str]:
    """``(backend, quantization, device)`` for "auto" settings.

    A usable GPU means torch on CUDA in bfloat16 (float16 on GPUs without bfloat16, float32 if
    asked). On CPU it is the first installed backend of ``CPU_PREFERENCE``, in int8 unless
    float32 is asked for ("auto" and the GPU-only types mean int8). Every backend runs int8 and
    float32 on the CPU.
    """
    installed = available_backends()
    if not installed:
        raise EngineError("No inference engine is installed; reinstall Precis.")
    if device.startswith("cuda") or (device == "auto" and cuda_available()):
        if "torch" in installed and _torch_cuda():
            import torch

            if quantization == "float32":
                return "torch", "float32", "cuda"
            if quantization == "float16" or not torch.cuda.is_bf16_supported():
                return "torch", "float16", "cuda"
            return "torch", "bfloat16", "cuda"
        if device.startswith("cuda"):
            raise EngineError("The GPU cannot be used: it needs the torch engine built with CUDA support.")
        # "auto" with a GPU that only CTranslate2 sees (torch is CPU-only): stay on the CPU.
    quant = "float32" if quantization == "float32" else "int8"
    return installed[0], quant, "cpu"

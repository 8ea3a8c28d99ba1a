"""Whether a backend's libraries are installed, answered without importing them (no torch load)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

#: The modules each backend needs, checked without importing them.
_REQUIRES: dict[str, tuple[str, ...]] = {
    "ctranslate2": ("ctranslate2", "tokenizers"),
    "onnx": ("onnxruntime", "optimum", "torch", "transformers", "tokenizers"),
    "torch": ("torch", "transformers", "tokenizers"),
}


def _installed(name: str) -> bool:
    if not all(importlib.util.find_spec(m) is not None for m in _REQUIRES[name]):
        return False
    if name == "onnx":
        return _has_optimum_onnxruntime()
    return True


def _has_optimum_onnxruntime() -> bool:
    """optimum's ONNX Runtime half comes from the separate optimum-onnx package.

    Looked up on disk: ``find_spec("optimum.onnxruntime")`` would import the ``optimum`` package.
    """
    spec = importlib.util.find_spec("optimum")
    locations = spec.submodule_search_locations if spec else None
    return any((Path(loc) / "onnxruntime" / "__init__.py").is_file() for loc in locations or ())

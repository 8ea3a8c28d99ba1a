"""A LoRA adapter merged into T5 weights with numpy, so the CTranslate2 conversion needs no torch.

peft's ``merge_and_unload`` adds ``(B @ A) * scaling`` to each adapted matrix; the same sum is
done here on the arrays the conversion reads, for the plain LoRA adapters Precis's fine-tuning
saves (and most others). Anything else (DoRA, trained biases, extra saved modules, per-module
ranks) is left to peft: ``unsupported`` says why, and the conversion then merges with torch.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from desktop.core.errors import InvalidModel

CONFIG = "adapter_config.json"
WEIGHTS = "adapter_model.safetensors"
_KEY = re.compile(r"^base_model\.model\.(?P<module>.+)\.lora_(?P<which>[AB])\.weight$")


def _config(adapter_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((adapter_dir / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidModel(f"The adapter's {CONFIG} in {adapter_dir.name} could not be read ({exc}).") from exc
    return data if isinstance(data, dict) else {}


def unsupported(adapter_dir: Path | str) -> str | None:
    """None when the adapter is a plain LoRA this module merges; otherwise what it is not."""
    config = _config(Path(adapter_dir))
    checks = {
        "it is not a LoRA adapter": config.get("peft_type") != "LORA",
        "it uses DoRA": bool(config.get("use_dora")),
        "it trains biases": config.get("bias", "none") != "none" or bool(config.get("lora_bias")),
        "it saves whole modules besides the adapter": bool(config.get("modules_to_save")),
        "it sets ranks or scales per module": bool(config.get("rank_pattern") or config.get("alpha_pattern")),
        "it stores transposed weights": bool(config.get("fan_in_fan_out")),
        "it adapts only some layers": config.get("layers_to_transform") is not None
        or config.get("layer_replication") is not None,
    }
    return next((why for why, failed in checks.items() if failed), None)


class LoraDeltas:
    """The adapter's low-rank pairs by module name (``encoder.block.0.layer.0.SelfAttention.q``)."""

    def __init__(self, adapter_dir: Path | str) -> None:
        from safetensors.numpy import load_file

        folder = Path(adapter_dir)
        why = unsupported(folder)
        if why is not None:
            raise InvalidModel(f"The adapter {folder.name} cannot be merged without peft: {why}.")
        config = _config(folder)
        rank, alpha = int(config["r"]), float(config["lora_alpha"])
        self.scaling = alpha / math.sqrt(rank) if config.get("use_rslora") else alpha / rank
        pairs: dict[str, dict[str, np.ndarray]] = {}
        try:
            tensors = load_file(str(folder / WEIGHTS))
        except Exception as exc:  # SafetensorError, OSError
            raise InvalidModel(f"The adapter weights in {folder.name} are damaged or not safetensors ({exc}).") from exc
        for key, value in tensors.items():
            m = _KEY.match(key)
            if m is None:
                raise InvalidModel(f"The adapter {folder.name} holds a weight Precis does not know how to merge ({key}).")
            pairs.setdefault(m["module"], {})[m["which"]] = value.astype(np.float32, copy=False)
        incomplete = [module for module, ab in pairs.items() if set(ab) != {"A", "B"}]
        if incomplete:
            raise InvalidModel(f"The adapter {folder.name} lacks half of the pair for {incomplete[0]}.")
        self._pairs = pairs
        self.used: set[str] = set()

    def apply(self, name: str, weight: np.ndarray) -> np.ndarray:
        """``weight`` (the tensor called ``name``) with this adapter's change added, as peft merges it."""
        module = name.removesuffix(".weight")
        pair = self._pairs.get(module)
        if pair is None:
            return weight
        self.used.add(module)
        return weight + (pair["B"] @ pair["A"]) * np.float32(self.scaling)

    def unused(self) -> list[str]:
        return sorted(set(self._pairs) - self.used)

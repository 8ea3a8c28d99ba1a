"""Check that a folder holds a T5 seq2seq model Precis can load safely, without loading it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.errors import InvalidModel

#: model_type -> the architectures we accept for it. mT5 has T5's exact layout; UMT5 is left out
#: because its per-layer attention bias is not exported by optimum's ONNX T5 config.
ARCHITECTURES: dict[str, frozenset[str]] = {
    "t5": frozenset({"T5ForConditionalGeneration", "T5WithLMHeadModel"}),
    "mt5": frozenset({"MT5ForConditionalGeneration"}),
}
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
OTHER_FORMAT_SUFFIXES = (".h5", ".msgpack", ".onnx", ".ot")
TOKENIZER_FILES = ("tokenizer.json", "spiece.model")
INDEX_FILE = "model.safetensors.index.json"
CONVERT_HINT = (
    "convert it with transformers (load it once and save it with "
    "model.save_pretrained(folder, safe_serialization=True)) or the Hub's "
    "\"Convert to Safetensors\" space"
)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What a valid model folder holds; dims come from config.json, ``parameters`` from the
    safetensors headers (tied matrices stored once are counted once)."""

    path: Path
    model_type: str
    architectures: tuple[str, ...]
    parameters: int
    d_model: int | None
    num_layers: int | None
    num_decoder_layers: int | None
    vocab_size: int | None
    tokenizer_files: tuple[str, ...]
    weight_files: tuple[str, ...]
    weight_bytes: int


def validate_model_dir(path: Path | str) -> ModelInfo:
    """Return what the folder holds, or raise ``InvalidModel`` saying in one sentence why not."""
    folder = Path(path)
    if not folder.is_dir():
        raise InvalidModel(f"{folder} is not a folder; give the folder that holds the model's config.json.")
    config = _read_config(folder)
    model_type = config.get("model_type")
    model_type = model_type if isinstance(model_type, str) else None
    archs = config.get("architectures") or []
    if not isinstance(archs, list):
        archs = []
    if model_type not in ARCHITECTURES:
        raise InvalidModel(
            f"{folder.name} is not a T5 model (its config.json says model_type {model_type!r}); "
            "Precis needs a T5 sequence-to-sequence model such as FLAN-T5."
        )
    wrong = [a for a in archs if a not in ARCHITECTURES[model_type]]
    if wrong:
        raise InvalidModel(
            f"{folder.name} is a {wrong[0]}, but Precis needs a T5 model with its text-generating head "
            "(T5ForConditionalGeneration)."
        )
    weights = weight_files(folder)
    parameters, has_decoder = _count_parameters(folder, weights)
    if not has_decoder:
        raise InvalidModel(f"{folder.name} holds only a T5 encoder; Precis needs the full encoder-decoder model.")
    tokenizers = tuple(n for n in TOKENIZER_FILES if (folder / n).is_file())
    if not tokenizers:
        raise InvalidModel(f"{folder.name} has no tokenizer (tokenizer.json or spiece.model); copy it from the model's original folder.")
    return ModelInfo(
        path=folder.resolve(),
        model_type=model_type,
        architectures=tuple(archs),
        parameters=parameters,
        d_model=_int(config.get("d_model")),
        num_layers=_int(config.get("num_layers")),
        num_decoder_layers=_int(config.get("num_decoder_layers", config.get("num_layers"))),
        vocab_size=_int(config.get("vocab_size")),
        tokenizer_files=tokenizers,
        weight_files=weights,
        weight_bytes=sum((folder / w).stat().st_size for w in weights),
    )


def _read_config(folder: Path) -> dict[str, Any]:
    return read_json_object(folder / "config.json",
                            f"{folder.name} has no config.json, so it is not a Hugging Face model folder.")


def read_json_object(path: Path, missing: str) -> dict[str, Any]:
    """A model folder's JSON file as a dict; ``InvalidModel`` (``missing`` when it is not there)."""
    if not path.is_file():
        raise InvalidModel(missing)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidModel(f"The {path.name} in {path.parent.name} could not be read ({exc}).") from exc
    if not isinstance(data, dict):
        raise InvalidModel(f"The {path.name} in {path.parent.name} is not a JSON object.")
    return data


def weight_files(folder: Path) -> tuple[str, ...]:
    index = folder / INDEX_FILE
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
            shards = sorted(set(weight_map.values()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidModel(f"The safetensors index in {folder.name} could not be read ({exc}).") from exc
        for shard in shards:
            if Path(shard).name != shard or not shard.endswith(".safetensors"):
                raise InvalidModel(f"The safetensors index in {folder.name} names an unexpected file {shard!r}.")
        missing = [s for s in shards if not (folder / s).is_file()]
        if missing:
            raise InvalidModel(f"{folder.name} is missing weight file {missing[0]} named in its safetensors index.")
        return tuple(shards)
    if (folder / "model.safetensors").is_file():
        return ("model.safetensors",)
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    pickles = [n for n in names if n.endswith(PICKLE_SUFFIXES)]
    if pickles:
        raise InvalidModel(
            f"{folder.name} holds only PyTorch pickle weights ({pickles[0]}), which can run code when "
            f"loaded; Precis loads only safetensors — {CONVERT_HINT}."
        )
    others = [n for n in names if n.endswith(OTHER_FORMAT_SUFFIXES)]
    if others:
        raise InvalidModel(f"{folder.name} holds weights as {others[0]}; Precis loads only safetensors — {CONVERT_HINT}.")
    raise InvalidModel(f"{folder.name} has no model.safetensors, so it holds no weights Precis can load.")


def _count_parameters(folder: Path, weight_files: tuple[str, ...]) -> tuple[int, bool]:
    """Sum tensor sizes from the headers only: safe_open maps the file lazily and reads no tensor."""
    from safetensors import safe_open

    total = 0
    has_decoder = False
    for name in weight_files:
        try:
            with safe_open(str(folder / name), framework="numpy") as f:
                for key in f.keys():  # noqa: SIM118 (safe_open is not a dict)
                    total += math.prod(f.get_slice(key).get_shape())
                    has_decoder = has_decoder or key.startswith(("decoder.", "model.decoder.")) or key == "lm_head.weight"
        except Exception as exc:  # the Rust side raises SafetensorError, OSError or ValueError
            raise InvalidModel(f"The weight file {name} in {folder.name} is damaged or not safetensors ({exc}).") from exc
    return total, has_decoder


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None

"""Safetensors T5 weights into a CTranslate2 model folder with numpy alone: no torch, no transformers.

CTranslate2's own converter (``ctranslate2.converters.TransformersConverter``) builds the whole
transformers model in torch just to read its weights back out: a 300 MB import and seconds of
start-up, and it makes torch a requirement of summarizing. This module reads the tensors with
``safetensors``' numpy API and fills the same model specification (``TransformerSpec``) name by
name, following ``T5Loader`` in ctranslate2 4.x's ``converters/transformers.py``; CTranslate2's
spec then quantizes and writes ``model.bin`` exactly as in its own converter.
``tests/ml/test_ct2_convert.py`` checks both give the same files and the same generated tokens.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from desktop.core.errors import InvalidModel

if TYPE_CHECKING:
    from desktop.ml.backends.lora_merge import LoraDeltas

#: Bumped when the conversion changes, so folders built by an older one are rebuilt.
CONVERTER_VERSION = 1

#: transformers' ACT2FN names -> CTranslate2's activations (T5Loader's table, T5's entries).
_ACTIVATIONS = {
    "gelu": "GELU", "gelu_python": "GELU", "gelu_new": "GELUTanh", "gelu_fast": "GELUTanh",
    "gelu_pytorch_tanh": "GELUTanh", "quick_gelu": "GELUSigmoid", "relu": "RELU", "silu": "SWISH", "swish": "SWISH",
}


@contextlib.contextmanager
def _torch_hidden() -> Iterator[None]:
    """``ctranslate2.specs`` imports torch when it can, only to accept torch tensors besides numpy
    arrays. We give it numpy arrays, so torch (300 MB, seconds to import) is hidden from that
    import unless something in this process loaded it already."""
    hidden = "torch" not in sys.modules
    if hidden:
        sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        yield
    finally:
        if hidden and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def convert_t5(model_dir: Path | str, out_dir: Path | str, quantization: str = "int8",
               adapter_dir: Path | str | None = None) -> None:
    """Write ``model.bin``, ``config.json`` and ``shared_vocabulary.json`` for the T5 in ``model_dir``,
    with a plain LoRA adapter (``lora_merge.py``) merged into its weights when one is given."""
    with _torch_hidden():
        from ctranslate2.specs import common_spec, transformer_spec

    from desktop.ml.backends.lora_merge import LoraDeltas

    folder = Path(model_dir)
    deltas = LoraDeltas(adapter_dir) if adapter_dir is not None else None
    config = t5_config(folder)
    activation = _ACTIVATIONS.get(config["dense_act_fn"])
    if activation is None:
        raise InvalidModel(f"{folder.name} uses the activation {config['dense_act_fn']!r}, which CTranslate2 cannot run.")
    spec = transformer_spec.TransformerSpec.from_config(
        (config["num_layers"], config["num_decoder_layers"]),
        config["num_heads"],
        pre_norm=True,
        activation=getattr(common_spec.Activation, activation),
        ffn_glu=config["is_gated_act"],
        relative_attention_bias=True,
        rms_norm=True,
    )
    with _Weights(folder, deltas) as weights:
        # T5 always embeds with its one shared matrix (transformers ties both stacks to it).
        shared = weights.get("shared.weight" if weights.has("shared.weight") else "encoder.embed_tokens.weight")
        _set_stack(spec.encoder, weights, "encoder", shared, config, is_decoder=False)
        _set_stack(spec.decoder, weights, "decoder", shared, config, is_decoder=True)
        tied = config["tie_word_embeddings"]
        # transformers ties lm_head to the shared embedding when asked, whatever the file holds.
        spec.decoder.projection.weight = shared if tied or not weights.has("lm_head.weight") else weights.get("lm_head.weight")
    if deltas is not None and deltas.unused():
        raise InvalidModel(f"The adapter was trained on another model: {folder.name} has no {deltas.unused()[0]}.")
    if tied:
        spec.decoder.scale_outputs = config["d_model"] ** -0.5
    tokens = t5_vocabulary(folder, config["vocab_size"])
    _set_special_tokens(spec.config, tokens, config)
    spec.register_source_vocabulary(tokens)
    spec.register_target_vocabulary(tokens)
    spec.validate()
    spec.optimize(quantization=quantization)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec.save(str(out))


def t5_config(folder: Path) -> dict[str, Any]:
    """config.json with T5Config's defaults and derived fields, as transformers computes them."""
    try:
        raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidModel(f"The config.json in {folder.name} could not be read ({exc}).") from exc
    if raw.get("model_type") not in ("t5", "mt5"):
        raise InvalidModel(f"{folder.name} is not a T5 model (model_type {raw.get('model_type')!r}).")
    num_layers = int(raw.get("num_layers", 6))
    proj = str(raw.get("feed_forward_proj", "relu"))
    act_info = proj.split("-")
    dense_act_fn = "gelu_new" if proj == "gated-gelu" else act_info[-1]
    # T5Config derives both from feed_forward_proj, then lets config.json's own keys win (they
    # reach PretrainedConfig as extra attributes), as FLAN-T5's config.json carries them.
    dense_act_fn = raw["dense_act_fn"] if isinstance(raw.get("dense_act_fn"), str) else dense_act_fn
    gated = raw["is_gated_act"] if isinstance(raw.get("is_gated_act"), bool) else act_info[0] == "gated"
    return {
        "num_layers": num_layers,
        "num_decoder_layers": int(raw.get("num_decoder_layers") or num_layers),
        "num_heads": int(raw.get("num_heads", 8)),
        "d_model": int(raw.get("d_model", 512)),
        "vocab_size": int(raw.get("vocab_size", 32128)),
        "dense_act_fn": dense_act_fn,
        "is_gated_act": gated,
        "tie_word_embeddings": bool(raw.get("tie_word_embeddings", True)),
        "relative_attention_max_distance": int(raw.get("relative_attention_max_distance", 128)),
        "decoder_start_token_id": raw.get("decoder_start_token_id"),
        # What the numpy reference (numpy_t5.py) needs besides, with T5Config's defaults.
        "d_kv": int(raw.get("d_kv", 64)),
        "relative_attention_num_buckets": int(raw.get("relative_attention_num_buckets", 32)),
        "layer_norm_epsilon": float(raw.get("layer_norm_epsilon", 1e-6)),
        "pad_token_id": int(raw.get("pad_token_id", 0)),
        "eos_token_id": raw.get("eos_token_id", 1),
    }


def _set_stack(spec: Any, weights: _Weights, prefix: str, shared: np.ndarray, config: dict[str, Any], *,
               is_decoder: bool) -> None:
    spec.layer_norm.gamma = weights.get(f"{prefix}.final_layer_norm.weight")
    (spec.embeddings[0] if isinstance(spec.embeddings, list) else spec.embeddings).weight = shared
    spec.scale_embeddings = False
    first = spec.layer[0].self_attention
    for i, layer in enumerate(spec.layer):
        block = f"{prefix}.block.{i}.layer"
        _set_attention(layer.self_attention, weights, f"{block}.0.SelfAttention", config, self_attention=True)
        layer.self_attention.layer_norm.gamma = weights.get(f"{block}.0.layer_norm.weight")
        if i > 0:  # T5 computes the position bias in the first layer and reuses it
            layer.self_attention.relative_attention_bias = first.relative_attention_bias
            layer.self_attention.relative_attention_max_distance = first.relative_attention_max_distance
        if is_decoder:
            _set_attention(layer.attention, weights, f"{block}.1.EncDecAttention", config, self_attention=False)
            layer.attention.layer_norm.gamma = weights.get(f"{block}.1.layer_norm.weight")
        ffn = f"{block}.{2 if is_decoder else 1}"
        if hasattr(layer.ffn, "linear_0_noact"):
            layer.ffn.linear_0.weight = weights.get(f"{ffn}.DenseReluDense.wi_0.weight")
            layer.ffn.linear_0_noact.weight = weights.get(f"{ffn}.DenseReluDense.wi_1.weight")
        else:
            layer.ffn.linear_0.weight = weights.get(f"{ffn}.DenseReluDense.wi.weight")
        layer.ffn.linear_1.weight = weights.get(f"{ffn}.DenseReluDense.wo.weight")
        layer.ffn.layer_norm.gamma = weights.get(f"{ffn}.layer_norm.weight")


def _set_attention(spec: Any, weights: _Weights, prefix: str, config: dict[str, Any], *, self_attention: bool) -> None:
    spec.queries_scale = 1.0
    q, k, v = (weights.get(f"{prefix}.{n}.weight") for n in "qkv")
    # CTranslate2 runs self-attention as one fused q|k|v product, cross-attention as q and k|v.
    if self_attention:
        spec.linear[0].weight = np.concatenate([q, k, v])
    else:
        spec.linear[0].weight = np.concatenate([q])
        spec.linear[1].weight = np.concatenate([k, v])
    spec.linear[-1].weight = weights.get(f"{prefix}.o.weight")
    bias = f"{prefix}.relative_attention_bias.weight"
    if weights.has(bias):
        spec.relative_attention_bias = weights.get(bias)
        spec.relative_attention_max_distance = np.dtype("int32").type(config["relative_attention_max_distance"])


def _set_special_tokens(spec_config: Any, tokens: list[str], config: dict[str, Any]) -> None:
    """T5Loader.set_config: generation starts from the pad token, as T5 was trained."""
    spec_config.bos_token = "<pad>"
    spec_config.eos_token = "</s>"
    spec_config.unk_token = "<unk>"
    start = config["decoder_start_token_id"]
    spec_config.decoder_start_token = tokens[start] if isinstance(start, int) and 0 <= start < len(tokens) else "<pad>"


def t5_vocabulary(folder: Path, vocab_size: int) -> list[str]:
    """The token of every id, padded to the model's vocabulary size the way T5Loader pads it
    (FLAN-T5's 32,100 tokens become 32,128 with ``<extra_id_0>``...``<extra_id_27>`` again)."""
    from tokenizers import Tokenizer

    from desktop.ml.backends.spm_tokenizer import t5_tokenizer_json
    from desktop.ml.backends.tokenizer import TOKENIZER_FILE

    path = folder / TOKENIZER_FILE
    tok = Tokenizer.from_file(str(path)) if path.is_file() else Tokenizer.from_str(t5_tokenizer_json(folder))
    vocab = tok.get_vocab(with_added_tokens=True)
    tokens = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
    tokens += [f"<extra_id_{i}>" for i in range(vocab_size - len(tokens))]
    return tokens


class _Weights:
    """Tensors by name across a model's safetensors files (one file, or shards named by the index).

    Each tensor is read by opening its file, copying the tensor out and closing it again: a file
    kept open stays mapped, and every page read from it would count in the process's memory on
    top of the arrays (flan-t5-base's conversion peaked at 2.2 GB that way, against 1.7 GB for
    CTranslate2's own converter). Nothing is kept here either: the spec holds what it needs, and
    a matrix used twice (the shared embedding) is fetched once by the caller."""

    def __init__(self, folder: Path, deltas: LoraDeltas | None = None) -> None:
        from desktop.ml.models.validate import weight_files

        self.folder = folder
        self.deltas = deltas
        self._where: dict[str, str] = {}
        for name in weight_files(folder):
            with self._open(name) as handle:
                self._where.update(dict.fromkeys(handle.keys(), name))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._where.clear()

    def _open(self, file: str) -> Any:
        from safetensors import safe_open

        try:
            return safe_open(str(self.folder / file), framework="numpy")
        except Exception as exc:  # the Rust side raises SafetensorError, OSError or ValueError
            raise InvalidModel(f"The weights of {self.folder.name} are damaged or not safetensors ({exc}).") from exc

    def has(self, name: str) -> bool:
        return name in self._where

    def get(self, name: str) -> np.ndarray:
        """The tensor as a writable array (the spec's quantizer scales it in place)."""
        file = self._where.get(name)
        if file is None:
            raise InvalidModel(f"{self.folder.name} lacks the weight {name}, so it is not a complete T5 model.")
        with self._open(file) as handle:
            if handle.get_slice(name).get_dtype() == "BF16":  # numpy has no bfloat16: widen the raw bits
                array = _bf16_as_float32(self.folder / file, name)
            else:
                array = handle.get_tensor(name)
        if self.deltas is not None:
            array = self.deltas.apply(name, array)
        return array if array.flags.writeable else array.copy()


def _bf16_as_float32(path: Path, name: str) -> np.ndarray:
    """A bfloat16 tensor read straight from its file's bytes (the header gives offsets and shape)
    and widened to float32 exactly (bfloat16 is float32's upper half)."""
    with open(path, "rb") as fh:
        size = int.from_bytes(fh.read(8), "little")
        info = json.loads(fh.read(size))[name]
        start, end = info["data_offsets"]
        fh.seek(8 + size + start)
        raw = np.frombuffer(fh.read(end - start), dtype="<u2")
    return (raw.astype(np.uint32) << 16).view(np.float32).reshape(info["shape"])

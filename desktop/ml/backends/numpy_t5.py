"""A float32 T5 in numpy, greedy decoding only: the self-check's reference answers without torch.

The self-check (``models/self_check.py``) needs the float32 model's answers to a few fixed
prompts when weights arrive. transformers and torch compute them where they are loaded, but a
lean install has neither, and a CTranslate2 process should not import 300 MB to answer eight
prompts. This module computes the same forward pass as transformers' ``T5ForConditionalGeneration``
(``modeling_t5.py``, 4.57): RMS layer norm, relative position buckets computed in the first
layer and shared by the others, unscaled attention, gated or plain feed-forward, the
``d_model ** -0.5`` scale before a tied ``lm_head``; and ``generate``'s greedy search with
``no_repeat_ngram_size`` and EOS, a key/value cache per decoder layer. Float32 tensors are
memory-mapped from the safetensors files (the page cache holds them, the process allocates only
activations); other dtypes are widened once. ``tests/ml/test_numpy_t5.py`` checks the tokens
against transformers'.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from desktop.core.errors import Cancelled, InvalidModel
from desktop.ml.backends.base import GenerationSettings

if TYPE_CHECKING:
    from desktop.ml.backends.lora_merge import LoraDeltas

_F32 = np.float32
_MASKED = np.finfo(np.float32).min  # transformers' additive mask value
_GELU_TANH = math.sqrt(2.0 / math.pi)


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    """transformers' ``gelu_new`` (FLAN-T5's activation): GELU's tanh approximation."""
    return _F32(0.5) * x * (_F32(1.0) + np.tanh(_F32(_GELU_TANH) * (x + _F32(0.044715) * x * x * x)))


def _gelu_erf(x: np.ndarray) -> np.ndarray:
    erf = np.frompyfunc(math.erf, 1, 1)  # numpy has no erf; the self-check's activations are small
    return (x * _F32(0.5) * (1.0 + np.asarray(erf(x / math.sqrt(2.0)), dtype=np.float64))).astype(_F32)


_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "gelu_new": _gelu_tanh, "gelu_fast": _gelu_tanh, "gelu_pytorch_tanh": _gelu_tanh, "gelu": _gelu_erf,
    "relu": lambda x: np.maximum(x, _F32(0)), "silu": lambda x: x / (_F32(1) + np.exp(-x)),
    "swish": lambda x: x / (_F32(1) + np.exp(-x)),
}
_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}


class MappedTensors:
    """A model's tensors by name across its safetensors files, float32 ones mapped, not copied.

    Each file is mapped once and every tensor is a view of it, kept for the model's life: a
    fresh mapping per use would fault every page in again at each decoding step."""

    def __init__(self, folder: Path, deltas: LoraDeltas | None = None) -> None:
        from desktop.ml.models.validate import weight_files

        self.folder, self.deltas = folder, deltas
        self._where: dict[str, tuple[np.ndarray, int, dict[str, Any]]] = {}
        self._arrays: dict[str, np.ndarray] = {}
        for file in weight_files(folder):
            path = folder / file
            try:
                with open(path, "rb") as fh:
                    size = int.from_bytes(fh.read(8), "little")
                    header = json.loads(fh.read(size))
                mapped = np.memmap(path, dtype=np.uint8, mode="r")
            except (OSError, ValueError) as exc:
                raise InvalidModel(f"The weight file {file} in {folder.name} is damaged or not safetensors ({exc}).") from exc
            for name, info in header.items():
                if name != "__metadata__" and isinstance(info, dict):
                    self._where[name] = (mapped, 8 + size, info)

    def has(self, name: str) -> bool:
        return name in self._where

    def get(self, name: str) -> np.ndarray:
        array = self._arrays.get(name)
        if array is None:
            array = self._arrays[name] = self._read(name)
        return array

    def _read(self, name: str) -> np.ndarray:
        found = self._where.get(name)
        if found is None:
            raise InvalidModel(f"{self.folder.name} lacks the weight {name}, so it is not a complete T5 model.")
        mapped, data_start, info = found
        start, end = info["data_offsets"]
        shape, dtype = tuple(info["shape"]), str(info["dtype"])
        raw = mapped[data_start + start: data_start + end]
        try:
            if dtype == "BF16":  # numpy has no bfloat16: float32's upper half, widened exactly
                array = (raw.view("<u2").astype(np.uint32) << 16).view(_F32).reshape(shape)
            elif dtype in _DTYPES:
                array = raw.view(_DTYPES[dtype]).reshape(shape)
                # A view when the file holds aligned float32 (FLAN-T5's do); otherwise one copy.
                array = array if dtype == "F32" and array.flags.aligned else array.astype(_F32)
            else:
                raise InvalidModel(f"{self.folder.name} stores {name} as {dtype}, which is not a float type.")
        except ValueError as exc:
            raise InvalidModel(f"The weights of {self.folder.name} are damaged ({exc}).") from exc
        return self.deltas.apply(name, array) if self.deltas is not None else array


def t5_generation_ids(folder: Path, config: dict[str, Any]) -> tuple[int, set[int]]:
    """The decoder's start id and the ids that end an answer, as ``generate`` reads them
    (``generation_config.json`` first, then config.json; T5 starts from ``<pad>``)."""
    try:
        gen = json.loads((folder / "generation_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        gen = {}
    gen = gen if isinstance(gen, dict) else {}
    start = gen.get("decoder_start_token_id", config.get("decoder_start_token_id"))
    start = start if isinstance(start, int) else config.get("pad_token_id", 0)
    eos = gen.get("eos_token_id", config.get("eos_token_id", 1))
    return int(start), {int(e) for e in (eos if isinstance(eos, list) else [eos]) if isinstance(e, int)}


@dataclass(slots=True)
class _Decoding:
    """One batch's decoding state: cross-attention keys and values, their padding mask, the self-attention cache."""

    cross: list[tuple[np.ndarray, np.ndarray]]
    cross_bias: np.ndarray
    cache: list[tuple[np.ndarray, np.ndarray] | None]


class NumpyT5:
    """One T5 model's float32 weights (mapped) and its greedy ``generate``."""

    def __init__(self, model_dir: Path | str, adapter_dir: Path | str | None = None) -> None:
        from desktop.ml.backends.ct2_convert import t5_config
        from desktop.ml.backends.lora_merge import LoraDeltas

        self.folder = Path(model_dir)
        self.config = config = t5_config(self.folder)
        act = _ACTIVATIONS.get(config["dense_act_fn"])
        if act is None:
            raise InvalidModel(f"{self.folder.name} uses the activation {config['dense_act_fn']!r}, which the "
                               "self-check cannot run without torch.")
        self.act = act
        deltas = LoraDeltas(adapter_dir) if adapter_dir is not None else None
        self.w = MappedTensors(self.folder, deltas)
        self.shared = self.w.get("shared.weight" if self.w.has("shared.weight") else "encoder.embed_tokens.weight")
        tied = config["tie_word_embeddings"] or not self.w.has("lm_head.weight")
        self.lm_head = self.shared if tied else self.w.get("lm_head.weight")
        self.out_scale = _F32(config["d_model"] ** -0.5) if config["tie_word_embeddings"] else None
        self.heads, self.d_kv = config["num_heads"], config["d_kv"]
        self.eps = _F32(config["layer_norm_epsilon"])
        self.start_id, self.eos_ids = t5_generation_ids(self.folder, config)
        self.pad_id = int(config.get("pad_token_id", 0))
        self.enc_bias = self.w.get("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")
        self.dec_bias = self.w.get("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")

    # -- the pieces -------------------------------------------------------------------------

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        """``x @ W.T`` as one 2-D product: a batched 3-D one streams the whole matrix once per row."""
        flat = x.reshape(-1, x.shape[-1]) @ self.w.get(name).T
        return flat.reshape(*x.shape[:-1], flat.shape[-1])

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        variance = np.mean(x * x, axis=-1, keepdims=True, dtype=_F32)
        return self.w.get(name) * (x * (_F32(1.0) / np.sqrt(variance + self.eps)))

    def _split(self, x: np.ndarray) -> np.ndarray:
        b, n, _ = x.shape
        return x.reshape(b, n, self.heads, self.d_kv).transpose(0, 2, 1, 3)

    def _attend(self, q: np.ndarray, k: np.ndarray, v: np.ndarray, bias: np.ndarray, out: str) -> np.ndarray:
        scores = q @ k.transpose(0, 1, 3, 2) + bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        mixed = scores @ v
        b, _, n, _ = mixed.shape
        mixed = mixed.transpose(0, 2, 1, 3).reshape(b, n, self.heads * self.d_kv)
        return self._linear(mixed, out)

    def _ffn(self, x: np.ndarray, prefix: str) -> np.ndarray:
        if self.config["is_gated_act"]:
            hidden = self.act(self._linear(x, f"{prefix}.wi_0.weight")) * self._linear(x, f"{prefix}.wi_1.weight")
        else:
            hidden = self.act(self._linear(x, f"{prefix}.wi.weight"))
        return self._linear(hidden, f"{prefix}.wo.weight")

    def _position_bias(self, table: np.ndarray, queries: np.ndarray, keys: int, *, bidirectional: bool) -> np.ndarray:
        """(1, heads, len(queries), keys): transformers' ``compute_bias`` with its float32 log buckets."""
        relative = np.arange(keys, dtype=np.int64)[None, :] - queries[:, None]
        buckets_total = self.config["relative_attention_num_buckets"]
        buckets = np.zeros_like(relative)
        if bidirectional:
            buckets_total //= 2
            buckets += (relative > 0).astype(np.int64) * buckets_total
            relative = np.abs(relative)
        else:
            relative = -np.minimum(relative, 0)
        exact = buckets_total // 2
        # Positions under ``exact`` take their own bucket; the log is only for the others (kept off 0).
        large = exact + (np.log(np.maximum(relative, 1).astype(_F32) / _F32(exact))
                         / _F32(math.log(self.config["relative_attention_max_distance"] / exact))
                         * _F32(buckets_total - exact)).astype(np.int64)
        large = np.minimum(large, buckets_total - 1)
        buckets += np.where(relative < exact, relative, large)
        return table[buckets].transpose(2, 0, 1)[None].astype(_F32, copy=False)

    # -- the stacks -------------------------------------------------------------------------

    def encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The encoder's last hidden state for a right-padded batch (``mask`` is 1 on real tokens)."""
        x = self.shared[ids].astype(_F32)
        pad = np.where(mask[:, None, None, :] > 0, _F32(0), _MASKED).astype(_F32)
        bias = self._position_bias(self.enc_bias, np.arange(ids.shape[1]), ids.shape[1], bidirectional=True) + pad
        for i in range(self.config["num_layers"]):
            block = f"encoder.block.{i}.layer"
            h = self._norm(x, f"{block}.0.layer_norm.weight")
            att = f"{block}.0.SelfAttention"
            q, k, v = (self._split(self._linear(h, f"{att}.{n}.weight")) for n in "qkv")
            x = x + self._attend(q, k, v, bias, f"{att}.o.weight")
            x = x + self._ffn(self._norm(x, f"{block}.1.layer_norm.weight"), f"{block}.1.DenseReluDense")
        return self._norm(x, "encoder.final_layer_norm.weight")

    def _start(self, batch: Sequence[Sequence[int]]) -> _Decoding:
        """Encode a batch of prompts (right-padded) and project each decoder layer's cross-attention keys and values once."""
        n, width = len(batch), max(len(r) for r in batch)
        ids = np.full((n, width), self.pad_id, dtype=np.int64)
        mask = np.zeros((n, width), dtype=np.int64)
        for i, row in enumerate(batch):
            ids[i, : len(row)], mask[i, : len(row)] = row, 1
        memory = self.encode(ids, mask)
        layers = self.config["num_decoder_layers"]
        att = "decoder.block.{}.layer.1.EncDecAttention.{}.weight"
        cross = [(self._split(self._linear(memory, att.format(i, "k"))), self._split(self._linear(memory, att.format(i, "v"))))
                 for i in range(layers)]
        cross_bias = np.where(mask[:, None, None, :] > 0, _F32(0), _MASKED).astype(_F32)
        cache: list[tuple[np.ndarray, np.ndarray] | None] = [None] * layers
        return _Decoding(cross, cross_bias, cache)

    def _step(self, state: _Decoding, last: np.ndarray, step: int) -> np.ndarray:
        """The next-token logits (batch, vocab) after the tokens ``last`` at position ``step``, the cache extended."""
        x = self.shared[last][:, None, :].astype(_F32)
        bias = self._position_bias(self.dec_bias, np.array([step]), step + 1, bidirectional=False)
        for i in range(len(state.cache)):
            block = f"decoder.block.{i}.layer"
            att = f"{block}.0.SelfAttention"
            h = self._norm(x, f"{block}.0.layer_norm.weight")
            q, k, v = (self._split(self._linear(h, f"{att}.{n}.weight")) for n in "qkv")
            past = state.cache[i]
            if past is not None:
                k, v = np.concatenate([past[0], k], axis=2), np.concatenate([past[1], v], axis=2)
            state.cache[i] = (k, v)
            x = x + self._attend(q, k, v, bias, f"{att}.o.weight")
            att = f"{block}.1.EncDecAttention"
            q = self._split(self._linear(self._norm(x, f"{block}.1.layer_norm.weight"), f"{att}.q.weight"))
            x = x + self._attend(q, *state.cross[i], state.cross_bias, f"{att}.o.weight")
            x = x + self._ffn(self._norm(x, f"{block}.2.layer_norm.weight"), f"{block}.2.DenseReluDense")
        h = self._norm(x[:, 0, :], "decoder.final_layer_norm.weight")
        return (h * self.out_scale if self.out_scale is not None else h) @ self.lm_head.T

    def logits(self, batch: Sequence[Sequence[int]], decoder_ids: np.ndarray) -> np.ndarray:
        """(batch, steps, vocab): the logits after each of ``decoder_ids`` (start token first), teacher-forced
        through the same cached steps ``generate`` takes; what the tests compare with transformers'."""
        with _one_blas_thread():
            state = self._start(batch)
            return np.stack([self._step(state, decoder_ids[:, t], t) for t in range(decoder_ids.shape[1])], axis=1)

    def generate(self, batch: Sequence[Sequence[int]], max_new_tokens: int, no_repeat_ngram_size: int = 0,
                 should_stop: Callable[[], bool] | None = None) -> list[list[int]]:
        """Greedy answers (ids without the start token, up to and without EOS) to already encoded prompts."""
        with _one_blas_thread():
            return self._greedy(batch, max_new_tokens, no_repeat_ngram_size, should_stop)

    def _greedy(self, batch: Sequence[Sequence[int]], max_new_tokens: int, no_repeat_ngram_size: int,
                should_stop: Callable[[], bool] | None) -> list[list[int]]:
        state = self._start(batch)
        tokens = [[self.start_id] for _ in batch]
        done = [False] * len(batch)
        for step in range(max_new_tokens):
            if should_stop is not None and should_stop():
                raise Cancelled()
            logits = self._step(state, np.array([t[-1] for t in tokens]), step)
            for row, seq in enumerate(tokens):
                if done[row]:
                    seq.append(self.pad_id)
                    continue
                for banned in _banned_ngram_tokens(seq, no_repeat_ngram_size):
                    logits[row, banned] = -np.inf
                best = int(np.argmax(logits[row]))
                seq.append(best)
                done[row] = best in self.eos_ids
            if all(done):
                break
        self._adapter_fits()  # every adapted matrix has been read by now
        return [_answer(t[1:], self.eos_ids) for t in tokens]

    def _adapter_fits(self) -> None:
        deltas = self.w.deltas
        if deltas is not None and deltas.unused():
            raise InvalidModel(f"The adapter was trained on another model: {self.folder.name} has no {deltas.unused()[0]}.")


def _one_blas_thread() -> Any:
    """numpy's BLAS on one thread: the decoding steps are small products bound by memory, and
    OpenBLAS's spinning worker threads made them eight times slower on a busy two-core machine
    (32 s instead of 3.8 s for four prompts at flan-t5-small shape, 77 s instead of 9 s at base)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _banned_ngram_tokens(tokens: list[int], size: int) -> list[int]:
    """The tokens that would repeat an n-gram of ``tokens`` (transformers' ``NoRepeatNGramLogitsProcessor``,
    start token included)."""
    if size <= 0 or len(tokens) + 1 < size:
        return []
    prefix = tuple(tokens[len(tokens) + 1 - size:]) if size > 1 else ()
    return [tokens[i + size - 1] for i in range(len(tokens) - size + 1) if tuple(tokens[i:i + size - 1]) == prefix]


def _answer(ids: list[int], eos: set[int]) -> list[int]:
    for i, token in enumerate(ids):
        if token in eos:
            return ids[:i]
    return ids


def greedy_answers(model_dir: Path | str, prompts: Sequence[str], settings: GenerationSettings, *,
                   adapter_dir: Path | str | None = None, cache_dir: Path | None = None,
                   should_stop: Callable[[], bool] | None = None) -> list[str]:
    """The float32 model's greedy answers to ``prompts``, tokenized and decoded by ``TokenCounter``."""
    from desktop.ml.backends.derived import default_root
    from desktop.ml.backends.tokenizer import TokenCounter

    if settings.num_beams != 1 or settings.repetition_penalty != 1.0 or settings.min_new_tokens:
        raise ValueError("the numpy T5 decodes greedily only, without penalties or a minimum length")
    tokenizer = TokenCounter.for_model(model_dir, cache_dir or default_root() / "tokenizers")
    model = NumpyT5(model_dir, adapter_dir)
    ids = model.generate(tokenizer.encode_batch(prompts), settings.max_new_tokens, settings.no_repeat_ngram_size,
                         should_stop)
    return tokenizer.decode_batch(ids)

"""The numpy T5 (the self-check's reference without torch) answers token for token as transformers'
float32 model does: FLAN-T5's tiny random models, T5 v1.0's plain ReLU feed-forward with a tied
head, sharded and bfloat16 weights, and a LoRA adapter merged on the way."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from desktop.core.errors import Cancelled, InvalidModel
from desktop.ml.backends.numpy_t5 import NumpyT5, greedy_answers
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.models.random_model import build_random_t5, copy_real_tokenizer, model_config
from desktop.ml.models.self_check import PROMPTS, SETTINGS, _float32_answers, agreement
from tests.ml._adapters import random_lora


def _same_as_torch(folder: Path, adapter: Path | None = None) -> list[str]:
    torch_answers = _float32_answers(str(folder), str(adapter) if adapter else None)
    numpy_answers = greedy_answers(folder, PROMPTS, SETTINGS, adapter_dir=adapter)
    assert numpy_answers == torch_answers
    tok = TokenCounter.for_model(folder)
    assert agreement(torch_answers, numpy_answers, tok.encode) == (1.0, len(PROMPTS))
    assert sum(len(tok.encode(a)) for a in torch_answers) > 3 * len(PROMPTS)  # the answers say something
    return numpy_answers


def _tokens_and_logits_as_transformers(folder: Path, prompts: tuple[str, ...], atol: float = 1e-4) -> list[list[int]]:
    """transformers' greedy ``generate`` gives the same token ids, and teacher-forced on them, its
    logits at every step are within ``atol`` of the numpy model's; the numpy ids are returned."""
    import torch
    from transformers import T5ForConditionalGeneration

    batch = TokenCounter.for_model(folder).encode_batch(prompts)
    model = NumpyT5(folder)
    ours = model.generate(batch, SETTINGS.max_new_tokens, SETTINGS.no_repeat_ngram_size)
    width = max(len(r) for r in batch)
    ids = torch.tensor([r + [model.pad_id] * (width - len(r)) for r in batch])
    mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in batch])
    reference = T5ForConditionalGeneration.from_pretrained(folder, torch_dtype=torch.float32).eval()
    with torch.no_grad():
        out = reference.generate(input_ids=ids, attention_mask=mask, max_new_tokens=SETTINGS.max_new_tokens,
                                 num_beams=1, do_sample=False, no_repeat_ngram_size=SETTINGS.no_repeat_ngram_size)
    theirs = [_until_eos(row[1:], model.eos_ids) for row in out.tolist()]
    assert ours == theirs
    assert sum(map(len, ours)) > 3 * len(prompts)  # the answers say something
    steps = max(len(a) for a in ours) + 1
    decoder = np.array([[model.start_id, *a, *[model.pad_id] * (steps - 1 - len(a))] for a in ours])
    with torch.no_grad():
        expected = reference(input_ids=ids, attention_mask=mask, decoder_input_ids=torch.tensor(decoder)).logits.numpy()
    np.testing.assert_allclose(model.logits(batch, decoder), expected, rtol=0, atol=atol)
    return ours


def _until_eos(ids: list[int], eos: set[int]) -> list[int]:
    return next((ids[:i] for i, t in enumerate(ids) if t in eos), ids)


def test_tokens_and_logits_of_the_tiny_model(tiny_model_dir: Path) -> None:
    _tokens_and_logits_as_transformers(tiny_model_dir, PROMPTS)


def test_tokens_and_logits_at_flan_t5_small_shape(tmp_path: Path, flan_t5_files: Path) -> None:
    """flan-t5-small's real config (8 layers, d_model 512, 6 heads, gated-gelu, untied head) with random weights.

    Its logits spread four times as wide as the tiny model's (standard deviation 23 against 5.7,
    up to ±110): float32 rounding in 8 layers summed in another order than torch's moves them by
    up to 1.6e-4 (1e-6 of the spread), so the tolerance is 2.5e-4 where the tiny model's is 1e-4."""
    folder = build_random_t5(tmp_path / "small", "small", seed=0)
    assert json.loads((folder / "config.json").read_text())["d_model"] == 512
    _tokens_and_logits_as_transformers(folder, PROMPTS[:4], atol=2.5e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_tiny_models_answer_as_transformers_does(tmp_path: Path, flan_t5_files: Path, seed: int) -> None:
    _same_as_torch(build_random_t5(tmp_path / f"tiny-{seed}", "tiny", seed=seed))


def _custom_t5(out: Path, *, seed: int, dtype: str = "float32", shard: str | None = None, **config: object) -> Path:
    """A random tiny T5 with config fields changed, saved like a Hub folder."""
    import torch
    from transformers import T5ForConditionalGeneration

    values = model_config("tiny").to_dict()
    for derived in ("dense_act_fn", "is_gated_act"):  # T5Config derives them from feed_forward_proj
        values.pop(derived)
    values.update(config)
    cfg = type(model_config("tiny"))(**{k: v for k, v in values.items() if k not in ("model_type", "transformers_version")})
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(cfg).eval().to(getattr(torch, dtype))
    model.save_pretrained(out, safe_serialization=True, **({"max_shard_size": shard} if shard else {}))
    copy_real_tokenizer(out)
    return out


def test_t5_v1_relu_with_a_tied_head_and_sharded_weights(tmp_path: Path, flan_t5_files: Path) -> None:
    """T5 v1.0's layout: ReLU feed-forward, lm_head tied to the embedding (scaled by d_model ** -0.5)."""
    folder = _custom_t5(tmp_path / "t5-v1", seed=3, feed_forward_proj="relu", tie_word_embeddings=True, shard="60KB")
    assert (folder / "model.safetensors.index.json").is_file()
    config = json.loads((folder / "config.json").read_text())
    assert config["feed_forward_proj"] == "relu" and config.get("tie_word_embeddings", True) is True
    model = NumpyT5(folder)
    assert model.lm_head is model.shared and model.out_scale is not None
    _same_as_torch(folder)


def test_bfloat16_weights_are_widened_exactly(tmp_path: Path, flan_t5_files: Path) -> None:
    folder = _custom_t5(tmp_path / "bf16", seed=4, dtype="bfloat16")
    model = NumpyT5(folder)
    assert model.w.get("shared.weight").dtype.name == "float32"
    _same_as_torch(folder)


def test_a_lora_adapter_is_merged_as_peft_merges_it(tiny_model_dir: Path, tmp_path: Path) -> None:
    adapter = random_lora(tiny_model_dir, tmp_path / "adapter")
    with_adapter = _same_as_torch(tiny_model_dir, adapter)
    assert with_adapter != greedy_answers(tiny_model_dir, PROMPTS, SETTINGS)  # the adapter changed the answers


def test_a_missing_weight_is_one_sentence(tiny_model_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    from safetensors.numpy import load_file, save_file

    weights = load_file(str(broken / "model.safetensors"))
    del weights["decoder.final_layer_norm.weight"]
    save_file(weights, str(broken / "model.safetensors"))
    with pytest.raises(InvalidModel, match="lacks the weight decoder.final_layer_norm.weight"):
        greedy_answers(broken, PROMPTS, SETTINGS)


def test_cancel_stops_between_steps(tiny_model_dir: Path) -> None:
    calls: list[int] = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        greedy_answers(tiny_model_dir, PROMPTS, SETTINGS, should_stop=stop)

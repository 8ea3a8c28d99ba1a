"""The numpy CTranslate2 conversion gives what CTranslate2's own (torch) converter gives: the same
files byte for byte and the same generated tokens, and it loads neither torch nor transformers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
PROMPTS = ["summarize: The committee met on Tuesday to review the budget and agreed to postpone the vote.",
           "hello", "Alice will send the revised figures to Bob by Friday."]
FILES = ("config.json", "model.bin", "shared_vocabulary.json")


def _ours(src: Path, out: Path, quantization: str) -> None:
    """Our converter in a fresh process, which must not load torch or transformers."""
    code = (
        "import sys\nfrom desktop.ml.backends.ct2_convert import convert_t5\n"
        f"convert_t5({str(src)!r}, {str(out)!r}, {quantization!r})\n"
        "heavy = sorted(m for m in ('torch', 'transformers') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=300)


def _theirs(src: Path, out: Path, quantization: str) -> None:
    """CTranslate2's converter, which builds the transformers model in torch (its own process:
    our converter keeps torch out of ctranslate2.specs for the life of a process)."""
    code = (
        "from ctranslate2.converters import TransformersConverter\n"
        f"TransformersConverter({str(src)!r}, low_cpu_mem_usage=True).convert({str(out)!r}, "
        f"quantization={quantization!r}, force=True)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=300)


def _generate(folder: Path, src: Path) -> list[list[str]]:
    import ctranslate2
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(src / "tokenizer.json"))
    translator = ctranslate2.Translator(str(folder), device="cpu", intra_threads=1)
    batch = [tok.encode(p).tokens for p in PROMPTS]
    return [r.hypotheses[0] for r in translator.translate_batch(batch, max_decoding_length=12, beam_size=1)]


def _same_as_ctranslate2(src: Path, tmp_path: Path, quantization: str) -> None:
    _ours(src, tmp_path / "ours", quantization)
    _theirs(src, tmp_path / "theirs", quantization)
    for name in FILES:
        assert (tmp_path / "ours" / name).read_bytes() == (tmp_path / "theirs" / name).read_bytes(), name
    out = _generate(tmp_path / "ours", src)
    assert out == _generate(tmp_path / "theirs", src) and any(out)


@pytest.mark.parametrize("quantization", ["int8", "float32"])
def test_flan_t5_layout_converts_like_ctranslate2(tiny_model_dir: Path, tmp_path: Path, quantization: str) -> None:
    """FLAN-T5's layout: gated GELU, untied output matrix, the real 32,128-id vocabulary."""
    _same_as_ctranslate2(tiny_model_dir, tmp_path, quantization)


def test_original_t5_layout_converts_like_ctranslate2(tiny_model_dir: Path, tmp_path: Path) -> None:
    """The original T5's layout: ReLU, no gate, the output tied to the embedding (so the file has
    no lm_head and CTranslate2 scales the outputs)."""
    import torch
    from transformers import T5ForConditionalGeneration

    from desktop.ml.models.random_model import model_config

    config = model_config("tiny")
    config.feed_forward_proj, config.tie_word_embeddings = "relu", True
    config.dense_act_fn, config.is_gated_act = "relu", False
    torch.manual_seed(1)
    src = tmp_path / "t5-relu"
    T5ForConditionalGeneration(config).eval().save_pretrained(src, safe_serialization=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "spiece.model"):
        shutil.copyfile(tiny_model_dir / name, src / name)
    from safetensors import safe_open

    with safe_open(str(src / "model.safetensors"), framework="numpy") as f:
        assert "lm_head.weight" not in f.keys()  # noqa: SIM118
    _same_as_ctranslate2(src, tmp_path, "int8")


def test_a_folder_with_only_spiece_model_gets_the_same_vocabulary(tiny_model_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "spm-only"
    shutil.copytree(tiny_model_dir, src)
    (src / "tokenizer.json").unlink()
    _ours(src, tmp_path / "spm", "int8")
    _ours(tiny_model_dir, tmp_path / "json", "int8")
    vocab = json.loads((tmp_path / "spm" / "shared_vocabulary.json").read_text(encoding="utf-8"))
    assert len(vocab) == 32128 and vocab[32099] == "<extra_id_0>" and vocab[-1] == "<extra_id_27>"
    for name in FILES:
        assert (tmp_path / "spm" / name).read_bytes() == (tmp_path / "json" / name).read_bytes(), name


def test_bfloat16_weights_are_widened_exactly(tiny_model_dir: Path, tmp_path: Path) -> None:
    """numpy has no bfloat16: such files are read from their bytes and widened to float32, which
    generates what the float32 weights generate."""
    import torch
    from safetensors.numpy import load_file, save_file
    from safetensors.torch import save_file as save_torch

    src = tmp_path / "bf16"
    shutil.copytree(tiny_model_dir, src)
    tensors = load_file(str(tiny_model_dir / "model.safetensors"))
    bf16 = {k: torch.from_numpy(v).to(torch.bfloat16) for k, v in tensors.items()}
    save_torch(bf16, str(src / "model.safetensors"), metadata={"format": "pt"})
    widened = tmp_path / "widened"
    shutil.copytree(tiny_model_dir, widened)
    save_file({k: v.float().numpy() for k, v in bf16.items()}, str(widened / "model.safetensors"), metadata={"format": "pt"})
    _ours(src, tmp_path / "from-bf16", "int8")
    _ours(widened, tmp_path / "from-f32", "int8")
    assert (tmp_path / "from-bf16" / "model.bin").read_bytes() == (tmp_path / "from-f32" / "model.bin").read_bytes()


def test_a_model_that_is_not_t5_is_refused(tmp_path: Path) -> None:
    from desktop.core.errors import InvalidModel
    from desktop.ml.backends.ct2_convert import convert_t5

    (tmp_path / "bert").mkdir()
    (tmp_path / "bert" / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(InvalidModel, match="is not a T5 model"):
        convert_t5(tmp_path / "bert", tmp_path / "out")


def test_a_lora_adapter_is_merged_as_peft_merges_it(tiny_model_dir: Path, tmp_path: Path) -> None:
    """The numpy merge adds what peft's merge_and_unload adds, and the model converted with the
    adapter (in a process without torch) generates what CTranslate2's converter makes of peft's
    merged weights."""
    from peft import PeftModel
    from safetensors.numpy import load_file
    from transformers import AutoModelForSeq2SeqLM

    from desktop.ml.backends.lora_merge import LoraDeltas, unsupported
    from tests.ml._adapters import random_lora

    adapter = random_lora(tiny_model_dir, tmp_path / "adapter")
    assert unsupported(adapter) is None
    merged_dir = tmp_path / "merged"
    fresh = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir)
    PeftModel.from_pretrained(fresh, str(adapter)).merge_and_unload().save_pretrained(merged_dir, safe_serialization=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "spiece.model"):
        shutil.copyfile(tiny_model_dir / name, merged_dir / name)
    base_w, merged_w = load_file(str(tiny_model_dir / "model.safetensors")), load_file(str(merged_dir / "model.safetensors"))
    deltas = LoraDeltas(adapter)
    changed = [n for n in base_w if not np.array_equal(base_w[n], merged_w[n])]
    assert len(changed) == 6 * 2 + 4  # q and v of the 6 attentions (2 encoder, 2 + 2 decoder), wo of the 4 FFNs
    for name in base_w:
        np.testing.assert_allclose(deltas.apply(name, base_w[name]), merged_w[name], rtol=0, atol=1e-6)
    code = (
        "import sys\nfrom desktop.ml.backends.jobs import convert_ct2\n"
        f"convert_ct2({str(tiny_model_dir)!r}, {str(adapter)!r}, {str(tmp_path / 'ours')!r}, 'float32')\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules)\nassert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=300)
    _theirs(merged_dir, tmp_path / "theirs", "float32")
    assert _generate(tmp_path / "ours", tiny_model_dir) == _generate(tmp_path / "theirs", tiny_model_dir)
    assert _generate(tmp_path / "ours", tiny_model_dir) != _generate(_converted_base(tiny_model_dir, tmp_path), tiny_model_dir)


def _converted_base(src: Path, tmp_path: Path) -> Path:
    _ours(src, tmp_path / "base", "float32")
    return tmp_path / "base"


def test_adapters_peft_alone_can_merge_are_named(tmp_path: Path) -> None:
    from desktop.ml.backends.lora_merge import unsupported

    (tmp_path / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "use_dora": True, "r": 4}))
    assert unsupported(tmp_path) == "it uses DoRA"

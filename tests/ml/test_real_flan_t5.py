"""Test models are built from the real FLAN-T5 files, and the catalog agrees with those files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.ml.models.catalog import Catalog
from desktop.ml.models.random_model import REAL_SIZES, TOKENIZER_FILES, model_config, real_config

HUB_LAYOUT = {"model.safetensors", "config.json", "generation_config.json", *TOKENIZER_FILES}


def _parameters(size: str) -> int:
    """Weights of ``size`` counted on the meta device: nothing is allocated."""
    import torch
    from transformers import T5ForConditionalGeneration

    with torch.device("meta"):
        model = T5ForConditionalGeneration(model_config(size))
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("size", REAL_SIZES)
def test_catalog_entry_agrees_with_the_real_config(flan_t5_files: Path, size: str) -> None:
    entry = Catalog.load().get(size)
    assert entry is not None and entry.hub_id == f"google/{size}"
    config = real_config(size)
    assert config["vocab_size"] == 32128 and config["feed_forward_proj"] == "gated-gelu"
    assert config["tie_word_embeddings"] is False
    # The catalog's figure is the model card's rounded count; within 2% of the real shape's.
    assert abs(_parameters(size) - entry.parameters) / entry.parameters < 0.02
    # float32 safetensors weigh 4 bytes a weight; the download adds tokenizer files only.
    assert 4 * _parameters(size) <= entry.download_bytes * 1.02


def test_tiny_model_is_laid_out_like_a_hub_download(tiny_model_dir: Path, flan_t5_files: Path) -> None:
    assert {p.name for p in tiny_model_dir.iterdir()} >= HUB_LAYOUT
    for name in TOKENIZER_FILES:
        assert (tiny_model_dir / name).read_bytes() == (flan_t5_files / name).read_bytes()
    config = json.loads((tiny_model_dir / "config.json").read_text(encoding="utf-8"))
    assert config["vocab_size"] == 32128 and config["feed_forward_proj"] == "gated-gelu"
    assert config["tie_word_embeddings"] is False and config["decoder_start_token_id"] == 0
    generation = json.loads((tiny_model_dir / "generation_config.json").read_text(encoding="utf-8"))
    assert generation["decoder_start_token_id"] == 0 and generation["eos_token_id"] == 1


def test_the_real_tokenizer_loses_what_the_readme_says(tiny_model_dir: Path) -> None:
    """The facts the normaliser and the prompts are built on; if a tokenizer update changes
    them, this fails and the README's table must change with it."""
    from desktop.ml.backends.tokenizer import TokenCounter

    tok = TokenCounter.for_model(tiny_model_dir)
    assert tok.decode(tok.encode("one\ntwo\tthree")) == "one two three"
    for ch in "{}<~^`":
        assert tok.unk_id in tok.encode(f"a {ch} b")
    assert tok.unk_id not in tok.encode("a > b")

"""validate_model_dir accepts a real T5 folder and refuses unsafe or unusable ones in one sentence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop.core.errors import InvalidModel
from desktop.ml.models.validate import validate_model_dir


@pytest.fixture
def model_copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "my-t5"))


def _edit_config(folder: Path, **changes) -> None:
    cfg = json.loads((folder / "config.json").read_text())
    cfg.update(changes)
    (folder / "config.json").write_text(json.dumps(cfg))


def test_tiny_model_is_valid_and_parameters_come_from_headers(tiny_model_dir: Path) -> None:
    from transformers import T5ForConditionalGeneration

    info = validate_model_dir(tiny_model_dir)
    assert info.model_type == "t5"
    assert info.architectures == ("T5ForConditionalGeneration",)
    assert info.weight_files == ("model.safetensors",)
    assert set(info.tokenizer_files) == {"tokenizer.json", "spiece.model"}
    assert info.d_model == 32 and info.num_layers == 2
    model = T5ForConditionalGeneration.from_pretrained(tiny_model_dir)
    assert info.parameters == model.num_parameters()
    assert info.weight_bytes == (tiny_model_dir / "model.safetensors").stat().st_size


def test_pickle_only_folder_is_refused_with_the_reason(model_copy: Path) -> None:
    (model_copy / "model.safetensors").unlink()
    (model_copy / "pytorch_model.bin").write_bytes(b"\x80\x04not really a pickle")
    with pytest.raises(InvalidModel) as info:
        validate_model_dir(model_copy)
    msg = info.value.message
    assert "only PyTorch pickle weights (pytorch_model.bin)" in msg
    assert "can run code when loaded" in msg and "safe_serialization=True" in msg


def test_non_t5_config_is_refused(model_copy: Path) -> None:
    _edit_config(model_copy, model_type="bert", architectures=["BertModel"])
    with pytest.raises(InvalidModel, match="not a T5 model .*'bert'"):
        validate_model_dir(model_copy)


def test_encoder_only_architecture_is_refused(model_copy: Path) -> None:
    _edit_config(model_copy, architectures=["T5EncoderModel"])
    with pytest.raises(InvalidModel, match="T5EncoderModel"):
        validate_model_dir(model_copy)


def test_missing_tokenizer_is_refused(model_copy: Path) -> None:
    (model_copy / "tokenizer.json").unlink()
    validate_model_dir(model_copy)  # spiece.model alone is enough
    (model_copy / "spiece.model").unlink()
    with pytest.raises(InvalidModel, match="no tokenizer"):
        validate_model_dir(model_copy)


def test_unreadable_config_and_missing_config(model_copy: Path) -> None:
    (model_copy / "config.json").write_text("{oops")
    with pytest.raises(InvalidModel, match="config.json .* could not be read"):
        validate_model_dir(model_copy)
    (model_copy / "config.json").unlink()
    with pytest.raises(InvalidModel, match="no config.json"):
        validate_model_dir(model_copy)


def test_damaged_safetensors_is_refused(model_copy: Path) -> None:
    weights = model_copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(InvalidModel, match="damaged or not safetensors"):
        validate_model_dir(model_copy)


def test_sharded_weights_with_index(model_copy: Path) -> None:
    from safetensors import safe_open

    shard = "model-00001-of-00001.safetensors"
    (model_copy / "model.safetensors").rename(model_copy / shard)
    with safe_open(str(model_copy / shard), framework="numpy") as f:
        weight_map = {k: shard for k in f.keys()}  # noqa: SIM118
    (model_copy / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    assert validate_model_dir(model_copy).weight_files == (shard,)
    (model_copy / shard).unlink()
    with pytest.raises(InvalidModel, match="missing weight file"):
        validate_model_dir(model_copy)


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidModel, match="not a folder"):
        validate_model_dir(tmp_path / "nothing-here")

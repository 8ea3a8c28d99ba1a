"""The self-check when a model arrives: the float32 answers kept at import, each conversion's
token agreement printed and kept in the manifest, a broken conversion refused in one sentence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop.core.errors import EngineError, InvalidModel
from desktop.core.events import Notice
from desktop.ml.engine.loader import load_text_model
from desktop.ml.models.manifest import ModelManifest
from desktop.ml.models.random_model import build_random_t5
from desktop.ml.models.self_check import BOUND, PROMPTS, RECORD, arrival_record, not_applicable, reference_answers
from desktop.ml.models.store import ModelStore


def test_arrival_keeps_the_float32_answers_and_a_conversion_its_agreement(tmp_path: Path, tiny_model_dir: Path) -> None:
    store = ModelStore(tmp_path / "store")
    store.import_folder(tiny_model_dir, "tiny")
    manifest = ModelManifest.read(store.model_dir("tiny"))
    assert manifest is not None and len(manifest.self_check["reference"]) == len(PROMPTS)
    notices: list[str] = []
    model = load_text_model("tiny", backend="ctranslate2", quantization="int8", threads=1, store_root=store.root,
                            on_event=lambda e: notices.append(e.text) if isinstance(e, Notice) else None)
    model.close()
    entry = ModelManifest.read(store.model_dir("tiny")).self_check["conversions"]["ctranslate2-int8-cpu"]  # type: ignore[union-attr]
    assert entry["passed"] and BOUND <= entry["agreement"] <= 1.0 and entry["prompts"] == len(PROMPTS)
    assert [n for n in notices if n.startswith("Self-check of tiny (ctranslate2 int8): ")]  # printed once
    # The next load reads the record instead of answering again, and prints nothing.
    notices.clear()
    load_text_model("tiny", backend="ctranslate2", quantization="int8", threads=1, store_root=store.root,
                    on_event=lambda e: notices.append(e.text) if isinstance(e, Notice) else None).close()
    assert not [n for n in notices if n.startswith("Self-check")]


def test_a_conversion_that_answers_unlike_the_model_is_refused(tmp_path: Path, tiny_model_dir: Path) -> None:
    """The installed weights are replaced by another model's (same shape) after arrival, as a faulty
    conversion would: the converted model answers unlike the float32 answers kept at import."""
    store = ModelStore(tmp_path / "store")
    store.import_folder(tiny_model_dir, "tiny")
    other = build_random_t5(tmp_path / "other", "tiny", seed=7)
    shutil.copyfile(other / "model.safetensors", store.model_dir("tiny") / "model.safetensors")
    with pytest.raises(EngineError) as caught:
        load_text_model("tiny", backend="ctranslate2", quantization="int8", threads=1, store_root=store.root)
    sentence = caught.value.message
    assert sentence.startswith("The ctranslate2 int8 conversion of tiny answers unlike the original model (")
    assert f"at least {BOUND:.0%}" in sentence and sentence.count(". ") == 0 and sentence.endswith(".")
    record = ModelManifest.read(store.model_dir("tiny")).self_check["conversions"]["ctranslate2-int8-cpu"]  # type: ignore[union-attr]
    assert not record["passed"] and record["agreement"] < BOUND
    derived = next((store.root / "derived").iterdir())
    assert not list(derived.glob("ctranslate2-int8-*"))  # its files are gone: the next load builds them again
    assert json.loads((derived / RECORD).read_text())["conversions"]["ctranslate2-int8-cpu"]["passed"] is False


def test_weights_that_answer_nothing_are_refused_on_arrival(tmp_path: Path, tiny_model_dir: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    broken = tmp_path / "nan-t5"
    shutil.copytree(tiny_model_dir, broken)
    weights = {k: torch.full_like(v, float("nan")) for k, v in load_file(str(broken / "model.safetensors")).items()}
    save_file(weights, str(broken / "model.safetensors"), metadata={"format": "pt"})
    store = ModelStore(tmp_path / "store")
    with pytest.raises(InvalidModel, match="answers none of the self-check prompts"):
        store.import_folder(broken, "nan")
    assert not store.is_installed("nan")


def test_the_check_applies_to_t5_text_models_only(tmp_path: Path, tiny_model_dir: Path) -> None:
    """Decided from each folder's config.json, never its name: a Whisper model (as transformers
    saves it, or in CTranslate2 form as faster-whisper's are), an encoder alone, no config at all."""
    assert not_applicable(tiny_model_dir) is None

    def folder(name: str, config: dict[str, object] | None, weights: str) -> Path:
        out = tmp_path / name
        out.mkdir()
        if config is not None:
            (out / "config.json").write_text(json.dumps(config))
        (out / weights).write_bytes(b"weights")
        return out

    hf_whisper = folder("flan-t5-named-whisper", {"model_type": "whisper", "architectures": ["WhisperForConditionalGeneration"],
                                                  "is_encoder_decoder": True}, "model.safetensors")
    ct2_whisper = folder("ct2-whisper", {"alignment_heads": [[1, 2]], "lang_ids": [50259], "suppress_ids": [1]}, "model.bin")
    encoder = folder("t5-encoder", {"model_type": "t5", "architectures": ["T5EncoderModel"]}, "model.safetensors")
    pickled = folder("t5-pickled", {"model_type": "t5", "architectures": ["T5ForConditionalGeneration"]}, "pytorch_model.bin")
    bare = folder("bare", None, "model.bin")
    assert "whisper model" in (not_applicable(hf_whisper) or "")
    assert "names no model type" in (not_applicable(ct2_whisper) or "")
    assert "T5EncoderModel" in (not_applicable(encoder) or "")
    assert "safetensors" in (not_applicable(pickled) or "")
    assert "no config.json" in (not_applicable(bare) or "")
    record = arrival_record(hf_whisper)
    assert record["applies"] is False and record["why"] == not_applicable(hf_whisper) and "reference" not in record


def test_without_torch_the_reference_is_computed_with_numpy(monkeypatch: pytest.MonkeyPatch, tiny_model_dir: Path) -> None:
    """A process that has not loaded torch (a lean install, a CTranslate2 worker) gets the same
    float32 answers from numpy that torch gives."""
    import sys

    with_torch = reference_answers(tiny_model_dir)
    monkeypatch.setitem(sys.modules, "torch", None)  # as if it were not installed: `import torch` raises
    assert reference_answers(tiny_model_dir) == with_torch

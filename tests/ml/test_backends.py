"""Every backend and quantization on the tiny random T5: batching, agreement, cache, Cancel, scores, LoRA."""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled, EngineError
from desktop.ml.backends import available_backends, create_backend, cuda_available, resolve_auto
from desktop.ml.backends.base import Backend, GenerationSettings, ModelRef
from desktop.ml.backends.derived import MANIFEST

CONFIGS = [("torch", "float32"), ("torch", "int8"), ("onnx", "float32"), ("onnx", "int8"),
           ("ctranslate2", "int8"), ("ctranslate2", "float32")]
FP32 = [c for c in CONFIGS if c[1] == "float32"]
IDS = [f"{b}-{q}" for b, q in CONFIGS]

PROMPTS = [
    "Summarize: the committee met on Tuesday to review the budget and agreed to postpone the vote until March.",
    "hello",
    "Alice will send the revised figures to Bob by Friday.",
    "Please reply by the end of the week if you cannot attend the meeting on the fifth of June. " * 3,
    "Carol asked for a summary of the risks.",
]
SETTINGS = GenerationSettings(max_new_tokens=24, no_repeat_ngram_size=3)
#: Small enough that the prompts above split into several batches.
TINY_BUDGET = 64


def _tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def derived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("derived")


@pytest.fixture(scope="module")
def tiny_ref(tiny_model_dir: Path) -> ModelRef:
    return ModelRef("tiny", tiny_model_dir, "test-revision")


@pytest.fixture(scope="module")
def loaded(tiny_ref: ModelRef, derived: Path):
    """Backends loaded once per module (ONNX export and CT2 conversion are the slow part)."""
    cache: dict[tuple[str, str], Backend] = {}

    def get(name: str, quant: str) -> Backend:
        if (name, quant) not in cache:
            backend = create_backend(name)
            backend.token_budget = TINY_BUDGET  # type: ignore[attr-defined]
            backend.load(tiny_ref, quantization=quant, threads=1, derived_dir=derived)
            cache[(name, quant)] = backend
        return cache[(name, quant)]

    yield get
    for backend in cache.values():
        backend.close()


@pytest.mark.parametrize(("name", "quant"), CONFIGS, ids=IDS)
def test_generate_batches_in_input_order(loaded: Callable[[str, str], Backend], name: str, quant: str) -> None:
    backend = loaded(name, quant)
    seen: list[tuple[int, str]] = []
    outputs = backend.generate(PROMPTS, SETTINGS, on_result=lambda i, t: seen.append((i, t)))
    assert len(outputs) == len(PROMPTS)
    assert sorted(i for i, _ in seen) == list(range(len(PROMPTS)))
    assert all(outputs[i] == text for i, text in seen)
    assert all(isinstance(t, str) and t for t in outputs)
    info = backend.info()
    assert (info.backend, info.quantization, info.device, info.model) == (name, quant, "cpu", "tiny")
    assert info.memory_mb and info.memory_mb > 10
    if quant == "float32":
        # Each output is what the prompt gives alone: batching and padding change nothing.
        # (int8 quantizes activations per batch, so there it may differ slightly.)
        assert [backend.generate([p], SETTINGS)[0] for p in PROMPTS] == outputs


def test_greedy_float32_outputs_agree_across_backends(loaded: Callable[[str, str], Backend]) -> None:
    settings = GenerationSettings(max_new_tokens=30, min_new_tokens=4, no_repeat_ngram_size=3, repetition_penalty=1.3)
    results = {name: loaded(name, quant).generate(PROMPTS, settings) for name, quant in FP32}
    assert results["onnx"] == results["torch"]
    assert results["ctranslate2"] == results["torch"]


def test_beam_search_runs_on_every_backend(loaded: Callable[[str, str], Backend]) -> None:
    settings = GenerationSettings(max_new_tokens=16, num_beams=3, no_repeat_ngram_size=3)
    results = {name: loaded(name, quant).generate(PROMPTS[:3], settings) for name, quant in FP32}
    assert all(len(r) == 3 and all(r) for r in results.values())
    # Same transformers beam search on both: identical. (CTranslate2's beam search stops
    # slightly differently, so only its shape is checked.)
    assert results["onnx"] == results["torch"]


@pytest.mark.parametrize(("name", "quant"), CONFIGS, ids=IDS)
def test_cancel_stops_generation_within_a_second(loaded: Callable[[str, str], Backend], name: str, quant: str) -> None:
    backend = loaded(name, quant)
    # Thousands of forced tokens for 16 prompts: several seconds of work if not cancelled.
    settings = GenerationSettings(max_new_tokens=3000, min_new_tokens=3000, no_repeat_ngram_size=0)
    prompts = [f"Summarize item {i}: the committee met on Tuesday." for i in range(16)]
    results: list[int] = []
    start = time.monotonic()
    with pytest.raises(Cancelled):
        backend.generate(prompts, settings, should_stop=lambda: time.monotonic() - start > 0.3,
                         on_result=lambda i, t: results.append(i))
    assert time.monotonic() - start < 1.3
    # A later call works normally.
    assert backend.generate(PROMPTS[:1], SETTINGS)


@pytest.mark.parametrize(("name", "quant"), [("torch", "int8"), ("onnx", "int8")])
def test_cancel_while_encoding(loaded: Callable[[str, str], Backend], name: str, quant: str) -> None:
    """The encoder runs in slices with Cancel checked between them (no stopping criterion runs there)."""
    calls = {"n": 0}

    def stop_on_second_check() -> bool:  # 1st: before the batch; 2nd: before the first encoder slice
        calls["n"] += 1
        return calls["n"] >= 2

    with pytest.raises(Cancelled):
        loaded(name, quant).generate([PROMPTS[3]] * 4, SETTINGS, should_stop=stop_on_second_check)
    assert calls["n"] == 2


def test_cancel_beam_search_returns_at_once(loaded: Callable[[str, str], Backend]) -> None:
    """CTranslate2 calls no per-step callback for beams: the batch runs asynchronously and the
    wait for it ends as soon as Cancel is pressed (the batch finishes in the background)."""
    backend = loaded("ctranslate2", "int8")
    settings = GenerationSettings(max_new_tokens=200, min_new_tokens=200, num_beams=2, no_repeat_ngram_size=0)
    prompts = [f"Item {i}: the committee met." for i in range(40)]
    calls = {"n": 0}

    def stop_after_first_batch() -> bool:
        calls["n"] += 1
        return calls["n"] > 1

    with pytest.raises(Cancelled):
        backend.generate(prompts, settings, should_stop=stop_after_first_batch)


@pytest.mark.parametrize(("name", "quant"), CONFIGS, ids=IDS)
def test_scores_are_finite_and_agree(loaded: Callable[[str, str], Backend], name: str, quant: str) -> None:
    options = ["yes", "no", "the budget was postponed until March", ""]
    prompt = "Question: was the vote postponed? Context: the committee agreed to postpone the vote."
    scores = loaded(name, quant).score(prompt, options)
    reference = loaded("torch", "float32").score(prompt, options)
    assert len(scores) == len(options) and all(math.isfinite(s) and s < 0 for s in scores)
    # int8 rounds weights and activations: close to float32, not equal (random weights make it worse).
    tolerance = 1e-3 if quant == "float32" else 1.0
    assert all(abs(a - b) < tolerance for a, b in zip(scores, reference)), (scores, reference)


@pytest.mark.parametrize(("name", "quant"), CONFIGS, ids=IDS)
def test_submitted_scores_match_scoring_one_prompt_at_a_time(loaded: Callable[[str, str], Backend], name: str,
                                                            quant: str) -> None:
    backend = loaded(name, quant)
    requests = [(PROMPTS[0], ["yes", "no"]), (PROMPTS[3], ["yes", "no", "the fifth of June"]), (PROMPTS[4], ["risks"])]
    collect = backend.submit_scores(requests)
    backend.generate(PROMPTS[:2], SETTINGS)  # generation queued behind the scoring does not disturb it
    got = collect()
    want = [backend.score(prompt, options) for prompt, options in requests]
    assert [len(g) for g in got] == [2, 3, 1]
    # Batched int8 activations are quantized per batch: close to one-at-a-time, not equal.
    tolerance = 1e-3 if quant == "float32" else 0.5
    assert all(abs(a - b) < tolerance for g, w in zip(got, want) for a, b in zip(g, w)), (got, want)
    assert backend.submit_scores([])() == []


@pytest.mark.parametrize(("name", "quant"), CONFIGS, ids=IDS)
def test_on_queued_fires_once_per_call(loaded: Callable[[str, str], Backend], name: str, quant: str) -> None:
    events: list[str] = []
    loaded(name, quant).generate(PROMPTS, SETTINGS, on_result=lambda i, text: events.append("result"),
                                 on_queued=lambda: events.append("queued"))
    assert events.count("queued") == 1 and events.count("result") == len(PROMPTS)


def test_ctranslate2_calls_on_queued_while_its_last_batches_still_run(tiny_ref: ModelRef, derived: Path) -> None:
    """Two workers: whatever is queued then (the labels) runs on the worker the last batch leaves free."""
    backend = create_backend("ctranslate2")
    backend.token_budget = TINY_BUDGET  # type: ignore[attr-defined]
    backend.load(tiny_ref, quantization="int8", threads=2, derived_dir=derived)
    try:
        events: list[str] = []
        backend.generate(PROMPTS, SETTINGS, on_result=lambda i, text: events.append("result"),
                         on_queued=lambda: events.append("queued"))
        assert events.count("queued") == 1 and events[-1] == "result", events
        scores = backend.submit_scores([(PROMPTS[0], ["yes", "no"])] * 3)()
        # The same prompt three times, split over both workers: the same scores (int8 within rounding).
        assert len(scores) == 3 and all(abs(a - b) < 0.5 for other in scores for a, b in zip(scores[0], other))
    finally:
        backend.close()


def test_ctranslate2_runs_batches_of_long_prompts_one_at_a_time(tiny_ref: ModelRef, derived: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Their attention memory grows with the square of the length (643 MB for 2048 tokens at base
    shape): a batch with a long prompt never runs beside another one."""
    from desktop.ml.backends import ct2_backend

    backend = create_backend("ctranslate2")
    backend.token_budget = TINY_BUDGET  # type: ignore[attr-defined]
    backend.load(tiny_ref, quantization="int8", threads=2, derived_dir=derived)
    real = backend._translator  # type: ignore[attr-defined]
    running_at_submit: list[int] = []
    submitted: list[list] = []

    class Watching:
        def translate_batch(self, source, **kwargs):  # type: ignore[no-untyped-def]
            running_at_submit.append(sum(1 for batch in submitted if not all(r.done() for r in batch)))
            submitted.append(real.translate_batch(source, **kwargs))
            return submitted[-1]

    backend._translator = Watching()  # type: ignore[attr-defined]
    try:
        monkeypatch.setattr(ct2_backend, "SOLO_TOKENS", 8)  # every prompt here is "long"
        outputs = backend.generate(PROMPTS, GenerationSettings(max_new_tokens=24, min_new_tokens=24))
        assert len(running_at_submit) >= 3 and running_at_submit == [0] * len(running_at_submit)
        assert all(outputs)
    finally:
        backend._translator = real  # type: ignore[attr-defined]
        backend.close()


@pytest.mark.parametrize("name", ["onnx", "ctranslate2"])
def test_derived_files_are_reused(loaded: Callable[[str, str], Backend], tiny_ref: ModelRef, derived: Path, name: str) -> None:
    first = loaded(name, "int8")
    folder: Path = first.folder  # type: ignore[attr-defined]
    manifest = folder / MANIFEST
    stamp = (manifest.stat().st_mtime_ns, folder.stat().st_ino)
    again = create_backend(name)
    started = time.monotonic()
    again.load(tiny_ref, quantization="int8", threads=1, derived_dir=derived)
    assert time.monotonic() - started < 3  # no export or conversion (those spawn torch: > 3 s)
    assert again.folder == folder  # type: ignore[attr-defined]
    assert (manifest.stat().st_mtime_ns, folder.stat().st_ino) == stamp
    assert not list(derived.glob(".*build"))
    again.close()


def test_cancel_during_export_leaves_nothing_half_built(tiny_ref: ModelRef, tmp_path: Path) -> None:
    backend = create_backend("onnx")
    with pytest.raises(Cancelled):
        backend.load(tiny_ref, quantization="float32", derived_dir=tmp_path, should_stop=lambda: True)
    assert [p.name for p in tmp_path.iterdir() if p.name != "tokenizers"] == []


@pytest.fixture(scope="module")
def lora_adapter(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random (non-zero) LoRA adapter on the tiny model, saved as peft does after fine-tuning."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSeq2SeqLM

    torch.manual_seed(1)
    base = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir)
    config = LoraConfig(r=4, lora_alpha=16, target_modules=["q", "v", "wo"], init_lora_weights=False,
                        task_type="SEQ_2_SEQ_LM")
    out = tmp_path_factory.mktemp("lora") / "adapter"
    get_peft_model(base, config).save_pretrained(str(out))
    return out


def test_lora_adapter_changes_output_and_not_the_base(
    loaded: Callable[[str, str], Backend], tiny_model_dir: Path, lora_adapter: Path, derived: Path
) -> None:
    before = _tree_hash(tiny_model_dir)
    ref = ModelRef("tiny", tiny_model_dir, "test-revision", adapter_path=lora_adapter, adapter_id="lora-test")
    base_out = loaded("torch", "float32").generate(PROMPTS, SETTINGS)
    outputs = {}
    for name in ("torch", "onnx", "ctranslate2"):
        backend = create_backend(name)
        backend.load(ref, quantization="float32", threads=1, derived_dir=derived)
        outputs[name] = backend.generate(PROMPTS, SETTINGS)
        backend.close()
    assert outputs["torch"] != base_out
    assert outputs["onnx"] == outputs["torch"] and outputs["ctranslate2"] == outputs["torch"]
    assert _tree_hash(tiny_model_dir) == before


def test_ct2_generates_without_importing_torch(loaded: Callable[[str, str], Backend], tiny_model_dir: Path,
                                              derived: Path) -> None:
    loaded("ctranslate2", "int8")  # make sure the conversion is cached
    code = f"""
import sys
from pathlib import Path
from desktop.ml.backends import available_backends, create_backend, resolve_auto
from desktop.ml.backends.base import GenerationSettings, ModelRef
assert resolve_auto("cpu", "auto")[0] == "ctranslate2" and available_backends()
b = create_backend("ctranslate2")
b.load(ModelRef("tiny", Path({str(tiny_model_dir)!r}), "test-revision"), quantization="int8",
       threads=1, derived_dir=Path({str(derived)!r}))
assert b.generate(["hello there", "the committee met"], GenerationSettings(max_new_tokens=8))
assert b.score("q", ["yes", "no"])
heavy = [m for m in ("torch", "transformers", "optimum") if m in sys.modules]
assert not heavy, heavy
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2], timeout=120)


def test_registry_and_auto_choice() -> None:
    assert available_backends() == ["ctranslate2", "onnx", "torch"]  # all installed in the dev venv
    assert cuda_available() is False  # no GPU on the test machines
    assert resolve_auto("auto", "auto") == ("ctranslate2", "int8", "cpu")
    assert resolve_auto("cpu", "float32") == ("ctranslate2", "float32", "cpu")
    with pytest.raises(EngineError):
        resolve_auto("cuda", "auto")
    with pytest.raises(EngineError):
        create_backend("tensorflow")


def test_misuse_gives_plain_errors(tiny_ref: ModelRef, tmp_path: Path) -> None:
    backend = create_backend("onnx")
    with pytest.raises(EngineError):
        backend.generate(["x"], SETTINGS)
    with pytest.raises(EngineError):
        backend.load(tiny_ref, quantization="bfloat16", derived_dir=tmp_path)
    with pytest.raises(EngineError):
        create_backend("torch").load(tiny_ref, device="cuda", quantization="bfloat16", derived_dir=tmp_path)

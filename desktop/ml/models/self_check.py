"""The self-check of a model as it arrives: a converted model must answer like the float32 one.

When a T5 text model's weights arrive (download, import, a full fine-tune) the float32 model
answers a fixed set of prompts (computed with numpy where torch is not loaded) and its answers
are kept in the model's manifest; a model whose float32 answers are all empty (NaN weights, a
damaged file that still loads) is refused. Other kinds (speech models, models already in
CTranslate2 form) arrive with a manifest entry saying that no self-check applies, and why. When a conversion or a
quantization is first loaded (CTranslate2, ONNX, torch int8, a GPU's bfloat16), it answers the
same prompts, and the share of tokens that agree with the float32 answers is printed, kept in
the manifest (and beside the derived files), and compared with the bound below: a conversion
under it is refused in one sentence and its files removed, so it is built again next time.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from desktop.core.atomic import atomic_write_text
from desktop.core.errors import EngineError, InvalidModel
from desktop.ml.backends.base import Backend, GenerationSettings, ModelRef

log = logging.getLogger(__name__)

VERSION = 1
#: The fixed prompts: FLAN-style tasks of the kinds Precis asks (a summary, a title, a list, a
#: yes/no and an NLI question, a label), with numbers, dates and names to copy.
PROMPTS = (
    "Summarize: The council approved a budget of 4.2 million dollars on Tuesday 3 December, after a two-hour debate.",
    "Write a short title for this summary. The library cut its electricity use by 18 percent after installing LEDs.",
    "List the action items: Tom will fix the export crash by Wednesday. Aiko writes the help article by Friday.",
    "The report was prepared by the Facilities Committee in October 2026.\n\nWho prepared the report?",
    ("Priya asked whether the QA budget is still available.\n\nDoes this sentence ask someone to do something?"
    "\n\nOPTIONS:\n- yes\n- no"),
    ("The move happens over the weekend of 5-6 December.\n\nBased on the paragraph above can we conclude that "
    "\"The move happens in December.\"?\n\nOPTIONS:\n- yes\n- it is not possible to tell\n- no"),
    "Translate English to German: The meeting starts at nine tomorrow morning.",
    "Please answer this question: What is the capital of France?",
)
SETTINGS = GenerationSettings(max_new_tokens=24, min_new_tokens=0, num_beams=1, no_repeat_ngram_size=3)
#: A conversion whose answers agree with the float32 answers on fewer tokens than this is refused.
#: benchmarks/self_check.py measures both sides on random-weight models (the Hub is out of reach;
#: their nearly flat next-token scores make them the harsh case: one rounding flip changes the
#: rest of an answer). Sound int8 conversions (CTranslate2, ONNX Runtime, torch; the tiny model
#: with three seeds and a model of flan-t5-small's shape) agreed on 0.22-0.61 of tokens; broken
#: ones (another model's weights, one layer zeroed, one layer scaled tenfold, every sign flipped)
#: on 0.02-0.06. Trained models' int8 conversions agree on 0.94-0.99 (benchmarks/README.md,
#: "Quality: int8 against float32"). 0.15 sits in the gap: above every broken conversion by more
#: than twice their highest share, below every sound one. A real model converted this badly is
#: far outside its normal range, so the bound refuses only what is broken.
BOUND = 0.15
MANIFEST_KEY = "self_check"
RECORD = "self-check.json"


@dataclass(slots=True)
class SelfCheck:
    """One conversion's result: the share of agreeing tokens and whether it passed."""

    backend: str
    quantization: str
    device: str
    agreement: float
    passed: bool
    bound: float = BOUND
    prompts: int = len(PROMPTS)
    identical: int = 0
    version: int = VERSION
    key: str = ""

    def sentence(self, model: str) -> str:
        verdict = "passed" if self.passed else "failed"
        return (f"Self-check of {model} ({self.backend} {self.quantization}): {self.agreement:.0%} of tokens agree "
                f"with the float32 model on {self.prompts} fixed prompts ({verdict}; the bound is {self.bound:.0%}).")


def reference_answers(model_dir: Path, adapter_dir: Path | None = None) -> list[str]:
    """The float32 model's answers to ``PROMPTS``: with torch where this process has loaded it
    already (the torch backend, fine-tuning), else with numpy (``backends/numpy_t5.py``: the same
    tokens, tests/ml/test_numpy_t5.py, without importing 300 MB), so an install without torch
    checks arriving models too. Only an adapter that peft alone can merge needs torch, in a
    spawned child (a CTranslate2 process never holds torch)."""
    adapter = str(adapter_dir) if adapter_dir else None
    if sys.modules.get("torch") is not None:  # None while ct2_convert hides it for an import
        return _float32_answers(str(model_dir), adapter)
    from desktop.ml.backends.lora_merge import unsupported

    if adapter_dir is None or unsupported(adapter_dir) is None:
        from desktop.ml.backends.numpy_t5 import greedy_answers

        return greedy_answers(model_dir, PROMPTS, SETTINGS, adapter_dir=adapter_dir)
    import tempfile

    from desktop.ml.backends.child import run_in_child

    with tempfile.TemporaryDirectory(prefix="precis-selfcheck-") as scratch:
        out = Path(scratch) / "answers.json"
        run_in_child(write_reference, str(model_dir), adapter, str(out), what="Checking the model's answers")
        return list(json.loads(out.read_text(encoding="utf-8")))


def write_reference(model_dir: str, adapter_dir: str | None, out: str) -> None:
    """Child-process entry: the float32 answers as a JSON list in ``out``."""
    atomic_write_text(Path(out), json.dumps(_float32_answers(model_dir, adapter_dir)))


def _float32_answers(model_dir: str, adapter_dir: str | None) -> list[str]:
    from desktop.ml.backends.torch_backend import TorchBackend

    ref = ModelRef("self-check", Path(model_dir), "self-check", Path(adapter_dir) if adapter_dir else None)
    engine = TorchBackend()
    engine.load(ref, device="cpu", quantization="float32", threads=0)
    try:
        return engine.generate(list(PROMPTS), SETTINGS)
    finally:
        engine.close()


def not_applicable(model_dir: Path) -> str | None:
    """Why the self-check does not apply to the model in ``model_dir``, or None when it does.

    It asks a T5 sequence-to-sequence text model (the kinds ``validate.ARCHITECTURES`` names, with
    their text-generating head and safetensors weights) the fixed prompts. Decided from the
    model's own config.json, never its name: a speech model (Whisper), a model already in
    CTranslate2 form (its config.json names no model_type) or any other kind has no answers to
    compare, and is installed without one."""
    from desktop.ml.models.validate import ARCHITECTURES

    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "it has no config.json naming its kind"
    except (OSError, ValueError):
        return "its config.json could not be read"
    kind = config.get("model_type") if isinstance(config, dict) else None
    if not isinstance(kind, str) or not kind:
        return "its config.json names no model type (a model in CTranslate2 form, or another format)"
    if kind not in ARCHITECTURES:
        return f"it is a {kind} model, and the self-check's prompts are for T5 text models"
    heads = config.get("architectures") or []
    other = [a for a in heads if a not in ARCHITECTURES[kind]] if isinstance(heads, list) else []
    if other or config.get("is_encoder_decoder") is False:
        return f"it is a {other[0] if other else kind + ' encoder'} without T5's text-generating head"
    if not any(p.suffix == ".safetensors" for p in model_dir.iterdir()):
        return "its weights are not in safetensors form"
    return None


def not_applying(kind: str) -> dict[str, Any]:
    """The manifest's entry for a model of a ``kind`` other than "summarizer" (a transcriber):
    never asked the prompts, which are for T5 text models."""
    what = "a speech-to-text model" if kind == "transcriber" else f"a {kind} model"
    return {"version": VERSION, "applies": False, "why": f"it is {what}, and the self-check's prompts are for T5 text models"}


def arrival_record(model_dir: Path) -> dict[str, Any]:
    """The manifest's self-check entry for weights that just arrived; ``InvalidModel`` when the
    float32 model answers nothing at all (weights that load but compute NaN). A model the check
    does not apply to (``not_applicable``) gets an entry that says so and why."""
    why = not_applicable(model_dir)
    if why is not None:
        log.info("no self-check for %s: %s", model_dir.name, why)
        return {"version": VERSION, "applies": False, "why": why}
    answers = reference_answers(model_dir)
    if not any(a.strip() for a in answers):
        raise InvalidModel(f"{model_dir.name} loads but answers none of the self-check prompts (its weights may be "
                           "damaged); download or import it again.")
    return {"version": VERSION, "reference": answers, "conversions": {}}


def agreement(reference: list[str], answers: list[str], encode: Callable[[str], list[int]]) -> tuple[float, int]:
    """Share of token positions holding the same token, over the longer answer of each pair, and
    how many answers are identical (the measure of benchmarks/speed_quality.py)."""
    matched = total = 0
    for a, b in zip(reference, answers):
        ia, ib = encode(a), encode(b)
        matched += sum(1 for x, y in zip(ia, ib) if x == y)
        total += max(len(ia), len(ib))
    return (matched / total if total else 1.0), sum(1 for a, b in zip(reference, answers) if a == b)


def check_conversion(engine: Backend, ref: ModelRef, backend: str, quantization: str, device: str,
                     encode: Callable[[str], list[int]], record_dir: Path, manifest_dir: Path | None,
                     tool_key: dict[str, str]) -> SelfCheck | None:
    """Compare the loaded ``engine`` with the float32 answers, once per conversion; None when
    there is nothing to compare (float32 on the CPU is the reference itself)."""
    if backend == "torch" and quantization == "float32" and device == "cpu":
        return None
    key = json.dumps({"model": ref.identity, "backend": backend, "quantization": quantization, "device": device,
                      "version": VERSION, **tool_key}, sort_keys=True)
    records = _read(record_dir / RECORD)
    name = f"{backend}-{quantization}-{device}"
    previous = records.get("conversions", {}).get(name)
    if previous and previous.get("key") == key and previous.get("passed"):
        # Checked at an earlier load: returned without its key, so nothing is printed again.
        return SelfCheck(**{k: previous[k] for k in SelfCheck.__dataclass_fields__ if k in previous and k != "key"})
    reference = _reference(ref, records, manifest_dir)
    answers = engine.generate(list(PROMPTS), SETTINGS)
    share, identical = agreement(reference, answers, encode)
    result = SelfCheck(backend, quantization, device, round(share, 4), share >= BOUND, identical=identical, key=key)
    records.setdefault("conversions", {})[name] = asdict(result)
    records["reference"] = reference
    records["version"] = VERSION
    atomic_write_text(record_dir / RECORD, json.dumps(records, indent=2))
    if manifest_dir is not None:
        _mirror(manifest_dir, name, result)
    return result


def refusal(model: str, result: SelfCheck) -> EngineError:
    return EngineError(f"The {result.backend} {result.quantization} conversion of {model} answers unlike the original "
                       f"model ({result.agreement:.0%} of tokens agree on the self-check prompts; a sound conversion "
                       f"agrees on at least {result.bound:.0%}), so Precis will not use it; choose another engine or "
                       f"quantization in Settings, or import the model again.")


def _reference(ref: ModelRef, records: dict[str, Any], manifest_dir: Path | None) -> list[str]:
    """The float32 answers: kept with the derived files, or in the manifest since arrival, or computed now."""
    if records.get("version") == VERSION and len(records.get("reference", [])) == len(PROMPTS):
        return list(records["reference"])
    if manifest_dir is not None and ref.adapter_path is None:
        stored = _read(manifest_dir / "precis-model.json").get(MANIFEST_KEY, {})
        if stored.get("version") == VERSION and len(stored.get("reference", [])) == len(PROMPTS):
            return list(stored["reference"])
    return reference_answers(ref.path, ref.adapter_path)


def _mirror(manifest_dir: Path, name: str, result: SelfCheck) -> None:
    """Keep the result in the model's own manifest too, where the model manager reads it."""
    from desktop.ml.models.manifest import ModelManifest

    manifest = ModelManifest.read(manifest_dir)
    if manifest is None:
        return
    entry = dict(manifest.self_check or {})
    entry.setdefault("version", VERSION)
    entry.setdefault("conversions", {})[name] = {k: v for k, v in asdict(result).items() if k != "key"}
    manifest.self_check = entry
    try:
        manifest.write(manifest_dir)
    except OSError as exc:  # a read-only store still runs the model; the record beside the derived files stays
        log.warning("could not record the self-check in %s: %s", manifest_dir, exc)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}

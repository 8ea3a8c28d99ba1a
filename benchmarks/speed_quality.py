"""Quality must not pay for speed: how often int8 outputs agree with float32 outputs, per backend.

Two models: the tiny random T5 the tests use (its outputs are noise, so this is the harsh case:
nothing pulls the greedy path back once int8 rounding flips one token) and a small T5 trained
here in a minute or two on a toy task (first sentence of two), whose outputs are fluent toy
sentences built from the input (after 300 steps it gets the held-out prompts right).
Each backend generates for the same held-out prompts in float32 and in int8; the table gives
the token match rate (same token at the same position, over the longer output) and ROUGE-L F1
between the two outputs. Run by ``speed.py`` as a child process; prints one result line.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.speed_child import MARK

RECIPE = 1
TRAIN_STEPS = 300
TRAIN_BATCH = 32
#: Held-out toy prompts; as many windows of prose are added.
EVAL_PROMPTS = 24
_NAMES = ["Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Aiko", "Omar", "Priya", "Lena", "Marco"]
_VERBS = ["will send", "reviewed", "approved", "asked for", "postponed", "will present", "prepared", "rejected",
          "agreed to share", "will check"]
_OBJECTS = ["the budget", "the revised figures", "the survey results", "the risk summary", "the new contract",
            "the meeting notes", "the support backlog", "the energy report", "the hiring plan", "the office move"]
_WHEN = ["by Friday", "on Tuesday", "before March", "next week", "at the end of the month", "in June", "today",
         "after the vote"]
_INSTRUCTION = "Summarize this text in one sentence."


def toy_sentence(rng: random.Random) -> str:
    return f"{rng.choice(_NAMES)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_WHEN)}."


def toy_pair(rng: random.Random) -> tuple[str, str]:
    """A prompt holding one toy sentence, and its target: the same facts in another order.

    Learnable in a few hundred steps (the words to copy are found by content, not position),
    so the trained model's outputs depend on its input the way a summarizer's do.
    """
    name, verb, obj, when = rng.choice(_NAMES), rng.choice(_VERBS), rng.choice(_OBJECTS), rng.choice(_WHEN)
    prompt = f"{_INSTRUCTION} {name} {verb} {obj} {when}."
    return prompt, f"{when[0].upper()}{when[1:]}, {name} {verb} {obj}."


def _stamp_ok(folder: Path, recipe: dict[str, Any]) -> bool:
    try:
        return json.loads((folder / "bench-recipe.json").read_text(encoding="utf-8")) == recipe
    except (OSError, ValueError):
        return False


def tiny_model(root: Path) -> Path:
    from desktop.ml.models.random_model import build_random_t5

    folder, recipe = root / "tiny", {"recipe": RECIPE, "kind": "tiny"}
    if not _stamp_ok(folder, recipe):
        # A self-trained 2,000-piece tokenizer, not FLAN-T5's: this model is trained from scratch on
        # a toy task in about 36 s, which a 32,128-id output layer would make several times slower,
        # and what it measures (float32 against int8 on one model) does not depend on the vocabulary.
        texts = [toy_sentence(random.Random(i)) for i in range(2000)]
        build_random_t5(folder, "tiny", texts=texts + _default_texts(), vocab_size=2000, seed=0)
        (folder / "bench-recipe.json").write_text(json.dumps(recipe), encoding="utf-8")
    return folder


def trained_model(root: Path, tiny: Path) -> tuple[Path, dict[str, Any]]:
    """A small T5 (d_model 128, 2+2 layers) trained on the toy task; cached once trained."""
    import shutil

    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    from desktop.ml.backends.tokenizer import TokenCounter

    folder = root / "trained"
    recipe = {"recipe": RECIPE, "kind": "trained", "steps": TRAIN_STEPS}
    if _stamp_ok(folder, recipe):
        return folder, json.loads((folder / "bench-train.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    tok = TokenCounter.for_model(tiny)
    config = T5Config(vocab_size=tok.vocab_size, d_model=128, d_ff=512, num_layers=2, num_decoder_layers=2,
                      num_heads=4, d_kv=32, feed_forward_proj="gated-gelu", decoder_start_token_id=0,
                      pad_token_id=0, eos_token_id=1, tie_word_embeddings=False)
    torch.set_num_threads(1)  # the same weights on every machine; tiny matrices gain nothing from more
    torch.manual_seed(0)
    model = T5ForConditionalGeneration(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    rng = random.Random(1)
    model.train()
    loss_value = float("nan")
    for _ in range(TRAIN_STEPS):
        pairs = [toy_pair(rng) for _ in range(TRAIN_BATCH)]
        src = _pad([tok.encode(p) for p, _ in pairs])
        tgt = _pad([tok.encode(t) for _, t in pairs])
        labels = tgt.masked_fill(tgt == 0, -100)
        loss = model(input_ids=src, attention_mask=(src != 0).long(), labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        loss_value = float(loss.detach())
    folder.mkdir(parents=True, exist_ok=True)
    model.eval().save_pretrained(folder, safe_serialization=True)
    for f in tiny.iterdir():
        if f.name.startswith(("tokenizer", "spiece", "special_tokens")):
            shutil.copy2(f, folder / f.name)
    info = {"train_seconds": round(time.perf_counter() - started, 1), "final_loss": round(loss_value, 3),
            "steps": TRAIN_STEPS}
    (folder / "bench-train.json").write_text(json.dumps(info), encoding="utf-8")
    (folder / "bench-recipe.json").write_text(json.dumps(recipe), encoding="utf-8")
    return folder, info


def _pad(rows: list[list[int]]) -> Any:
    import torch

    width = max(len(r) for r in rows)
    return torch.tensor([r + [0] * (width - len(r)) for r in rows], dtype=torch.long)


def _default_texts() -> list[str]:
    from desktop.ml.models.random_model import default_training_texts

    return default_training_texts()


def agreement(a: list[str], b: list[str], tok: Any) -> dict[str, Any]:
    """Token match rate and ROUGE-L F1 of int8 outputs ``b`` against float32 outputs ``a``."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    matched = total = 0
    rouge = 0.0
    for x, y in zip(a, b):
        ix, iy = tok.encode(x), tok.encode(y)
        matched += sum(1 for p, q in zip(ix, iy) if p == q)
        total += max(len(ix), len(iy))
        rouge += scorer.score(x, y)["rougeL"].fmeasure if (x.strip() or y.strip()) else 1.0
    return {"token_match": round(matched / max(1, total), 4), "rouge_l": round(rouge / max(1, len(a)), 4),
            "identical": sum(1 for x, y in zip(a, b) if x == y), "prompts": len(a)}


def _rouge_to(outputs: list[str], references: list[str]) -> float:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    return round(sum(scorer.score(r, o)["rougeL"].fmeasure for o, r in zip(outputs, references)) / len(outputs), 4)


def compare(label: str, name: str, folder: Path, derived: Path, prompts: list[str],
            targets: list[str] | None) -> list[dict[str, Any]]:
    from desktop.ml.backends import available_backends, create_backend
    from desktop.ml.backends.base import GenerationSettings, ModelRef
    from desktop.ml.backends.tokenizer import TokenCounter

    tok = TokenCounter.for_model(folder)
    ref = ModelRef(name, folder, f"bench-{RECIPE}")
    settings = GenerationSettings(max_new_tokens=32, no_repeat_ngram_size=3)
    rows = []
    for backend in available_backends():
        outputs = {}
        for quant in ("float32", "int8"):
            engine = create_backend(backend)
            engine.load(ref, quantization=quant, threads=0, derived_dir=derived / name)
            outputs[quant] = engine.generate(prompts, settings)
            engine.close()
        row = {"model": label, "backend": backend, **agreement(outputs["float32"], outputs["int8"], tok)}
        if targets is not None:  # how well each precision does the task: ROUGE-L against the reference
            row["task_rouge_l_fp32"] = _rouge_to(outputs["float32"][: len(targets)], targets)
            row["task_rouge_l_int8"] = _rouge_to(outputs["int8"][: len(targets)], targets)
        rows.append(row)
    return rows


def run(work: Path) -> dict[str, Any]:
    root = work / "quality"
    tiny = tiny_model(root)
    trained, train_info = trained_model(root, tiny)
    rng = random.Random(12345)  # held out: training used Random(1)
    pairs = [toy_pair(rng) for _ in range(EVAL_PROMPTS)]
    # Plus windows of ordinary prose, which neither model has seen as a prompt.
    words = " ".join(_default_texts()).split()
    prose = [f"{_INSTRUCTION} {' '.join(words[i * 60:(i + 1) * 60])}" for i in range(EVAL_PROMPTS)]
    prompts, targets = [p for p, _ in pairs] + prose, [t for _, t in pairs]
    rows = compare("tiny (random weights)", "tiny", tiny, root / "derived", prompts, None)
    rows += compare("small (trained here)", "trained", trained, root / "derived", prompts, targets)
    return {"rows": rows, "train": train_info}


if __name__ == "__main__":  # spawn-safe: backends start child processes for conversions
    spec = json.loads(sys.argv[1])
    print(MARK + json.dumps(run(Path(spec["work"]))), flush=True)

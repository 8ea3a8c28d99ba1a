"""Fixed against progressive fine-tuning schedules, at equal steps, over several seeds.

Two models, each fine-tuned with LoRA on pairs it has never seen, once per schedule and seed:

* **tiny**: the random-weight T5 the tests use (real FLAN-T5 tokenizer when present); pairs are
  DialogSum dialogues from the shared corpus whose summary is their first line; the replayed
  and held-out general instructions are the shipped ones.
* **small**: the small T5 ``speed_quality.py`` trains on a toy task (one sentence, its facts
  reordered); what it already knows is that task, so the general instructions replayed and held
  out are that task, and the new pairs (96) are two-sentence texts summarized by their second
  sentence.

For each run: ROUGE on the held-out user pairs after training, and the forgetting check: ROUGE-L
of the held-out general instructions against their written answers, and the agreement of the
new answers with the base model's on every held-out replay kind (1.0: nothing forgotten).
Means and sample standard deviations over the seeds. Usage::

    .venv/bin/python benchmarks/finetune_schedules.py [--models tiny,small] [--seeds 3] [--steps 60] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CORPUS = Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus"))
SCHEDULES = ("fixed", "progressive")
#: Pairs of the small model's new task: a quarter (24) held out, enough to read ROUGE differences.
SMALL_PAIRS = 96


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def tiny_setup(work: Path) -> tuple[Path, Path, Path | None]:
    """(model folder, pairs file, general instructions file or None for the shipped ones)."""
    from desktop.ml.models.random_model import build_random_t5

    model = work / "tiny-t5"
    if not (model / "config.json").is_file():
        build_random_t5(model, "tiny")
    rows = [json.loads(x) for x in (CORPUS / "references" / "dialogsum_test_pairs.jsonl").read_text(
        encoding="utf-8").splitlines() if x.strip()]
    pairs = []
    for row in rows[:32]:
        turns = [t for t in row["document"].splitlines() if t.strip()][:4]
        pairs.append({"id": row["id"], "document": "\n".join(turns), "summary": turns[0].strip()})
    return model, _write_jsonl(work / "tiny-pairs.jsonl", pairs), None


def small_setup(work: Path) -> tuple[Path, Path, Path | None]:
    from benchmarks.speed_quality import tiny_model, toy_pair, toy_sentence, trained_model

    model, _info = trained_model(work / "quality", tiny_model(work / "quality"))
    rng = random.Random(777)
    general = []
    for i in range(30):  # what the model already knows, as general instructions with written answers
        prompt, answer = toy_pair(rng)
        instruction, sentence = prompt.split(". ", 1)
        general.append({"id": f"toy-{i}", "instruction": instruction + ".", "input": sentence, "answer": answer})
    pairs = []
    for i in range(SMALL_PAIRS):  # the new task: two sentences, summarized by the second one's facts
        first = toy_sentence(rng)
        prompt, answer = toy_pair(rng)
        pairs.append({"id": f"two-{i}", "document": f"{first} {prompt.split('. ', 1)[1]}", "summary": answer})
    return model, _write_jsonl(work / "small-pairs.jsonl", pairs), _write_jsonl(work / "small-general.jsonl", general)


def one_run(store_root: Path, model: str, pairs: Path, general: Path | None, schedule: str, seed: int,
            steps: int, lr: float | None = None) -> dict[str, Any]:
    from desktop.ml.finetune import FinetuneRequest, discard_result, preset, run_finetune

    settings = preset("tiny").with_overrides(threads=1, val_share=0.25, steps=steps, seed=seed, schedule=schedule,
                                             eval_every=0, checkpoint_every=0, samples=0, lr=lr)
    started = time.perf_counter()
    result = run_finetune(FinetuneRequest(model, [str(pairs)], f"bench-{schedule}-{seed}", settings,
                                          store_root=str(store_root), general=str(general) if general else None))
    card = result.card
    row = {"schedule": schedule, "seed": seed, "val_rouge1": card.val_after["rouge1"], "val_rougeL": card.val_after["rougeL"],
           "val_rougeL_before": card.val_before["rougeL"], "general_rougeL": card.replay_after["rougeL"],
           "general_rougeL_before": card.replay_before["rougeL"], "agreement_rougeL": card.replay_agreement["rougeL"],
           "kinds": card.replay_kinds, "loss_last": result.train_loss_last, "seconds": round(time.perf_counter() - started, 1)}
    discard_result(result)
    return row


def summarize(rows: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """metric -> schedule -> "mean ± sd"."""
    metrics = ("val_rouge1", "val_rougeL", "general_rougeL", "agreement_rougeL")
    out: dict[str, dict[str, str]] = {}
    for m in metrics:
        out[m] = {}
        for s in SCHEDULES:
            values = [r[m] for r in rows if r["schedule"] == s]
            if values:
                sd = statistics.stdev(values) if len(values) > 1 else 0.0
                out[m][s] = f"{statistics.mean(values):.3f} ± {sd:.3f}"
    for m in metrics:  # the same seed gives both schedules the same split and LoRA start: compare pairwise
        diffs = [_value(rows, "progressive", seed, m) - _value(rows, "fixed", seed, m)
                 for seed in sorted({r["seed"] for r in rows})]
        if len(diffs) > 1:
            better = sum(d > 0 for d in diffs)
            out[f"{m}: progressive - fixed"] = {
                "progressive": f"{statistics.mean(diffs):+.3f} ± {statistics.stdev(diffs):.3f}, {better}/{len(diffs)} up"}
    kinds = sorted({k for r in rows for k in r["kinds"]})
    for k in kinds:
        out[f"agreement {k}"] = {}
        for s in SCHEDULES:
            values = [r["kinds"][k] for r in rows if r["schedule"] == s and k in r["kinds"]]
            if values:
                sd = statistics.stdev(values) if len(values) > 1 else 0.0
                out[f"agreement {k}"][s] = f"{statistics.mean(values):.3f} ± {sd:.3f}"
    return out


def _value(rows: list[dict[str, Any]], schedule: str, seed: int, metric: str) -> float:
    return next(float(r[metric]) for r in rows if r["schedule"] == schedule and r["seed"] == seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--models", default="tiny,small")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default: the tiny preset's, 1e-2)")
    parser.add_argument("--work", type=Path, default=None, help="folder for models and runs (default: a temporary one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from desktop.ml.models.store import ModelStore

    work = args.work or Path(tempfile.mkdtemp(prefix="precis-schedules-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PRECIS_HOME", str(work / "home"))
    report: dict[str, Any] = {"steps": args.steps, "seeds": args.seeds, "lr": args.lr, "models": {}}
    for name in args.models.split(","):
        model, pairs, general = (tiny_setup if name == "tiny" else small_setup)(work)
        store = ModelStore(work / f"store-{name}")
        if not store.is_installed(name):
            store.import_folder(model, name)
        rows = [one_run(store.root, name, pairs, general, s, seed, args.steps, args.lr)
                for seed in range(1, args.seeds + 1) for s in SCHEDULES]
        report["models"][name] = {"runs": rows, "summary": summarize(rows)}
        if not args.json:
            print(f"\n{name}: {args.steps} steps, lr {args.lr or 'of the tiny preset'}, seeds 1-{args.seeds} (mean ± sd)")
            print(f"{'metric':<34}" + "".join(f"{s:>18}" for s in SCHEDULES))
            for metric, by in report["models"][name]["summary"].items():
                print(f"{metric:<34}" + "".join(f"{by.get(s, '-'):>18}" for s in SCHEDULES))
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How well the check catches a changed fact, how often it flags a faithful sentence, what it costs.

Cases (``faithfulness_cases.py``): every reference summary sentence of the shared corpus's pairs
as it is, and copies with one number, date or weekday, person's name or negation changed. Each is
checked against its whole document with ``precis-cli verify``'s code (``ml/check/verify.py``):

* the model-free layer (facts: numbers, dates, names, negations);
* the entailment layer, on the tests' tiny model taught FLAN's NLI template for a few seconds
  (``tests/ml/_check_models.py``: it learns a keyword, not entailment, so its rows show the
  mechanics only), or on a real model with ``--model NAME``; with the p(yes) quantiles of the
  unchanged sentences, from which ``entailment.THRESHOLD`` is chosen;
* time: the model-free check of the digest of the corpus's 65-page PDF (``chelsea_pdta.pdf``),
  with the extractive engine and with the tests' tiny model (whose noise sends every fact to the
  wider search: the slow case); and ``--e2e``: the entailment layer's share of an end-to-end run
  at flan-t5-base shape (random weights, CTranslate2 int8, every generation its full length, as
  ``speed_breakdown.py`` times it).

    python benchmarks/faithfulness.py                # facts + tiny entailment + check times
    python benchmarks/faithfulness.py --e2e          # plus the base-shape end-to-end share (minutes)
    python benchmarks/faithfulness.py --model flan-t5-base --no-timing
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.faithfulness_cases import Case, cases_for, load_pairs
from desktop.ml.check.entailment import THRESHOLD
from desktop.ml.check.passage import DocIndex
from desktop.ml.check.verify import ClaimResult, check_document_claim

CORPUS = Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus"))
KINDS = ("number", "date", "name", "negation", "unchanged")
PDF = "pdf/chelsea_pdta.pdf"


def facts_layer() -> list[tuple[Case, ClaimResult]]:
    out = []
    for pair_id, doc, sentences in load_pairs(CORPUS / "references"):
        index = DocIndex(doc)
        out += [(case, check_document_claim(pair_id, case.claim, doc, index)) for case in cases_for(pair_id, doc, sentences)]
    return out


def tiny_nli_model(work: Path) -> tuple[Any, str]:
    """The tests' tiny model after its NLI lesson (tests/ml/_check_models.py), loaded with torch."""
    from desktop.ml.engine.loader import load_text_model
    from desktop.ml.models.random_model import build_random_t5
    from desktop.ml.models.store import ModelStore
    from tests.ml._check_models import NLI_TEACHING, nli_pairs, teach

    base = build_random_t5(work / "tiny", "tiny")
    folder = teach(base, work / "nli", nli_pairs(CORPUS), **NLI_TEACHING)
    ModelStore(work / "store").import_folder(folder, "tiny-nli")
    return load_text_model("tiny-nli", backend="torch", quantization="float32", threads=0,
                           store_root=work / "store"), "tests' tiny model, taught FLAN's NLI template (mechanics only)"


def entailment_layer(results: list[tuple[Case, ClaimResult]], model: Any) -> list[float | None]:
    from desktop.ml.check.entailment import EntailmentScorer

    scorer = EntailmentScorer(model)
    return scorer.p_yes([(r.premise, c.claim) for c, r in results])


def rates(flags: list[tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    total, hit = Counter(), Counter()
    for kind, flagged in flags:
        total[kind] += 1
        hit[kind] += flagged
    return {k: (hit[k], total[k]) for k in KINDS if total[k]}


def check_times(work: Path) -> dict[str, Any]:
    """Seconds of the model-free check of the 65-page PDF's digest (the stage's own clock)."""
    from desktop.core.ingest import read_document
    from desktop.ml.engine.loader import load_text_model
    from desktop.ml.engine.summarizer import Summarizer
    from desktop.ml.extractive.engine import ExtractiveEngine
    from desktop.ml.models.store import ModelStore

    doc = read_document(CORPUS / PDF)
    extractive = ExtractiveEngine().summarize([doc])
    store = ModelStore(work / "store")
    if not store.is_installed("tiny"):
        store.import_folder(work / "tiny", "tiny")
    model = load_text_model("tiny", backend="torch", quantization="float32", threads=0, store_root=store.root)
    summarizer = Summarizer(model)
    summarizer.entailment = False
    digest = summarizer.summarize([doc], classify=False)
    model.close()
    return {"extractive": (extractive.stats["check_seconds"], extractive.stats["check_cpu_seconds"],
                           len(extractive.all_points()) + len(extractive.overview_points)),
            "tiny model": (digest.stats["check_seconds"], digest.stats["check_cpu_seconds"],
                           len(digest.all_points()) + len(digest.overview_points))}


def e2e_share() -> dict[str, Any]:
    """The entailment layer's seconds against the whole run, flan-t5-base shape, CTranslate2 int8."""
    from benchmarks.speed_workload import default_work_dir, ensure_model, model_name
    from desktop.ml.engine.job import JobSpec, run_job

    os.environ["PRECIS_BENCH_FIXED_LENGTH"] = "1"
    os.environ["PRECIS_BENCH_ENTAIL_ALL"] = "1"  # random weights fail the facts: ask the model about every point anyway
    store, _ = ensure_model(default_work_dir(), "base")
    spec = JobSpec(paths=[str(CORPUS / PDF)], engine="flan-t5", model=model_name("base"), backend="ctranslate2",
                   quantization="int8", model_store=str(store), use_cache=False, preview=False)
    started = time.monotonic()
    digest = run_job(spec).digest
    total = time.monotonic() - started
    return {"seconds_total": round(total, 1), "entailment_seconds": digest.stats.get("entailment_seconds", 0.0),
            "check_seconds": digest.stats.get("check_seconds"), "check_cpu_seconds": digest.stats.get("check_cpu_seconds"),
            "points": len(digest.all_points()),
            "overview_sentences": len(digest.overview_points), "chunks": digest.stats.get("chunks")}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", help="an installed model for the entailment layer (default: the tests' tiny model, taught here)")
    p.add_argument("--no-entailment", action="store_true")
    p.add_argument("--no-timing", action="store_true")
    p.add_argument("--e2e", action="store_true", help="also time an end-to-end base-shape run (minutes)")
    p.add_argument("--only-e2e", action="store_true", help="only the base-shape end-to-end share")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if args.only_e2e:
        print(json.dumps(e2e_share(), indent=1))
        return
    started = time.monotonic()
    results = facts_layer()
    facts_seconds = time.monotonic() - started
    report: dict[str, Any] = {"cases": len(results), "facts": rates([(c.kind, not r.supported) for c, r in results]),
                              "facts_seconds": round(facts_seconds, 1)}
    with tempfile.TemporaryDirectory(prefix="precis-faithfulness-") as scratch:
        work = Path(scratch)
        if not args.no_entailment:
            if args.model:
                from desktop.ml.engine.loader import load_text_model

                model, label = load_text_model(args.model), args.model
            else:
                model, label = tiny_nli_model(work)
            scores = entailment_layer(results, model)
            model.close()
            unchanged = sorted(s for (c, _), s in zip(results, scores) if c.kind == "unchanged" and s is not None)
            report["entailment_model"] = label
            report["entailment"] = rates([(c.kind, s is not None and s < THRESHOLD) for (c, _), s in zip(results, scores)])
            report["both"] = rates([(c.kind, not r.supported or (s is not None and s < THRESHOLD))
                                    for (c, r), s in zip(results, scores)])
            report["unchanged_p_yes_quantiles"] = {q: round(unchanged[int(q / 100 * (len(unchanged) - 1))], 3)
                                                   for q in (5, 10, 25, 50)} if unchanged else {}
            report["threshold"] = THRESHOLD
        if not args.no_timing:
            if not (work / "tiny").is_dir():
                from desktop.ml.models.random_model import build_random_t5

                build_random_t5(work / "tiny", "tiny")
            report["check_times"] = check_times(work)
    if args.e2e:
        report["e2e_base"] = e2e_share()
    if args.json:
        print(json.dumps(report, indent=1))
        return
    _table(report)


def _table(report: dict[str, Any]) -> None:
    print(f"{report['cases']} cases from {CORPUS / 'references'} (model-free layer: {report['facts_seconds']} s)\n")
    layers = [("model-free (facts)", report["facts"])]
    if "entailment" in report:
        layers += [(f"entailment, {report['entailment_model']}", report["entailment"]), ("both", report["both"])]
    print("| layer | " + " | ".join(f"{k} caught" if k != "unchanged" else "false flags (unchanged)" for k in KINDS) + " |")
    print("| --- |" + " --- |" * len(KINDS))
    for name, r in layers:
        cells = [f"{r[k][0]}/{r[k][1]} = {r[k][0] / r[k][1]:.1%}" if k in r else "–" for k in KINDS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if report.get("unchanged_p_yes_quantiles"):
        q = report["unchanged_p_yes_quantiles"]
        print(f"\np(yes) of unchanged sentences, quantiles: {q}; threshold {report['threshold']}")
    for name, (seconds, cpu, points) in report.get("check_times", {}).items():
        print(f"model-free check of the 65-page PDF's digest, {name}: {seconds:.3f} s ({cpu:.3f} CPU s) for {points} "
              f"points and overview sentences")
    if "e2e_base" in report:
        e = report["e2e_base"]
        share = e["entailment_seconds"] / e["seconds_total"] if e["seconds_total"] else 0.0
        print(f"flan-t5-base shape end to end: {e['seconds_total']} s; entailment layer {e['entailment_seconds']} s "
              f"({share:.1%}); facts {e['check_seconds']} s; {e['points']} points, {e['overview_sentences']} overview "
              f"sentences, {e['chunks']} chunks")


if __name__ == "__main__":  # spawn-safe: conversions run in child processes
    main()

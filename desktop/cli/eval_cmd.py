"""precis-cli eval: ROUGE of the engine's summaries against reference summaries (JSONL)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop.cli.progress import ProgressBar
from desktop.cli.summarize_cmd import add_engine_options, spec_from_args
from desktop.core.document import Document
from desktop.core.events import CancelToken, Progress
from desktop.ml.engine.evaluate import METRICS, evaluate, read_pairs_jsonl
from desktop.ml.engine.job import EnginePool, choose_engine


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="ROUGE-1/2/L of the engine's summaries against reference pairs")
    p.add_argument("--pairs", type=Path, required=True, help="JSONL records with document and summary")
    add_engine_options(p)
    p.add_argument("--limit", type=int, default=0, help="evaluate only the first N pairs")
    p.add_argument("--json", action="store_true", help="print a JSON object instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    bar = ProgressBar()
    pairs = list(read_pairs_jsonl(args.pairs))
    if args.limit:
        pairs = pairs[: args.limit]
    spec = spec_from_args(args, [])
    spec.classify = False
    pool = EnginePool()
    try:
        engine = choose_engine(spec, pool, bar, CancelToken())

        def summarize(doc: Document) -> str:
            digest = engine.summarize([doc], length=spec.length, classify=False)
            return digest.overview

        report = evaluate(pairs, args.pairs, summarize, lambda i, n: bar(Progress("evaluating", i, n)))
    finally:
        bar.close()
        pool.close()
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(f"{len(report.items)} pairs, engine {engine.name}, length {spec.length}")
        for m in METRICS:
            print(f"{m:>7}: {getattr(report, m):.4f}")
    return 0

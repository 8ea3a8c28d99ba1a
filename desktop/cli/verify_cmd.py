"""precis-cli verify: check claims against their documents with the digest's own check."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from desktop.cli.exits import fail
from desktop.core.settings import load_settings
from desktop.ml.check.claims import read_claims
from desktop.ml.check.verify import ClaimResult, check_document_claim, entail


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify", help="check claims against documents: numbers, dates, names, negations (and the model's entailment)",
        description="CLAIMS.jsonl holds one JSON object a line: {\"id\", \"claim\", \"document\" (text) or \"path\"}. "
                    "Each claim is checked against its whole document; the answer names the sentences that "
                    "support it and, if not supported, what is wrong.")
    p.add_argument("claims", type=Path, metavar="CLAIMS.jsonl")
    p.add_argument("--engine", default="extractive", metavar="extractive|MODEL",
                   help="extractive: the model-free check only (default); a model name or folder adds FLAN-T5's "
                        "entailment of each claim by its supporting sentences")
    p.add_argument("--backend", default=None, choices=("auto", "ctranslate2", "onnx", "torch"))
    p.add_argument("--quantize", dest="quantization", default=None, choices=("int8", "none", "float32"))
    p.add_argument("--json", action="store_true", help="one JSON line per claim: id, supported, problems, sources")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        lines = list(read_claims(args.claims, limits=settings.limits()))
    except (OSError, UnicodeDecodeError) as exc:
        return fail(f"{args.claims} could not be read as UTF-8 text: {getattr(exc, 'strerror', None) or exc}")
    results: list[ClaimResult] = []
    for item in lines:
        if not item.error and item.document is not None:
            results.append(check_document_claim(item.id or "", item.claim, item.document, item.index))
    model = None
    if args.engine != "extractive":
        from desktop.ml.engine.loader import load_text_model

        try:
            quant = args.quantization or settings.quantization
            model = load_text_model(args.engine, backend=args.backend or settings.backend,
                                    quantization="float32" if quant == "none" else quant, device=settings.device,
                                    threads=settings.threads, store_root=settings.store_path())
            entail(results, model)
        finally:
            if model is not None:
                model.close()
    by_line = iter(results)
    failed = 0
    for item in lines:
        if item.error:
            failed += 1
            fail(item.error)
            if args.json:
                print(json.dumps({"id": item.id, "line": item.line, "error": item.error}, ensure_ascii=False))
            continue
        result = next(by_line)
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False))
        elif result.supported:
            where = "; ".join(s.label() for s in result.sources[:2])
            print(f"{result.id}: supported" + (f" ({where})" if where else ""))
        else:
            print(f"{result.id}: NOT supported: " + "; ".join(p.reason for p in result.problems))
    return 1 if failed else 0

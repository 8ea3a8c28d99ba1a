"""Where the self-check's bound comes from: token agreement of sound and of broken conversions.

``desktop/ml/models/self_check.py`` refuses a converted model whose answers to its fixed prompts
agree with the float32 model's on fewer tokens than ``BOUND``. This measures both sides, with
random-weight models (the Hub is out of reach; their nearly flat next-token scores make them
the harsh case for sound conversions):

* sound: each installed backend's int8 conversion of the tests' tiny model (seeds 0-2) and of a
  random model of flan-t5-small's shape, against that model's own float32 answers;
* broken: CTranslate2 int8 conversions of weights a faulty conversion could produce (another
  model's weights, one layer's weights zeroed, one layer scaled tenfold, all weights' signs
  flipped), against the original model's float32 answers.

    python benchmarks/self_check.py [--json] [--no-small]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop.ml.backends import available_backends, create_backend
from desktop.ml.backends.base import ModelRef
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.models.random_model import build_random_t5
from desktop.ml.models.self_check import BOUND, PROMPTS, SETTINGS, agreement, reference_answers


def _answers(folder: Path, backend: str, quantization: str, derived: Path) -> list[str]:
    engine = create_backend(backend)
    engine.load(ModelRef(folder.name, folder, f"bench-{folder.name}"), quantization=quantization, threads=0,
                derived_dir=derived)
    try:
        return engine.generate(list(PROMPTS), SETTINGS)
    finally:
        engine.close()


def _broken(src: Path, out: Path, how: str, other: Path) -> Path:
    """A copy of ``src`` with weights a faulty conversion could have produced."""
    from safetensors.torch import load_file, save_file

    shutil.copytree(src, out)
    weights = load_file(str(src / "model.safetensors"))
    if how == "another model's weights":
        weights = load_file(str(other / "model.safetensors"))
    elif how == "one layer zeroed":
        name = next(k for k in weights if k.startswith("decoder.block.0.layer.2.DenseReluDense.wo"))
        weights[name] = weights[name] * 0
    elif how == "one layer scaled x10":
        name = next(k for k in weights if k.startswith("encoder.block.0.layer.0.SelfAttention.o"))
        weights[name] = weights[name] * 10
    elif how == "signs flipped":
        weights = {k: -v for k, v in weights.items()}
    save_file({k: v.contiguous() for k, v in weights.items()}, str(out / "model.safetensors"), metadata={"format": "pt"})
    return out


def run(small: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="precis-bench-selfcheck-") as scratch:
        root = Path(scratch)
        models = [(f"tiny, seed {s}", build_random_t5(root / f"tiny-{s}", "tiny", seed=s)) for s in range(3)]
        if small:
            models.append(("flan-t5-small shape, seed 0", build_random_t5(root / "small-0", "small", seed=0)))
        for label, folder in models:
            tok = TokenCounter.for_model(folder)
            reference = reference_answers(folder)
            for backend in available_backends():
                started = time.monotonic()
                answers = _answers(folder, backend, "int8", root / "derived")
                share, same = agreement(reference, answers, tok.encode)
                rows.append({"kind": "sound", "model": label, "conversion": f"{backend} int8",
                             "agreement": round(share, 3), "identical": same, "seconds": round(time.monotonic() - started, 1)})
        base, other = models[0][1], models[1][1]
        tok = TokenCounter.for_model(base)
        reference = reference_answers(base)
        for how in ("another model's weights", "one layer zeroed", "one layer scaled x10", "signs flipped"):
            folder = _broken(base, root / f"broken-{len(rows)}", how, other)
            answers = _answers(folder, "ctranslate2", "int8", root / "derived")
            share, same = agreement(reference, answers, tok.encode)
            rows.append({"kind": "broken", "model": models[0][0], "conversion": f"ctranslate2 int8 of {how}",
                         "agreement": round(share, 3), "identical": same, "seconds": 0.0})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-small", action="store_true", help="leave out the flan-t5-small-shape model")
    args = p.parse_args()
    rows = run(not args.no_small)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"| kind | model | conversion | token agreement | identical answers (of {len(PROMPTS)}) |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['kind']} | {r['model']} | {r['conversion']} | {r['agreement']:.3f} | {r['identical']} |")
    sound = [r["agreement"] for r in rows if r["kind"] == "sound"]
    broken = [r["agreement"] for r in rows if r["kind"] == "broken"]
    print(f"\nsound: {min(sound):.3f}-{max(sound):.3f}; broken: {min(broken):.3f}-{max(broken):.3f}; bound {BOUND}")


if __name__ == "__main__":  # spawn-safe: conversions run in child processes
    main()

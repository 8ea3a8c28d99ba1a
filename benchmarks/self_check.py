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

With ``--reference``, instead: the arrival self-check itself (``arrival_record``: the float32
answers to the 8 prompts) at flan-t5-small and flan-t5-base shape, computed with numpy (as in a
process without torch) and with torch (as where torch is loaded), each in a fresh process: its
seconds, the process's peak RSS and what the check added to it, and whether the answers agree.

    python benchmarks/self_check.py [--json] [--no-small] [--reference [--shapes small,base]]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
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


#: One arrival self-check in a fresh process: torch imported first or never, then the check timed.
_ARRIVAL = """
import json, re, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
def peak_mb():  # VmHWM: this process's own peak (ru_maxrss keeps the parent's across fork and exec)
    return int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
started = time.perf_counter()
if {torch!r}:
    import torch  # where torch is loaded (the torch backend, fine-tuning), the check uses it
from desktop.ml.models.self_check import arrival_record
imported, before = time.perf_counter() - started, peak_mb()
started = time.perf_counter()
record = arrival_record(Path({folder!r}))
print(json.dumps({{"import_s": imported, "check_s": time.perf_counter() - started, "before_mb": before,
                  "peak_mb": peak_mb(), "torch_loaded": "torch" in sys.modules, "answers": record["reference"]}}))
"""


def reference_rows(shapes: list[str]) -> list[dict[str, Any]]:
    """The arrival self-check with numpy and with torch, side by side per model shape."""
    repo = str(Path(__file__).resolve().parents[1])
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="precis-bench-arrival-") as scratch:
        for shape in shapes:
            folder = build_random_t5(Path(scratch) / shape, shape, seed=0)
            answers: dict[str, list[str]] = {}
            for how in ("numpy", "torch"):
                code = _ARRIVAL.format(repo=repo, torch=how == "torch", folder=str(folder))
                done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
                out = json.loads(done.stdout.strip().splitlines()[-1])
                assert out["torch_loaded"] == (how == "torch"), out
                answers[how] = out.pop("answers")
                rows.append({"shape": f"flan-t5-{shape}", "computed with": how, **{k: round(v, 2) for k, v in out.items()
                                                                                   if isinstance(v, float)}})
            rows[-1]["same answers"] = rows[-2]["same answers"] = answers["numpy"] == answers["torch"]
    return rows


def print_reference(rows: list[dict[str, Any]]) -> None:
    print("| shape | computed with | import (s) | check (s) | RSS before (MB) | peak RSS (MB) | check added (MB) | same answers |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['shape']} | {r['computed with']} | {r['import_s']:.1f} | {r['check_s']:.1f} | {r['before_mb']:.0f} | "
              f"{r['peak_mb']:.0f} | {r['peak_mb'] - r['before_mb']:.0f} | {'yes' if r['same answers'] else 'NO'} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-small", action="store_true", help="leave out the flan-t5-small-shape model")
    p.add_argument("--reference", action="store_true", help="time the arrival self-check, numpy against torch")
    p.add_argument("--shapes", default="small,base", help="model shapes for --reference (small, base, large)")
    args = p.parse_args()
    if args.reference:
        ref_rows = reference_rows(args.shapes.split(","))
        if args.json:
            print(json.dumps(ref_rows, indent=1))
        else:
            print_reference(ref_rows)
        return
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

"""Issue 28's targets side by side in one run: this tree against a baseline tree (the code before).

    .venv/bin/python benchmarks/lean_install.py --baseline /tmp/precis-base   # `git archive <commit>` of the baseline
    .venv/bin/python benchmarks/lean_install.py --shape small --runs 1        # quick

Rows (each measurement in its own fresh process, the two trees alternating):

* **conversion**: flan-t5-base shape (random weights) to CTranslate2 int8 with CTranslate2's own
  converter (torch + transformers) and with Precis's numpy one; wall seconds including the
  imports, peak RSS, and whether the two model.bin files are identical.
* **summarize process**: ``precis-cli summarize --stream`` on the corpus's largest PDF with the
  converted model cached: RSS when the model starts loading, seconds to the first chunk summary.
* **window**: ``precis --quit-after-start``: seconds to the window shown.
* **found model**: the model placed in a Hugging Face cache, summarized with a fake Hub as
  ``HF_ENDPOINT``: requests the Hub saw (the target is none).
* **bundles**: the size on disk of ``dist/precis`` and ``dist/precis-full`` when built.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.speed_e2e import default_corpus, largest_pdf
from benchmarks.speed_workload import default_work_dir, ensure_model, model_name

#: Prints the peak RSS of the process it ran in (after converting with one of the two converters).
_CONVERT = """
import resource, sys, time
kind, src, out = sys.argv[1:4]
if kind == "numpy":
    from desktop.ml.backends.ct2_convert import convert_t5
    convert_t5(src, out, "int8")
else:
    from ctranslate2.converters import TransformersConverter
    TransformersConverter(src, low_cpu_mem_usage=True).convert(out, quantization="int8", force=True)
print("PEAK_MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "TORCH", "torch" in sys.modules)
"""
#: precis-cli in this process, with the model loader wrapped to report the RSS when loading starts.
_SUMMARIZE = """
import sys
import desktop.ml.engine.loader as loader
_load = loader.load_text_model
def _rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
def load(*args, **kwargs):
    print("LOADING_RSS_MB", _rss(), file=sys.stderr, flush=True)
    return _load(*args, **kwargs)
loader.load_text_model = load  # the job imports it from the loader when it needs it
from desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _env(tree: Path, home: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "PRECIS_HOME": str(home), "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false", "QT_QPA_PLATFORM": "offscreen",
            "HF_HOME": str(home / "huggingface"), **extra}


def _home(store: Path, model: str) -> Path:
    home = Path(tempfile.mkdtemp(prefix="precis-lean-home-"))
    (home / "config").mkdir()
    (home / "config" / "settings.json").write_text(json.dumps({"model_store": str(store), "model": model}))
    return home


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


# ----- rows ------------------------------------------------------------------------------------
def conversion(src: Path, runs: int, scratch: Path) -> list[dict[str, Any]]:
    rows: dict[str, list[tuple[float, float, bool]]] = {"ctranslate2 (torch)": [], "precis (numpy)": []}
    outs: dict[str, Path] = {}
    for i in range(runs):
        for kind, label in (("torch", "ctranslate2 (torch)"), ("numpy", "precis (numpy)")):
            out = scratch / f"{kind}-{i}"
            log(f"converting with {label}, run {i + 1}")
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", _CONVERT, kind, str(src), str(out)], cwd=REPO, env=_env(
                REPO, scratch), capture_output=True, text=True, timeout=3600, check=True)
            seconds = time.perf_counter() - started
            words = done.stdout.split()
            rows[label].append((seconds, float(words[words.index("PEAK_MB") + 1]), words[-1] == "True"))
            outs[label] = out
    same = _sha(outs["ctranslate2 (torch)"] / "model.bin") == _sha(outs["precis (numpy)"] / "model.bin")
    return [{"row": "conversion", "what": label, "best_s": round(min(r[0] for r in runs_), 2),
             "median_s": round(statistics.median(r[0] for r in runs_), 2), "peak_mb": round(max(r[1] for r in runs_)),
             "torch_loaded": any(r[2] for r in runs_), "same_model_bin": same} for label, runs_ in rows.items()]


def summarize_start(trees: dict[str, Path], stores: dict[str, Path], model: str, pdf: Path, runs: int) -> list[dict[str, Any]]:
    """RSS when the model starts loading, and seconds to the first chunk summary (cached conversion)."""
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
    for i in range(runs + 1):  # the first round converts the model for each tree: not counted
        for name, tree in trees.items():
            home = _home(stores[name], model)
            cmd = [sys.executable, "-c", _SUMMARIZE, "summarize", str(pdf), "--model", model, "--engine", "flan-t5",
                   "--stream", "--no-progress", "--no-cache"]
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=home, env=_env(tree, home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
            first = cpu = None
            for line in proc.stdout:  # type: ignore[union-attr]
                if line.startswith('{"event": "partial"'):
                    first, cpu = time.perf_counter() - started, _cpu_seconds(proc.pid)
                    break
            proc.kill()
            err = proc.stderr.read()  # type: ignore[union-attr]
            proc.wait()
            shutil.rmtree(home, ignore_errors=True)
            rss = next((float(ln.split()[1]) for ln in err.splitlines() if ln.startswith("LOADING_RSS_MB")), None)
            if first is None or rss is None or cpu is None:
                raise RuntimeError(f"{name}: no chunk summary ({err[-2000:]})")
            log(f"{name}: first chunk summary after {first:.2f} s ({cpu:.2f} CPU-s), {rss:.0f} MB when the model "
                "started loading")
            if i > 0:
                results[name].append((first, rss, cpu))
    return [{"row": "summarize process", "what": name, "first_summary_best_s": round(min(r[0] for r in rs), 2),
             "first_summary_median_s": round(statistics.median(r[0] for r in rs), 2),
             "cpu_s_median": round(statistics.median(r[2] for r in rs), 2),
             "rss_before_load_mb": round(statistics.median(r[1] for r in rs), 1)} for name, rs in results.items()]


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a running process (its threads included): unlike wall time,
    barely moved by other programs on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def window_start(trees: dict[str, Path], runs: int, scratch: Path) -> list[dict[str, Any]]:
    results: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(runs):
        for name, tree in trees.items():
            home = Path(tempfile.mkdtemp(prefix="precis-lean-window-", dir=scratch))
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "desktop", "--quit-after-start"], cwd=home, env=_env(tree, home),
                                  capture_output=True, text=True, timeout=120, check=True)
            shown = json.loads(done.stdout.strip().splitlines()[-1])
            results[name].append(time.perf_counter() - started)
            log(f"{name}: window after {results[name][-1]:.2f} s (its own clock: {shown['shown_s']:.2f} s)")
    return [{"row": "window", "what": name, "best_s": round(min(r), 2), "median_s": round(statistics.median(r), 2)}
            for name, r in results.items()]


def found_model(src: Path, scratch: Path) -> dict[str, Any]:
    from desktop.ml.models.catalog import Catalog
    from desktop.ml.models.random_model import place_in_hf_cache
    from tests.fake_hub import FakeHub

    entry = Catalog.load().default
    cache = scratch / "hf-cache"
    place_in_hf_cache(src, cache, entry.hub_id, entry.revision)
    home = Path(tempfile.mkdtemp(prefix="precis-lean-found-", dir=scratch))
    with FakeHub() as hub:
        hub.add_folder(entry.hub_id, entry.revision, src)
        env = _env(REPO, home, HF_HUB_CACHE=str(cache), HF_ENDPOINT=hub.url, HF_HUB_OFFLINE="0")
        started = time.perf_counter()
        sample = REPO / "resources" / "samples" / "product-sync-meeting.vtt"
        done = subprocess.run([sys.executable, "-m", "desktop.cli", "summarize", str(sample), "--format", "json",
                               "--no-progress", "--out", str(home / "d.json")], cwd=home, env=env, capture_output=True,
                              text=True, timeout=3600, check=False)
        seconds = time.perf_counter() - started
    digest = json.loads((home / "d.json").read_text()) if done.returncode == 0 else {}
    copies = [str(p) for p in home.rglob("model.safetensors")]
    return {"row": "found model", "what": f"{entry.name} in the Hugging Face cache", "hub_requests": len(hub.requests),
            "engine": digest.get("engine"), "backend": digest.get("stats", {}).get("backend"),
            "copies_in_precis_data": len(copies), "seconds_with_conversion": round(seconds, 1)}


def bundles() -> list[dict[str, Any]]:
    rows = []
    for name in ("precis", "precis-full"):
        folder = REPO / "dist" / name
        if folder.is_dir():
            size = sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
            rows.append({"row": "bundle", "what": f"dist/{name}", "size_mb": round(size / 1e6)})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    out = []
    for row in rows:
        rest = ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("row", "what"))
        out.append(f"| {row['row']} | {row['what']} | {rest} |")
    return "| row | what | measured |\n| --- | --- | --- |\n" + "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path, help="a tree of the code before (git archive COMMIT | tar -x -C DIR)")
    ap.add_argument("--shape", default="base", choices=("small", "base"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip", nargs="*", default=[], choices=("conversion", "summarize", "window", "found"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    work = default_work_dir()
    log(f"model {args.shape} in {work}")
    store, _ = ensure_model(work, args.shape)
    src = work / "models" / args.shape
    trees = {"this tree": REPO, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="precis-lean-") as scratch_name:
        scratch = Path(scratch_name)
        if "conversion" not in args.skip:
            rows += conversion(src, args.runs, scratch)
        corpus = largest_pdf(default_corpus()) if "summarize" not in args.skip else None
        if "summarize" not in args.skip and corpus is not None:
            # One store per tree: their converted folders have different keys and would rebuild each other's.
            stores = {"this tree": store}
            if args.baseline:
                stores["baseline"] = work / "store-baseline"
                from desktop.ml.models.store import ModelStore

                if not ModelStore(stores["baseline"]).is_installed(model_name(args.shape)):
                    ModelStore(stores["baseline"]).import_folder(src, model_name(args.shape))
            rows += summarize_start(trees, stores, model_name(args.shape), corpus[0], args.runs)
        if "window" not in args.skip:
            rows += window_start(trees, args.runs, scratch)
        if "found" not in args.skip:
            rows.append(found_model(src, scratch))
    rows += bundles()
    print(json.dumps(rows, indent=1) if args.json else table(rows))


if __name__ == "__main__":
    main()

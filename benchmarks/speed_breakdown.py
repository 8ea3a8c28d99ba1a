"""Where an end-to-end run's time goes, and today's schedule against the new one, from one run.

Each variant is ``precis-cli summarize --stream`` on the same PDF (the corpus's largest by
default) in a fresh process with a fresh ``PRECIS_HOME`` (empty summary cache) and
``PRECIS_BENCH_FIXED_LENGTH=1`` (every generation exactly its preset's maximum length), so the
variants do the same fixed-length work as ``benchmarks/speed.py``'s end-to-end row:

* ``baseline@<commit>``: that commit's code (default ``BASELINE_COMMIT``, the pipeline before
  this work), run from a ``git archive`` of it against the same model store;
* ``old``: the narrow merges of before (merge prompts no longer than chunk prompts, 512 tokens);
* ``new``: the default schedule (merges up to 768 tokens, labels beside the final merge, the
  extractive preview first);
* ``new-1024``, ``new-2048``: the same with longer chunks (fewer map generations, more attention
  work per token; FLAN-T5 was instruction-tuned on inputs up to 2048 tokens).

The digest's ``stats.stages`` (``desktop/ml/engine/timing.py``) gives wall and CPU seconds per
stage; the process's own CPU seconds and peak RSS are read here. On a shared machine compare the
CPU columns: wall times then depend on what else runs.

    python benchmarks/speed_breakdown.py                    # base shape: baseline, old, new, new-1024
    python benchmarks/speed_breakdown.py --shape small --variants old,new --json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import big_inputs, speed_e2e
from benchmarks.speed_e2e import REPO
from benchmarks.speed_workload import default_work_dir, ensure_model, model_name

VARIANTS: dict[str, list[str]] = {
    "old": ["--input-budget", "512", "--merge-budget", "512"],
    "new": ["--input-budget", "512"],
    "new-merge-768": ["--input-budget", "512", "--merge-budget", "768"],
    "new-merge-2048": ["--input-budget", "512", "--merge-budget", "2048"],
    "new-1024": ["--input-budget", "1024"],
    "new-2048": ["--input-budget", "2048"],
}


#: The commit before this issue's work (the last one without stage timing): "today's pipeline".
BASELINE_COMMIT = "9dadbeb"


def checkout(commit: str, into: Path) -> Path:
    """The source tree of ``commit`` (``git archive``), to run an older pipeline in the same run."""
    folder = into / f"precis-{commit}"
    if not folder.is_dir():
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run_variant(name: str, store: Path, shape: str, pdf: Path, threads: int = 0,
                source: Path | None = None) -> dict[str, Any]:
    """One cold ``precis-cli summarize --stream`` run; wall, CPU and peak RSS of the process.

    ``source``: run this source tree instead of the working tree (a ``baseline@<commit>`` variant:
    no ``--stream`` or stage timing there, so only the whole-run columns are filled).
    The peak is the process's own ``VmHWM``, printed as it exits (``big_inputs._CHILD``): sampling
    RSS when a line arrives misses the merges' peak (938 MB sampled against 1,539 MB real, with
    2048-token merge prompts)."""
    home = speed_e2e._home(store, shape, threads)
    out = home / "digest.json"
    cmd = [sys.executable, "-c", big_inputs._CHILD, "summarize", str(pdf), "--model", model_name(shape), "--engine", "flan-t5",
           "--no-progress", *([] if source else ["--stream"]), "--format", "json", "--out", str(out), *VARIANTS.get(name, [])]
    env = speed_e2e._env(home)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=source or REPO)
    first: dict[str, float] = {}
    assert proc.stdout is not None and proc.stderr is not None
    for line in proc.stdout:
        with_t = time.perf_counter() - started
        if source is None:
            first.setdefault(json.loads(line).get("event"), with_t)
    proc.wait()
    wall = time.perf_counter() - started
    err = proc.stderr.read()
    peak = next((float(ln[len(big_inputs.PEAK_MARK):]) for ln in err.splitlines() if ln.startswith(big_inputs.PEAK_MARK)), 0.0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1) or not out.is_file():
        raise RuntimeError(f"{name}: precis-cli failed ({proc.returncode}): {err[-2000:]}")
    digest = json.loads(out.read_text(encoding="utf-8"))
    stats = digest["stats"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"variant": name, "args": " ".join(VARIANTS.get(name, [])), "chunks": stats.get("chunks"),
            "generated": stats.get("generated"), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "peak_rss_mb": round(peak), "first_preview_s": _r(first.get("preview")),
            "first_partial_s": _r(first.get("partial")), "job_s": stats.get("seconds_total"),
            "load_s": stats.get("load_seconds"), "preview_s": stats.get("first_read_and_preview_seconds"),
            "stages": stats.get("stages", {}), "picked": f"{stats.get('backend')} {stats.get('quantization')}"}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def breakdown_rows(run: dict[str, Any]) -> list[tuple[str, float, float, float]]:
    """(stage, wall s, CPU s, idle core-s) in the order the job ran them, plus start-up/output."""
    stages = dict(run["stages"])
    stages.pop("_total", None)
    rows = [("process start, imports, output", max(0.0, run["wall_s"] - (run["job_s"] or 0.0)), float("nan"), float("nan")),
            ("first file read + extractive preview", run["preview_s"] or 0.0, float("nan"), float("nan")),
            ("model load", run["load_s"] or 0.0, float("nan"), float("nan"))]
    # Token counting (inside chunking and merges) and cache calls (inside map and merges) last.
    nested = ("token counting", "cache reads", "cache writes")
    for name, v in stages.items():
        if name not in nested:
            rows.append((name, v["wall_s"], v["cpu_s"], v["idle_core_s"]))
    for name in nested:
        if name in stages:
            v = stages[name]
            rows.append((f"(within the above) {name}", v["wall_s"], v["cpu_s"], v["idle_core_s"]))
    return rows


def _num(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.2f}"


def markdown(runs: list[dict[str, Any]], shape: str, pdf: Path) -> str:
    head = [f"End to end, `{pdf.name}`, {shape} shape, fixed-length generations, one run per variant:\n",
            "| variant | options | chunks | generations | wall s | CPU s | peak RSS MB | first preview s | first model output s |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in runs:
        head.append(f"| {r['variant']} | `{r['args']}` | {r['chunks']} | {r['generated']} | {r['wall_s']:.1f} | "
                    f"{r['cpu_s']:.1f} | {r['peak_rss_mb']} | {r['first_preview_s'] or '–'} | {r['first_partial_s'] or '–'} |")
    parts = ["\n".join(head)]
    for r in runs:
        if not r["stages"]:  # a baseline commit without stage timing
            continue
        lines = [f"\nTime breakdown, `{r['variant']}` (wall s / CPU s of the whole process / idle core-s = wall x cores - CPU):\n",
                 "| stage | wall s | CPU s | idle core-s |", "| --- | --- | --- | --- |"]
        for name, wall, cpu, idle in breakdown_rows(r):
            lines.append(f"| {name} | {wall:.2f} | {_num(cpu)} | {_num(idle)} |")
        parts.append("\n".join(lines))
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", choices=("small", "base"), default="base")
    p.add_argument("--pdf", type=Path, help="default: the largest readable PDF of the shared corpus")
    p.add_argument("--variants", default=f"baseline@{BASELINE_COMMIT},old,new,new-1024",
                   help="comma-separated: " + ", ".join(VARIANTS) + ", or baseline@<commit> (that commit's code)")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--work-dir", type=Path, default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--out-dir", type=Path)
    args = p.parse_args(argv)
    store, _ = ensure_model(args.work_dir or default_work_dir(), args.shape)
    if args.pdf is None:
        found = speed_e2e.largest_pdf(speed_e2e.default_corpus())
        if found is None:
            raise SystemExit("no readable PDF in the corpus; pass --pdf")
        args.pdf = found[0]
    runs = []
    for name in args.variants.split(","):
        print(f"[breakdown] {name} ...", file=sys.stderr, flush=True)
        source = checkout(name.split("@", 1)[1], Path(tempfile.gettempdir())) if name.startswith("baseline@") else None
        runs.append(run_variant(name, store, args.shape, args.pdf, args.threads, source))
        print(f"[breakdown] {name}: {runs[-1]['wall_s']} s wall, {runs[-1]['cpu_s']} CPU-s", file=sys.stderr, flush=True)
    text = markdown(runs, args.shape, args.pdf)
    print(json.dumps(runs, indent=2) if args.json else text)
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / "breakdown.md").write_text(text, encoding="utf-8")
        (args.out_dir / "breakdown.json").write_text(json.dumps(runs, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    raise SystemExit(main())

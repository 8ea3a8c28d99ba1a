"""Speed benchmark: every backend side by side on one fixed workload, plus end-to-end, cold start and quality.

    python benchmarks/speed.py [--shape small|base] [--chunks N] [--json] [--out-dir DIR]

Each row runs in its own fresh process (peak RSS is that process's own). Derived files (ONNX
exports, CTranslate2 conversions) are built first in a warm-up step and cached under the work
folder; their one-off build time is a column of its own, not part of "load". See
``benchmarks/README.md`` for what each column means and why ``auto`` picks what it picks.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

#: Read before importing desktop, which sets both (desktop/__init__.py, desktop/core/memory.py);
#: the naive baseline runs without Precis's values unless the user set them.
USER_OMP_WAIT_POLICY = os.environ.get("OMP_WAIT_POLICY")
USER_MALLOC_ARENA_MAX = os.environ.get("MALLOC_ARENA_MAX")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import speed_e2e, speed_report
from benchmarks.speed_child import MARK
from benchmarks.speed_workload import Workload, default_work_dir

#: (mode, backend, quantization) of every row, in table order.
ROWS = [("naive", "naive", "float32"), ("backend", "torch", "float32"), ("backend", "torch", "int8"),
        ("backend", "onnx", "float32"), ("backend", "onnx", "int8"), ("backend", "ctranslate2", "int8"),
        ("backend", "ctranslate2", "float32"), ("auto", "auto", "int8")]
DERIVED = {"onnx", "ctranslate2"}


def log(text: str) -> None:
    print(f"[speed] {text}", file=sys.stderr, flush=True)


def run_child(spec: dict[str, Any], script: str = "speed_child.py", timeout: float = 1800) -> dict[str, Any]:
    env = dict(os.environ)
    if spec.get("mode") == "naive":
        if USER_OMP_WAIT_POLICY is None:
            env.pop("OMP_WAIT_POLICY", None)
        if USER_MALLOC_ARENA_MAX is None:
            # glibc's own default (8 arenas per core on 64-bit), named so that the child's late
            # import of desktop sees a user value and leaves the allocator alone.
            env["MALLOC_ARENA_MAX"] = str(8 * (os.cpu_count() or 1))
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name(script)), json.dumps(spec)], check=False,
                          capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"{spec.get('mode')} {spec.get('backend')} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(line[len(MARK):])


def selected_rows(only: str | None) -> list[tuple[str, str, str]]:
    from desktop.ml.backends import available_backends

    installed = set(available_backends())
    rows = [r for r in ROWS if r[0] != "backend" or r[1] in installed]
    if only:
        wanted = {w.strip() for w in only.split(",")}
        rows = [r for r in rows if r[1] in wanted or f"{r[1]}-{r[2]}" in wanted]
    return rows


def measure_speed(args: argparse.Namespace, store: Path, workload: Workload) -> list[dict[str, Any]]:
    from desktop.ml.backends import resolve_auto

    rows = selected_rows(args.only)
    auto_pick = resolve_auto("cpu", "int8")[:2]
    builds: dict[tuple[str, str], dict[str, Any]] = {}
    # fp32 first: the ONNX int8 build then quantizes the cached fp32 export instead of exporting again.
    needed = sorted({(b, q) for m, b, q in rows if b in DERIVED} | ({auto_pick} if auto_pick[0] in DERIVED else set()),
                    key=lambda bq: (bq[0], bq[1] != "float32"))
    for backend, quant in needed:
        log(f"warm-up: derived files for {backend} {quant}")
        builds[(backend, quant)] = run_child({"mode": "build", "store": str(store), "shape": args.shape,
                                              "backend": backend, "quantization": quant})
    results = []
    for mode, backend, quant in rows:
        log(f"measuring {backend} {quant} ({workload.chunks} chunks x {workload.input_tokens} -> {workload.new_tokens})")
        spec = {"mode": mode, "store": str(store), "shape": args.shape, "backend": backend, "quantization": quant,
                "threads": args.threads, "token_budget": args.token_budget, "workload": workload.to_dict(),
                "repeat": args.repeat}
        row = run_child(spec)
        key = auto_pick if mode == "auto" else (backend, quant)
        row["build_seconds"] = (builds.get(key) or {}).get("build_seconds")
        row["kind"] = "speed"
        results.append(row)
        log(f"  map {row['map_seconds']} s, peak RSS {row['peak_rss_mb']} MB")
    naive = next((r for r in results if r["backend"] == "naive"), None)
    for r in results:
        r["speedup"] = round(naive["map_seconds"] / r["map_seconds"], 2) if naive else None
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shape", choices=("small", "base"), default="base", help="flan-t5-small or flan-t5-base shape")
    p.add_argument("--chunks", type=int, default=16)
    p.add_argument("--input-tokens", type=int, default=512, help="token ids per chunk (exact)")
    p.add_argument("--new-tokens", type=int, default=64, help="generated tokens per chunk (exact: min = max)")
    p.add_argument("--threads", type=int, default=0, help="0 = what the app uses (all physical cores)")
    p.add_argument("--token-budget", type=int, default=None,
                   help="padded tokens in flight, backend rows only (default: the backend's)")
    p.add_argument("--repeat", type=int, default=1, help="map steps per row; the fastest counts (for busy machines)")
    p.add_argument("--only", help="comma-separated rows, e.g. naive,ctranslate2-int8,auto")
    p.add_argument("--json", action="store_true", help="print the rows as a JSON list instead of Markdown")
    p.add_argument("--out-dir", type=Path, help="also write speed.md and speed.json here")
    p.add_argument("--work-dir", type=Path, default=None, help="where models and derived files are cached")
    p.add_argument("--fresh", action="store_true", help="rebuild the cached model and derived files")
    p.add_argument("--no-e2e", action="store_true", help="skip the end-to-end and cold-start rows")
    p.add_argument("--no-quality", action="store_true", help="skip the int8-vs-fp32 agreement table")
    p.add_argument("--pdf", type=Path, help="end-to-end input (default: the largest PDF of the shared corpus)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    work = args.work_dir or default_work_dir()
    if args.fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    workload = Workload(args.shape, args.chunks, args.input_tokens, args.new_tokens)
    log(f"work folder {work}; model flan-t5-{args.shape} shape with random weights")
    prepared = run_child({"mode": "prepare", "work": str(work), "shape": args.shape})
    store, built = Path(prepared["store"]), prepared["build_seconds"]
    if built:
        log(f"built and imported the random-weight model in {built:.0f} s")
    rows = measure_speed(args, store, workload)
    e2e = cold = None
    if not args.no_e2e:
        found = (args.pdf, _pages(args.pdf)) if args.pdf else speed_e2e.largest_pdf(speed_e2e.default_corpus())
        if found is None:
            log("no PDF found for the end-to-end row (set PRECIS_CORPUS or pass --pdf)")
        else:
            log(f"end-to-end: precis-cli summarize {found[0].name} ({found[1]} pages), twice")
            e2e = speed_e2e.end_to_end(store, args.shape, found[0], found[1], args.threads)
            log("cold start")
            cold = speed_e2e.cold_start(store, args.shape, found[0], args.threads)
    quality: list[dict[str, Any]] = []
    if not args.no_quality:
        log("quality: int8 vs fp32 agreement (tiny model and a quickly trained small model)")
        quality = run_child({"mode": "quality", "work": str(work)}, script="speed_quality.py")["rows"]
    total = time.monotonic() - started
    every = rows + _extra_rows(e2e, cold, quality)
    text = _markdown(args, workload, rows, e2e, cold, quality, total)
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / "speed.md").write_text(text, encoding="utf-8")
        (args.out_dir / "speed.json").write_text(json.dumps(every, indent=2), encoding="utf-8")
    print(json.dumps(every, indent=2) if args.json else text)
    return 0


def _pages(pdf: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(pdf).pages)


def _extra_rows(e2e: dict[str, Any] | None, cold: dict[str, Any] | None, quality: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """End-to-end, cold-start and quality results as rows carrying the same required keys."""
    extra = []
    if e2e:
        backend, _, quant = e2e["picked"].partition(" ")
        extra.append({"kind": "e2e", "backend": backend, "quantization": quant, "map_seconds": None,
                      "speedup": e2e["cache_speedup"], "peak_rss_mb": None, **e2e})
    if cold:
        extra.append({"kind": "cold_start", "backend": "auto", "quantization": "int8", "map_seconds": None,
                      "speedup": None, "peak_rss_mb": None, **cold})
    for q in quality:
        extra.append({"kind": "quality", "quantization": "int8", "map_seconds": None, "speedup": None,
                      "peak_rss_mb": None, **q})
    return extra


def _markdown(args: argparse.Namespace, wl: Workload, rows: list[dict[str, Any]], e2e: dict[str, Any] | None,
              cold: dict[str, Any] | None, quality: list[dict[str, Any]], total: float) -> str:
    import platform

    import psutil

    cpu = f"{platform.processor() or platform.machine()}, {psutil.cpu_count(logical=False)} cores"
    title = (f"## Speed: flan-t5-{args.shape} shape, {wl.chunks} chunks x {wl.input_tokens} tokens -> "
             f"{wl.new_tokens} tokens (greedy, min = max)\n")
    runs = f", best of {args.repeat} map steps per row" if args.repeat > 1 else ""
    parts = [title, f"Machine: {cpu}{runs}. Whole benchmark: {total / 60:.1f} min.\n", speed_report.speed_table(rows)]
    auto = next((r for r in rows if r["backend"] == "auto"), None)
    if auto and auto.get("speedup"):
        parts.append(f"\n`auto` ({auto.get('picked')}): **{auto['speedup']:.1f}x** the naive baseline's speed, "
                     f"peak RSS {auto['peak_rss_mb']} MB.")
    if e2e or cold:
        parts += ["\n### End to end and cold start\n", speed_e2e_table(e2e, cold)]
    if quality:
        parts += ["\n### Quality: int8 outputs against float32 outputs (greedy)\n", speed_report.quality_table(quality)]
    return "\n".join(parts) + "\n"


def speed_e2e_table(e2e: dict[str, Any] | None, cold: dict[str, Any] | None) -> str:
    text = speed_report.e2e_table(e2e, cold)
    if e2e:
        text += f"\n\nCached rerun: {e2e['cache_speedup']:.1f}x faster than the first run."
    return text


if __name__ == "__main__":  # spawn-safe: nothing runs on import
    sys.exit(main())

"""Recordings: faster-whisper int8 in Precis's reader against a naive transformers float32 pipeline,
at the real shapes of Whisper tiny, base and small (random weights), on the corpus's meetings read
aloud by espeak-ng; memory from a few minutes to an hour; and the hour from drop to digest.

    .venv/bin/python benchmarks/recordings.py                 # the table (an hour or more on 2 cores)
    .venv/bin/python benchmarks/recordings.py --shapes base --minutes 1 --hour-minutes 10 --json
    .venv/bin/python benchmarks/recordings.py --shapes small --minutes 1 --baselines naive --e2e-minutes 20

The transformers rows are the slow ones: at small shape the greedy loop took 18 minutes for one
minute of sound on the shared 2-core VM, and the beam-5 pipeline did not finish in 28
(benchmarks/README.md, *Recordings*).

Every 30-second window decodes exactly ``--tokens`` tokens on both sides (``PRECIS_BENCH_FIXED_LENGTH``:
no timestamps, one temperature, no end-of-text), so the work does not depend on what random
weights write. Each row runs in its own process (``recordings_child.py``); its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
CHILD = REPO / "benchmarks" / "recordings_child.py"
MARK = "PRECIS_BENCH_RESULT "


def child(spec: dict[str, Any], home: Path, timeout: float = 7200) -> dict[str, Any]:
    env = {**os.environ, "PRECIS_HOME": str(home), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, str(CHILD), json.dumps(spec)], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    raise RuntimeError(f"{spec['mode']} failed:\n{proc.stderr[-3000:]}")


def rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    work = Path(args.work_dir).expanduser()
    work.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="precis-rec-bench-"))
    shapes = [s for s in args.shapes.split(",") if s]
    needed = sorted({*shapes, *([args.hour_shape] if args.hour_shape else []), *([] if args.no_e2e else [args.e2e_shape])})
    built = child({"mode": "prepare", "work": str(work), "shapes": needed, "flan": not args.no_e2e}, home)
    log(f"models ready {built}")
    from benchmarks.recordings_child import cut_path

    hour = work / f"meetings-{args.hour_minutes:g}min.mp3"
    e2e_minutes = args.e2e_minutes or args.hour_minutes
    cut, flat = cut_path(hour, args.minutes), cut_path(hour, args.flat_minutes)
    e2e_audio = hour if e2e_minutes == args.hour_minutes else cut_path(hour, e2e_minutes)
    if not all(p.is_file() for p in (hour, cut, flat, e2e_audio)) or args.fresh_audio:
        cuts = sorted({args.minutes, args.flat_minutes, e2e_minutes} - {args.hour_minutes})
        made = child({"mode": "audio", "minutes": args.hour_minutes, "cuts": cuts, "out": str(hour)}, home)
        log(f"recording made: {made}")
    common = {"tokens": args.tokens, "threads": args.threads}
    out: list[dict[str, Any]] = []

    def run(label: str, spec: dict[str, Any]) -> dict[str, Any]:
        started, load = time.perf_counter(), os.getloadavg()[0]
        result = {**child({**common, **spec}, home), "row": label, "shape": spec.get("shape"),
                  "mode": spec["mode"], "beam": spec.get("beam", 1),
                  # the box is shared: the 1-minute load average before and after the row
                  "load": f"{load:.1f}-{os.getloadavg()[0]:.1f}"}
        log(f"{label}: {result} ({time.perf_counter() - started:.0f} s)")
        out.append(result)
        return result

    # transformers' pipeline decodes with 5 beams (its default, "following OpenAI's implementation"),
    # the loop greedily: each is compared with Precis at the same beam width.
    names = {"pipeline": ("transformers pipeline fp32 beam 5", 5), "naive": ("transformers loop fp32 beam 1", 1)}
    for shape in shapes:
        ct2, hf = str(work / f"whisper-{shape}-ct2"), str(work / f"whisper-{shape}-hf")
        baselines = {names[mode][1]: run(f"{shape} {names[mode][0]}, {args.minutes:g} min",
                                         {"mode": mode, "shape": shape, "model": hf, "audio": str(cut),
                                          "beam": names[mode][1]})
                     for mode in args.baselines.split(",") if mode}
        for beam in (1, 5):
            row = run(f"{shape} precis int8 beam {beam}, {args.minutes:g} min",
                      {"mode": "precis", "shape": shape, "model": ct2, "audio": str(cut), "beam": beam})
            if beam in baselines:
                row["speedup"] = baselines[beam]["rtf"] / row["rtf"]
                row["cpu_speedup"] = baselines[beam]["cpu_s"] / row["cpu_s"]
    if args.hour_shape:
        ct2 = str(work / f"whisper-{args.hour_shape}-ct2")
        run(f"{args.hour_shape} precis int8 beam 1, {args.flat_minutes:g} min",
            {"mode": "precis", "shape": args.hour_shape, "model": ct2, "audio": str(flat), "beam": 1})
        run(f"{args.hour_shape} precis int8 beam 1, {args.hour_minutes:g} min",
            {"mode": "precis", "shape": args.hour_shape, "model": ct2, "audio": str(hour), "beam": 1})
        if args.naive_hour:
            run(f"{args.hour_shape} naive fp32, {args.hour_minutes:g} min",
                {"mode": "naive", "shape": args.hour_shape, "model": str(work / f"whisper-{args.hour_shape}-hf"),
                 "audio": str(hour)})
    if not args.no_e2e:
        run(f"end to end: {e2e_minutes:g} min -> digest (whisper {args.e2e_shape} beam 5, flan-t5 base)",
            {"mode": "e2e", "shape": args.e2e_shape, "model": str(work / f"whisper-{args.e2e_shape}-ct2"),
             "audio": str(e2e_audio), "store": str(work / "store")})
    return out


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| row | audio min | model load s | wall s | CPU s | real-time factor | speed-up vs transformers at the same beams (wall, CPU) | peak RSS MB | load average |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        audio = f"{r['audio_s'] / 60:.1f}" if "audio_s" in r else ""
        rtf = f"{r['rtf']:.3f}" if "rtf" in r else ""
        speedup = f"{r['speedup']:.1f}x, {r['cpu_speedup']:.1f}x" if "speedup" in r else ""
        lines.append(f"| {r['row']} | {audio} | {r.get('load_s', '')} | {r['seconds']} | {r.get('cpu_s', '')} | {rtf} "
                     f"| {speedup} | {r['peak_rss_mb']:.0f} | {r.get('load', '')} |")
    e2e = [r for r in results if r["mode"] == "e2e"]
    for r in e2e:
        lines.append("")
        lines.append(f"End to end: transcribed in {r['transcribe_s']} s, summarized in {r['summarize_s']} s "
                     f"({r['chunks']} chunks, {r['points']} points, engine {r['engine']}), peak RSS {r['peak_rss_mb']:.0f} MB.")
    return "\n".join(lines)


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default="tiny,base,small", help="Whisper shapes to compare (tiny, base, small)")
    p.add_argument("--minutes", type=float, default=2, help="length of the recording the shapes are compared on")
    p.add_argument("--hour-minutes", type=float, default=60, help="length of the long recording")
    p.add_argument("--flat-minutes", type=float, default=5, help="the short recording memory is compared on")
    p.add_argument("--hour-shape", default="base", help="shape read over the long recording ('' to skip)")
    p.add_argument("--naive-hour", action="store_true", help="also run the naive loop over the long recording")
    p.add_argument("--baselines", default="pipeline,naive",
                   help="transformers float32 baselines: pipeline (its ASR pipeline, 5 beams), naive (a greedy loop)")
    p.add_argument("--e2e-shape", default="base")
    p.add_argument("--e2e-minutes", type=float, default=0,
                   help="the end-to-end row reads the long recording's first minutes (0 = all of it)")
    p.add_argument("--no-e2e", action="store_true")
    p.add_argument("--tokens", type=int, default=96, help="tokens per 30-second window (dense meeting speech: ~100)")
    p.add_argument("--threads", type=int, default=0, help="0 = what the app uses (all cores)")
    p.add_argument("--work-dir", default="~/.cache/precis-bench/recordings")
    p.add_argument("--fresh-audio", action="store_true")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    results = rows(args)
    print(f"{os.cpu_count()} cores; load averages (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(json.dumps(results, indent=1) if args.json else table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

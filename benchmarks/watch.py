"""Watched folders: what an idle watcher costs, polling against inotify, and the latency from a
file's last write to its digest in History.

    python benchmarks/watch.py                       # idle 100/1,000/10,000 files, latency (extractive)
    python benchmarks/watch.py --files 1000 --idle-s 60 --latency-runs 5 --model tiny
    python benchmarks/watch.py --watchdog DIR        # also inotify through watchdog installed in DIR
                                                     # (pip install --target DIR watchdog; not a dependency)

Every row is a real ``precis-cli watch`` process (or, for inotify, a process running watchdog's
inotify observer over the same folder). Idle rows start once the first scan has hashed the folder
(the files are recorded as done in the manifest beforehand, as after a first run); CPU is the
process's own user+system time over the idle window, RSS its resident memory at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from desktop.ml.batch.manifest import Manifest, Row
from desktop.ml.engine.job import JobSpec
from desktop.ml.watch.watcher import Watcher, WatchOptions, folder_sources

SAMPLE = REPO / "resources" / "samples" / "product-sync-meeting.vtt"
_INOTIFY = """
import sys, time
sys.path.insert(0, sys.argv[2])
from watchdog.observers.inotify import InotifyObserver
from watchdog.events import FileSystemEventHandler
obs = InotifyObserver()
obs.schedule(FileSystemEventHandler(), sys.argv[1], recursive=True)
obs.start()
print("ready", flush=True)
time.sleep(3600)
"""


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PRECIS_HOME": str(home)}


def _fill(folder: Path, n: int) -> None:
    """``n`` small text files in folders of 100."""
    for i in range(n):
        sub = folder / f"d{i // 100:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"note{i:05d}.txt").write_text(f"Note {i}: Alice will send the figures by Friday.\n", encoding="utf-8")


def _record_done(folder: Path, out: Path, spec: JobSpec) -> None:
    """Rows saying every file is done with these settings, as a first run would leave them."""
    skey = Watcher(WatchOptions(folder_sources([str(folder)]), out_dir=out), spec).skey
    with Manifest(out) as manifest:
        for path in sorted(folder.rglob("*.txt")):
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            manifest.append(Row(key=path.as_posix(), sources=[str(path)], sha256=sha, settings_key=skey, status="done"))


def _idle(proc: psutil.Process, warmup: float, seconds: float) -> tuple[float, float]:
    time.sleep(warmup)
    t0 = proc.cpu_times()
    start = time.monotonic()
    time.sleep(seconds)
    t1 = proc.cpu_times()
    cpu = (t1.user + t1.system - t0.user - t0.system) / (time.monotonic() - start)
    return cpu * 100, proc.memory_info().rss / 2**20


def idle_rows(counts: list[int], seconds: float, watchdog_dir: str | None) -> list[dict]:
    rows = []
    spec = JobSpec(paths=[], engine="extractive")
    for n in counts:
        with tempfile.TemporaryDirectory() as tmp:
            folder, out, home = Path(tmp) / "inbox", Path(tmp) / "out", Path(tmp) / "home"
            folder.mkdir()
            _fill(folder, n)
            os.environ["PRECIS_HOME"] = str(home)
            _record_done(folder, out, spec)
            cmd = [sys.executable, "-m", "desktop.cli", "watch", str(folder), "--out", str(out), "--engine", "extractive", "--quiet"]
            p = subprocess.Popen(cmd, cwd=REPO, env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                cpu, rss = _idle(psutil.Process(p.pid), 5.0 + n / 2000, seconds)
            finally:
                p.terminate()
                err = p.communicate(timeout=30)[1]
            if "queued" in err or "failed" in err:
                raise SystemExit(f"the idle watcher did work: {err[:400]}")
            rows.append({"kind": "idle", "method": "polling (folder times every 1 s, full scans paced)", "files": n, "cpu_pct": cpu, "rss_mb": rss})
            if watchdog_dir:
                q = subprocess.Popen([sys.executable, "-c", _INOTIFY, str(folder), watchdog_dir], stdout=subprocess.PIPE, text=True)
                try:
                    q.stdout.readline()  # type: ignore[union-attr]
                    cpu, rss = _idle(psutil.Process(q.pid), 2.0, seconds)
                finally:
                    q.kill()
                    q.communicate()
                rows.append({"kind": "idle", "method": "inotify (watchdog, no Precis code)", "files": n, "cpu_pct": cpu, "rss_mb": rss})
    return rows


def latency_rows(runs: int, model: str, files: int = 0) -> list[dict]:
    """``files``: the new file lands in a tree of that many files already done (the extractive engine)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder, home = Path(tmp) / "inbox", Path(tmp) / "home"
        folder.mkdir()
        if files:
            _fill(folder, files)
            os.environ["PRECIS_HOME"] = str(home)
            _record_done(folder, home / "data" / "watch", JobSpec(paths=[], engine="extractive"))
        engine = ["--engine", "extractive"]
        if model == "tiny":
            from desktop.ml.models.random_model import build_random_t5

            engine = ["--engine", "flan-t5", "--model", str(build_random_t5(Path(tmp) / "tiny-t5", "tiny"))]
        cmd = [sys.executable, "-m", "desktop.cli", "watch", str(folder), *engine, "--quiet"]
        p = subprocess.Popen(cmd, cwd=REPO, env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        history = home / "data" / "history"
        try:
            time.sleep(3.0 + files / 2000)
            for i in range(runs):
                before = set(history.glob("*.json")) if history.exists() else set()
                target = folder / (f"d{i:03d}" if files else "") / f"meeting-{i}.vtt"
                with open(target, "w", encoding="utf-8") as fh:  # written in three pieces, like a copy
                    text = SAMPLE.read_text(encoding="utf-8") + f"\nNOTE run {i}\n"
                    for k in range(3):
                        fh.write(text[k * len(text) // 3:(k + 1) * len(text) // 3])
                        fh.flush()
                        time.sleep(0.3)
                last_write = time.time()
                deadline = time.monotonic() + 300
                while time.monotonic() < deadline:
                    new = set(history.glob("*.json")) - before if history.exists() else set()
                    if new:
                        break
                    time.sleep(0.05)
                else:
                    raise SystemExit("no digest within 300 s")
                landed = time.time()
                entry = json.loads(next(iter(new)).read_text(encoding="utf-8"))
                stats = entry["digest"]["stats"]
                own = float(stats.get("seconds_total", stats.get("seconds", 0.0)))
                rows.append({"kind": "latency", "engine": model, "files": files, "run": i + 1, "latency_s": landed - last_write,
                             "summary_s": own, "overhead_s": landed - last_write - own})
        finally:
            p.terminate()
            p.communicate(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", default="100,1000,10000", help="idle rows: files in the watched folder")
    parser.add_argument("--idle-s", type=float, default=30.0, help="idle window per row (s)")
    parser.add_argument("--latency-runs", type=int, default=5)
    parser.add_argument("--model", choices=("extractive", "tiny"), default="extractive",
                        help="latency rows: the extractive engine or the tests' tiny random T5")
    parser.add_argument("--latency-files", type=int, default=0, help="latency rows: files already in the watched tree")
    parser.add_argument("--watchdog", metavar="DIR", help="a folder with watchdog installed (pip install --target DIR watchdog)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = idle_rows([int(n) for n in args.files.split(",") if n], args.idle_s, args.watchdog) if args.idle_s > 0 else []
    rows += latency_rows(args.latency_runs, args.model, args.latency_files) if args.latency_runs else []
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("| idle watcher | files | CPU, % of one core | RSS MB |\n| --- | --- | --- | --- |")
    for r in (r for r in rows if r["kind"] == "idle"):
        print(f"| {r['method']} | {r['files']:,} | {r['cpu_pct']:.2f} | {r['rss_mb']:.0f} |")
    lat = [r for r in rows if r["kind"] == "latency"]
    if lat:
        print("\n| engine | files in the tree | run | last write → digest in History s | the summary's own time s | overhead s |"
              "\n| --- | --- | --- | --- | --- | --- |")
        for r in lat:
            print(f"| {r['engine']} | {r['files']:,} | {r['run']} | {r['latency_s']:.2f} | {r['summary_s']:.2f} | {r['overhead_s']:.2f} |")


if __name__ == "__main__":
    main()

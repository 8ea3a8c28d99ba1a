"""What the window costs when nothing happens, with and without a watched folder: the real app
(``python -m desktop``, Qt's offscreen platform) side by side in one run.

    python benchmarks/gui_idle.py                    # 100 files watched, 60 s idle windows
    python benchmarks/gui_idle.py --files 1000 --idle-s 30

The watched folder's files are recorded as done in the manifest beforehand, with the settings key
the window's watcher computes (as after a first run), so the idle window sees no work; each row
checks that History stayed empty. CPU is user+system time over the idle window in % of one core:
the window's process alone, and with its children (the summarizing worker the window starts in the
background); RSS at the end, the same two ways.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.watch import _fill


def _record_done(folder: Path, home: Path) -> None:
    """Manifest rows for every file with the window's own watcher settings key."""
    import hashlib

    from desktop.core.settings import load_settings
    from desktop.ml.batch.manifest import Manifest, Row
    from desktop.ml.engine.job import JobSpec
    from desktop.ml.watch.watcher import Watcher, WatchOptions, folder_sources

    os.environ["PRECIS_HOME"] = str(home)
    spec = JobSpec.from_settings(load_settings(), [], template="")  # what gui/window/watching.py uses
    state = home / "data" / "watch"
    skey = Watcher(WatchOptions(folder_sources([str(folder)]), state_dir=state), spec).skey
    with Manifest(state) as manifest:
        for path in sorted(folder.rglob("*.txt")):
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            manifest.append(Row(key=path.as_posix(), sources=[str(path)], sha256=sha, settings_key=skey, status="done"))


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    out = [proc]
    try:
        out += proc.children(recursive=True)
    except psutil.NoSuchProcess:
        pass
    return out


def _cpu(procs: list[psutil.Process]) -> float:
    """User+system seconds of these processes (one that has ended counts nothing)."""
    return sum(_each(procs, lambda p: sum(p.cpu_times()[:2])))


def _rss(procs: list[psutil.Process]) -> float:
    return sum(_each(procs, lambda p: p.memory_info().rss)) / 2**20


def _each(procs: list[psutil.Process], measure: Callable[[psutil.Process], float]) -> list[float]:
    out = []
    for p in procs:
        try:
            out.append(measure(p))
        except psutil.NoSuchProcess:
            pass
    return out


def _manifest_held(state: Path) -> bool:
    """Does a watcher hold the manifest's lock (so the row measured a window that watches)?"""
    import fcntl

    from desktop.ml.batch.manifest import LOCK_NAME

    with open(state / LOCK_NAME, "a", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return False


def idle_row(files: int, seconds: float, warmup: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        home, folder = Path(tmp) / "home", Path(tmp) / "inbox"
        (home / "config").mkdir(parents=True)
        folder.mkdir()
        settings = {"model": "extractive", "tree_root": str(folder), "watched": [str(folder)] if files else []}
        os.environ["PRECIS_HOME"] = str(home)
        from desktop.core.settings import settings_file

        settings_file().parent.mkdir(parents=True, exist_ok=True)
        settings_file().write_text(json.dumps(settings), encoding="utf-8")
        if files:
            _fill(folder, files)
            _record_done(folder, home)
        env = {**os.environ, "PYTHONPATH": str(REPO), "PRECIS_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
        p = subprocess.Popen([sys.executable, "-m", "desktop", "--new-instance"], cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        proc = psutil.Process(p.pid)
        try:
            time.sleep(warmup + files / 2000)
            procs = _tree(proc)
            own0, all0, t0 = _cpu([proc]), _cpu(procs), time.monotonic()
            time.sleep(seconds)
            elapsed = time.monotonic() - t0
            procs = _tree(proc)
            own, every = (_cpu([proc]) - own0) / elapsed * 100, (_cpu(procs) - all0) / elapsed * 100
            rss_own, rss_all = _rss([proc]), _rss(procs)
            children = len(procs) - 1
            if files and not _manifest_held(home / "data" / "watch"):
                raise SystemExit("the window is not watching: its watcher does not hold the manifest")
        finally:
            p.terminate()
            try:
                err = p.communicate(timeout=30)[1]
            except subprocess.TimeoutExpired:
                p.kill()
                err = p.communicate()[1]
        history = list((home / "data" / "history").glob("*.json"))
        if history:
            raise SystemExit(f"the idle window did work: {len(history)} digest(s) in History\n{err[-800:]}")
        return {"watched": files, "cpu_window": own, "cpu_all": every, "rss_window": rss_own, "rss_all": rss_all,
                "children": children}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100, help="files in the watched folder")
    parser.add_argument("--idle-s", type=float, default=60.0)
    parser.add_argument("--warmup-s", type=float, default=8.0, help="after start, before the idle window")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [idle_row(0, args.idle_s, args.warmup_s), idle_row(args.files, args.idle_s, args.warmup_s)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"| the window, idle {args.idle_s:.0f} s | CPU % of one core: window | with its children | RSS MB: window "
          "| with its children |\n| --- | --- | --- | --- | --- |")
    for r in rows:
        what = f"one watched folder of {r['watched']:,} files" if r["watched"] else "nothing watched"
        print(f"| {what} | {r['cpu_window']:.2f} | {r['cpu_all']:.2f} | {r['rss_window']:.0f} | {r['rss_all']:.0f} "
              f"({r['children']} child{'ren' if r['children'] != 1 else ''}) |")


if __name__ == "__main__":
    main()

"""A short run of the speed benchmark (benchmarks/speed.py) for CI: flan-t5-small shape, 4 chunks of
128 tokens -> 16 tokens. Fails if the app's default engine (``auto``) is slower than the naive
baseline (plain transformers, one chunk at a time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_auto_is_faster_than_the_naive_baseline(tmp_path: Path) -> None:
    cmd = [sys.executable, str(REPO / "benchmarks" / "speed.py"), "--shape", "small", "--chunks", "4",
           "--input-tokens", "128", "--new-tokens", "16", "--only", "naive,auto", "--no-e2e", "--no-quality",
           "--json", "--work-dir", str(tmp_path / "work"), "--out-dir", str(tmp_path / "out")]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["backend"]: r for r in json.loads(proc.stdout)}
    naive, auto = rows["naive"], rows["auto"]
    for row in (naive, auto):
        assert {"backend", "quantization", "map_seconds", "speedup", "peak_rss_mb"} <= row.keys()
        assert row["map_seconds"] > 0 and row["peak_rss_mb"] > 0
    assert naive["speedup"] == 1.0
    assert auto["map_seconds"] < naive["map_seconds"], (
        f"auto ({auto['picked']}) took {auto['map_seconds']} s, the naive baseline {naive['map_seconds']} s")
    table = (tmp_path / "out" / "speed.md").read_text(encoding="utf-8")
    assert "| naive |" in table and "**auto**" in table

"""The PyInstaller bundle: built from build.spec, it starts and summarizes with no Python around.

Slow (a full build takes about ten minutes on two cores): run with ``make test-slow``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bundle_starts_and_summarizes(tmp_path: Path) -> None:
    dist, work = tmp_path / "dist", tmp_path / "build"
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", str(REPO / "build.spec"), "--noconfirm",
         "--distpath", str(dist), "--workpath", str(work)],
        cwd=REPO, check=True, capture_output=True, timeout=3600,
    )
    bundle = dist / "precis"
    # No Python, no virtualenv, no source tree: only the bundle and a clean environment.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PRECIS_HOME": str(tmp_path / "home"),
           "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
    sample = REPO / "resources" / "samples" / "product-sync-meeting.vtt"
    out = subprocess.run(
        [str(bundle / "precis-cli"), "summarize", str(sample), "--engine", "extractive", "--format", "json", "--no-progress"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert out.returncode == 0, out.stderr
    digest = json.loads(out.stdout)
    assert "Tom Becker" in json.dumps(digest["points"])
    assert all(p["sources"] for p in digest["points"])
    started = subprocess.run([str(bundle / "precis"), "--quit-after-start"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert started.returncode == 0, started.stderr
    report = json.loads(started.stdout.strip().splitlines()[-1])
    assert report["visible"] and report["heavy_modules"] == []
    assert os.access(bundle / "precis", os.X_OK)

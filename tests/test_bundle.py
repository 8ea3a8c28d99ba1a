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
    _summarizes_a_scan(bundle, env, tmp_path)
    _summarizes_with_the_real_tokenizer(bundle, env, tmp_path)
    started = subprocess.run([str(bundle / "precis"), "--quit-after-start"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert started.returncode == 0, started.stderr
    report = json.loads(started.stdout.strip().splitlines()[-1])
    assert report["visible"] and report["heavy_modules"] == []
    assert os.access(bundle / "precis", os.X_OK)


def _summarizes_a_scan(bundle: Path, env: dict[str, str], tmp_path: Path) -> None:
    """The bundle carries the OCR engine and its English model: a scanned PDF is read and cited by page."""
    from tests.conftest import CORPUS
    from tests.core.ingest._scans import image_pdf, render

    source = CORPUS / "pdf" / "google-doc-document.pdf"
    if not source.is_file():
        return
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(image_pdf([render(source, 0)]))
    out = subprocess.run(
        [str(bundle / "precis-cli"), "summarize", str(scan), "--engine", "extractive", "--format", "json", "--no-progress"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert out.returncode == 0, out.stderr
    digest = json.loads(out.stdout)
    assert digest["points"] and all(s["locator"].get("page") == 1 for p in digest["points"] for s in p["sources"])


def _summarizes_with_the_real_tokenizer(bundle: Path, env: dict[str, str], tmp_path: Path) -> None:
    """A model laid out as a Hub download, with FLAN-T5's real tokenizer, imports and summarizes in
    the bundle (CTranslate2 conversion included), and the language gate works there: a Chinese
    document is quoted, not sent to the model (py3langid's model travels in the bundle)."""
    from desktop.ml.models.random_model import build_random_t5, real_tokenizer_available
    from tests.conftest import CORPUS

    if not real_tokenizer_available():
        return
    model = build_random_t5(tmp_path / "tiny-t5", "tiny")
    cli = str(bundle / "precis-cli")
    imported = subprocess.run([cli, "models", "import", str(model), "--name", "tiny"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
    assert imported.returncode == 0, imported.stderr
    files = [str(REPO / "resources" / "samples" / "product-sync-meeting.vtt")]
    zh = CORPUS / "docx" / "tender-document-zh.docx"
    files += [str(zh)] if zh.is_file() else []
    out = subprocess.run([cli, "summarize", *files, "--model", "tiny", "--engine", "flan-t5", "--backend", "ctranslate2",
                          "--length", "short", "--format", "json", "--no-progress"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stderr
    digest = json.loads(out.stdout)
    assert digest["documents"][0]["summary"] and digest["stats"]["backend"] == "ctranslate2"
    if zh.is_file():
        assert any("in Chinese, which the model cannot read" in w for w in digest["documents"][1]["warnings"])

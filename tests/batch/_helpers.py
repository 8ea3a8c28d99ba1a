"""Shared helpers for the batch tests: copying corpus files, reading a manifest, running the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

#: Corpus files that read and summarize fast with the extractive engine (a second or less each).
FAST_FILES = (
    "transcript/captions-with-bom.vtt",
    "transcript/no-webvtt-header.vtt",
    "transcript/teams-voice-tags.vtt",
    "transcript/srt-capability-tester.srt",
    "transcript/utf16le-bom.srt",
    "transcript/youtube-autocaptions.vtt",
    "transcript/seattle-council-briefing-2021-08-02.vtt",
    "transcript/qmsum-ES2008a-product-kickoff.json",
    "transcript/qmsum-TS3003c-product-meeting.txt",
    "email/apache-new-httpd-1997-latin1-from.eml",
    "email/missing-final-boundary.eml",
    "email/unencoded-latin1-subject.eml",
    "email/korean-euc-kr-base64.eml",
    "email/accented-french-subject.msg",
    "docx/va-notice-of-intent-pws.docx",
    "docx/elder-abuse-referral-form.docx",
)


def copy_corpus(corpus: Path, dest: Path, names: tuple[str, ...] = FAST_FILES) -> list[Path]:
    out = []
    for name in names:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / name, target)
        out.append(target)
    return out


def manifest_lines(out_dir: Path) -> list[dict[str, Any]]:
    """Every line of the manifest; a line that does not parse fails the test (no torn rows)."""
    text = (out_dir / "manifest.jsonl").read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(ln) for ln in text.splitlines() if ln.strip()]


def latest(out_dir: Path) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for row in manifest_lines(out_dir):
        rows[row["key"]] = row
    return rows


def temp_files(out_dir: Path) -> list[Path]:
    return [p for p in out_dir.rglob("*") if p.name.endswith(".tmp")]


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "desktop.cli", "batch", *args]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_command(*args), cwd=REPO, env=cli_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)

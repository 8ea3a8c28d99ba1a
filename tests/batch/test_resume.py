"""The resume guarantee: ``kill -9`` of a batch at any moment, then a rerun, leaves every file done
exactly once, with no partial or duplicate output; Ctrl-C stops with the manifest consistent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil

from tests.batch._helpers import REPO, cli_command, cli_env, copy_corpus, manifest_lines, run_cli, temp_files


def _done_rows(out: Path) -> int:
    """Rows fully written so far (the batch may be appending one right now)."""
    try:
        text = (out / "manifest.jsonl").read_text(encoding="utf-8")
    except FileNotFoundError:
        return 0
    return sum(1 for ln in text.splitlines(keepends=True) if ln.endswith("\n") and '"done"' in ln)


def _start_and_wait(args: tuple[str, ...], out: Path, rows: int, *, new_session: bool = False) -> subprocess.Popen:
    proc = subprocess.Popen(cli_command(*args), cwd=REPO, env=cli_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=new_session)
    deadline = time.monotonic() + 90
    while _done_rows(out) < rows:
        assert proc.poll() is None, f"the batch ended before {rows} rows: {proc.stderr.read() if proc.stderr else ''}"
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.02)
    return proc


def _outputs(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*")
            if p.is_file() and p.name not in ("manifest.jsonl", ".manifest.lock")}


def test_kill_9_mid_run_then_rerun_does_every_file_exactly_once(corpus: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    files = copy_corpus(corpus, src)
    keys = sorted(p.relative_to(src).as_posix() for p in files)
    args = (str(src), "--out", str(out), "--recursive", "--engine", "extractive", "--workers", "1", "--format", "both",
            "--no-progress")
    for rows in (2, 7):  # two kills at different points of the run
        proc = _start_and_wait(args, out, rows)
        workers = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        _gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, "worker processes outlived their killed batch"

    before = {r["key"]: r for r in manifest_lines(out)}
    assert 7 <= len(before) < len(keys)
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert f"{len(before)} already done" in result.stderr

    rows = manifest_lines(out)
    assert sorted(r["key"] for r in rows) == keys  # one row per file, none twice
    assert all(r["status"] == "done" for r in rows)
    for key, row in before.items():  # what the killed runs finished was not done again
        if row["status"] == "done":
            assert {k: v for k, v in row.items()} == next(r for r in rows if r["key"] == key)
    assert len({r["run"] for r in rows}) == 3  # two killed runs and the rerun all contributed
    assert _outputs(out) == {f"{k}{ext}" for k in keys for ext in (".md", ".json")}
    assert not temp_files(out)
    for key in keys:
        digest = json.loads((out / f"{key}.json").read_text(encoding="utf-8"))
        assert digest["documents"][0]["path"] == str(src / key)
        assert (out / f"{key}.md").read_text(encoding="utf-8").strip()


def test_ctrl_c_stops_cleanly_and_the_rerun_finishes(corpus: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    files = copy_corpus(corpus, src)
    args = (str(src), "--out", str(out), "--recursive", "--engine", "extractive", "--workers", "2", "--no-progress")
    proc = _start_and_wait(args, out, 3, new_session=True)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    _stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Cancelled" in stderr
    rows = manifest_lines(out)
    assert rows and len({r["key"] for r in rows}) == len(rows)
    for row in rows:
        assert row["status"] == "done" and all((out / o).is_file() for o in row["outputs"])
    assert not temp_files(out)

    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    rows = manifest_lines(out)
    assert len(rows) == len(files) == len({r["key"] for r in rows})


def test_a_torn_manifest_line_is_dropped_and_its_file_redone(corpus: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    copy_corpus(corpus, src, ("transcript/teams-voice-tags.vtt", "transcript/utf16le-bom.srt"))
    args = (str(src), "--out", str(out), "--recursive", "--engine", "extractive", "--workers", "1", "--no-progress")
    assert run_cli(*args).returncode == 0
    rows = manifest_lines(out)
    # As if the machine died while the second row was being written: half a line.
    (out / "manifest.jsonl").write_text(json.dumps(rows[0]) + '\n{"key": "x", "stat', encoding="utf-8")
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    again = manifest_lines(out)
    assert [r["key"] for r in again] == [r["key"] for r in rows]
    assert again[0] == rows[0] and again[1]["run"] != rows[1]["run"]

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

from desktop.ml.batch.manifest import Manifest, Row
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


def test_a_torn_manifest_line_is_dropped_and_the_file_stays_valid(tmp_path: Path) -> None:
    """As if the machine died while a row was being written: half a line at the end. Opening the
    manifest drops it (that unit is simply not done) and compacts, so the next append starts on a
    line of its own instead of gluing itself to the torn one."""
    good = Row(key="a.vtt", sources=["/src/a.vtt"], sha256="1" * 64, settings_key="k", status="done",
               outputs=["a.vtt.md"], run="r1")
    (tmp_path / "manifest.jsonl").write_text(good.to_json() + "\n" + '{"key": "b.srt", "stat', encoding="utf-8")
    (tmp_path / ".a.vtt.md.x1y2z3ab.tmp").write_text("half a digest", encoding="utf-8")
    with Manifest(tmp_path) as manifest:
        assert list(manifest.rows) == ["a.vtt"]
        manifest.append(Row(key="b.srt", sources=["/src/b.srt"], sha256="2" * 64, settings_key="k", status="done",
                            outputs=["b.srt.md"], run="r2"))
    rows = manifest_lines(tmp_path)
    assert [r["key"] for r in rows] == ["a.vtt", "b.srt"] and rows[0] == json.loads(good.to_json())
    assert not temp_files(tmp_path)

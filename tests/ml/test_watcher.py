"""The watcher: a real `precis-cli watch` process summarizes what arrives into History and its
output folder, stops cleanly on SIGTERM, redoes nothing after a restart, redoes a changed file,
and the in-process watcher pauses and resumes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.core.history import History
from desktop.core.watch.events import Digested, StateChanged, WatchEvent
from desktop.ml.batch.manifest import read_rows
from desktop.ml.engine.job import JobSpec
from desktop.ml.watch.watcher import Watcher, WatchOptions, folder_sources

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _watch(inbox: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "desktop.cli", "watch", str(inbox), "--out", str(out), "--engine", "extractive",
           "--settle", "0.5", "--poll", "0.2", *extra]
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def _done(out: Path) -> dict[str, str]:
    if not (out / "manifest.jsonl").exists():
        return {}
    return {Path(r["key"]).name: r["status"] for r in read_rows(out)}


@pytest.mark.usefixtures("corpus")
def test_a_real_watcher_process_digests_arrivals_and_stops_on_sigterm(tmp_path: Path, corpus: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(SAMPLES / "office-move-thread.eml", inbox / "office-move.eml")
    proc = _watch(inbox, out)
    try:
        _wait(lambda: _done(out).get("office-move.eml") == "done", 60, "the file present at the start")
        # Files dropped while it runs, one a real corpus meeting, one copied in slowly.
        shutil.copy(corpus / "transcript" / "qmsum-TS3003c-product-meeting.txt", inbox / "meeting.txt")
        data = (corpus / "email" / "metrics-grimoire-thread-2015-11.mbox").read_bytes()
        with open(inbox / "thread.mbox", "wb") as fh:
            for i in range(0, len(data), len(data) // 4 + 1):
                fh.write(data[i:i + len(data) // 4 + 1])
                fh.flush()
                time.sleep(0.2)  # each piece well within the settle time: never read half-written
        _wait(lambda: _done(out).get("meeting.txt") == "done" and _done(out).get("thread.mbox") == "done", 60, "arrivals")
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    assert "stopped" in output.splitlines()[-1]
    rows = read_rows(out)
    assert [Path(r["key"]).name for r in rows if Path(r["key"]).name == "thread.mbox"] == ["thread.mbox"]  # once
    assert (out / "inbox" / "meeting.txt.md").read_text(encoding="utf-8").startswith("# ")
    titles = {e.paths[0]: e.title for e in History().list()}
    assert str(inbox / "thread.mbox") in titles and str(inbox / "meeting.txt") in titles

    # A restart redoes nothing; a changed file is redone.
    again = subprocess.run([sys.executable, "-m", "desktop.cli", "watch", str(inbox), "--out", str(out),
                            "--engine", "extractive", "--once"], cwd=REPO, capture_output=True, text=True,
                           timeout=60, check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert again.returncode == 0 and "queued" not in again.stderr, again.stderr
    with open(inbox / "meeting.txt", "a", encoding="utf-8") as fh:
        fh.write("Project Manager: I will send the minutes by Friday.\n")
    changed = subprocess.run([sys.executable, "-m", "desktop.cli", "watch", str(inbox), "--out", str(out),
                              "--engine", "extractive", "--once"], cwd=REPO, capture_output=True, text=True,
                             timeout=60, check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert "meeting.txt (changed)" in changed.stderr and changed.stderr.count("queued") == 1, changed.stderr


def test_pause_holds_new_work_until_resume(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    events: list[WatchEvent] = []
    options = WatchOptions(folder_sources([str(inbox)]), settle_s=0.3, poll_s=0.1, state_dir=tmp_path / "state")
    watcher = Watcher(options, JobSpec(paths=[], engine="extractive"), events.append)
    watcher.start()
    try:
        watcher.pause()
        shutil.copy(SAMPLES / "product-sync-meeting.vtt", inbox / "sync.vtt")
        time.sleep(2.0)
        assert not any(isinstance(e, Digested) for e in events)
        assert History().list() == []
        watcher.resume()
        _wait(lambda: any(isinstance(e, Digested) for e in events), 60, "the digest after resume")
    finally:
        watcher.stop()
    digested = next(e for e in events if isinstance(e, Digested))
    assert digested.entry_id and History().load(digested.entry_id)[0].action_items
    assert isinstance(events[-1], StateChanged) and events[-1].state == "stopped"
    rows = json.loads((tmp_path / "state" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert rows["status"] == "done" and rows["sha256"]

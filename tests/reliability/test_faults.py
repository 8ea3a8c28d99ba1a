"""Faults: a killed worker, a damaged or locked cache and history, a full disk and a read-only
destination during export, history and model download, a half-downloaded model.

Covered elsewhere and not repeated here: the window's side of a killed worker (reported,
restarted, Retry) in tests/gui/process/test_worker_bridge.py; a corrupt or in-process-locked cache and history
index in tests/core/test_cache.py and test_history.py; interrupted, resumed and corrupted
downloads (checksums) and ENOSPC through /dev/full in tests/ml/test_download.py; Cancel and
Resume of fine-tuning in tests/ml/test_finetune.py.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from desktop.core import paths
from desktop.core.cache import SummaryCache
from desktop.core.digest import Digest
from desktop.core.errors import Cancelled
from desktop.core.events import CancelToken, Event, Loss, Partial
from desktop.core.history import History
from desktop.ml import protocol
from desktop.ml.engine.job import JobSpec, run_job
from desktop.ml.finetune import FinetuneRequest, preset, run_finetune
from desktop.ml.finetune.model import file_hashes
from desktop.ml.finetune.run_folder import RunFolder
from desktop.ml.models.manifest import MARKER
from desktop.ml.models.store import ModelStore
from desktop.ml.protocol import EventMessage, Failed, JobFinished, Ready, RunJob
from desktop.ml.worker import CancelFlag, worker_main
from tests.fake_hub import FakeHub
from tests.ml._finetune_data import toy_pairs, write_jsonl
from tests.reliability.probes import PYTHON, REPO, child_env

TINY = {"engine": "flan-t5", "model": "tiny", "backend": "ctranslate2", "quantization": "int8", "device": "cpu",
        "threads": 1, "length": "short", "classify": False}
FSIZE = 4096  # bytes any file may grow to in a "full disk" child


def fault_child(op: str, args: dict, *, fsize: int = 0, unprivileged: bool = False) -> dict:
    cmd = [PYTHON, "-m", "tests.reliability.fault_child", str(fsize), op, json.dumps(args)]
    if unprivileged:
        cmd = without_root_powers(cmd)
    # The downloads go to the fake Hub on 127.0.0.1, so offline mode is off for them.
    env = child_env(Path(os.environ["PRECIS_HOME"]), HF_HUB_OFFLINE="0" if op == "download" else "1")
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "stderr": done.stderr}


def without_root_powers(cmd: list[str]) -> list[str]:
    """As root, permissions do not apply; run the child without CAP_DAC_OVERRIDE so a read-only
    folder is read-only to it, as it is to every ordinary user."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made read-only")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner,-linux_immutable", "--inh-caps=-all", "--", *cmd]


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    folder.chmod(0o555)
    try:
        yield
    finally:
        folder.chmod(0o755)


# ----- the worker killed mid-job ----------------------------------------------------------------
def test_killed_worker_keeps_finished_chunk_summaries(tiny: str, corpus: Path, figures) -> None:
    """SIGKILL the real worker process after some chunk summaries arrived; the retry finds each of
    them in the cache (every summary is committed to SQLite before it is reported)."""
    ctx = multiprocessing.get_context("spawn")
    requests, to_worker = ctx.Pipe(duplex=False)
    from_worker, events = ctx.Pipe(duplex=False)
    # Not a daemon: the worker starts its own child to convert the model, as in the app.
    proc = ctx.Process(target=worker_main, args=(requests, events, CancelFlag(ctx)))
    proc.start()
    spec = JobSpec(paths=[str(corpus / "transcript")], **TINY)
    seen = 0
    try:
        assert from_worker.poll(120) and isinstance(protocol.receive(from_worker), Ready)
        protocol.send(to_worker, RunJob("j1", spec))
        deadline = time.monotonic() + 240
        while seen < 25 and time.monotonic() < deadline:
            if not from_worker.poll(1):
                continue
            message = protocol.receive(from_worker)
            assert not isinstance(message, (JobFinished, Failed)), f"the job ended before the kill: {message}"
            if isinstance(message, EventMessage) and isinstance(message.event, Partial) and message.event.level == 0:
                seen += 1
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(10)
    finally:
        if proc.is_alive():
            proc.kill()
    assert seen >= 25 and proc.exitcode == -signal.SIGKILL
    retry = run_job(spec).digest
    assert retry.stats["cache_hits"] >= seen, retry.stats
    assert not any("damaged" in w for w in retry.warnings), retry.warnings
    assert len(retry.documents) >= 10
    figures("faults: worker SIGKILL", summaries_before_kill=seen, cache_hits_on_retry=retry.stats["cache_hits"],
            generated_on_retry=retry.stats["generated"])


# ----- the chunk cache --------------------------------------------------------------------------
SAMPLE = REPO / "resources" / "samples" / "product-sync-meeting.vtt"


def test_garbage_chunk_cache_is_rebuilt_and_the_job_says_so(tiny: str) -> None:
    db = paths.chunk_cache_db()
    db.write_bytes(os.urandom(64 * 1024))
    first = run_job(JobSpec(paths=[str(SAMPLE)], **TINY)).digest
    assert first.documents[0].summary
    assert any("summary cache was damaged; it was set aside and rebuilt" in w for w in first.warnings), first.warnings
    assert list(db.parent.glob(f"{db.name}.damaged-*"))
    again = run_job(JobSpec(paths=[str(SAMPLE)], **TINY)).digest
    assert again.stats["generated"] == 0 and again.stats["cache_hits"] > 0
    assert not any("cache" in w for w in again.warnings)


LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA locking_mode=EXCLUSIVE")
db.execute("CREATE TABLE IF NOT EXISTS other (x)")
db.execute("BEGIN EXCLUSIVE")
db.execute("INSERT INTO other VALUES (1)")
print("locked", flush=True)
time.sleep(120)
"""


@contextmanager
def second_instance_lock(db: Path) -> Iterator[None]:
    """Another process holding the database in exclusive mode, mid-transaction."""
    proc = subprocess.Popen([PYTHON, "-c", LOCKER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield
    finally:
        proc.kill()
        proc.wait(10)


def test_chunk_cache_locked_by_another_process_job_runs_without_it(tiny: str) -> None:
    db = paths.chunk_cache_db()
    seed = SummaryCache(db)
    seed.put("seed", "kept")
    seed.close()
    with second_instance_lock(db):
        started = time.monotonic()
        digest = run_job(JobSpec(paths=[str(SAMPLE)], **TINY)).digest
        took = time.monotonic() - started
    assert digest.documents[0].summary and digest.stats["generated"] > 0
    assert any("in use by another Precis window; this job runs without it" in w for w in digest.warnings), digest.warnings
    assert took < 60
    reopened = SummaryCache(db)
    assert reopened.get("seed") == "kept" and reopened.notices == []


# ----- history ----------------------------------------------------------------------------------
def _digest(title: str) -> Digest:
    return Digest(title=title, overview=f"{title} overview.")


def test_history_locked_by_another_process_keeps_every_entry(tmp_path: Path) -> None:
    folder = tmp_path / "history"
    history = History(folder)
    old = [history.add(_digest(f"Entry {i}"), [f"/docs/{i}.pdf"], f"# Entry {i}\n").id for i in range(3)]
    history.close()
    with second_instance_lock(folder / "index.sqlite3"):
        during = History(folder)
        assert any("in use by another Precis window" in n for n in during.notices), during.notices
        assert {e.id for e in during.list()} == set(old)  # read from the saved files
        new = during.add(_digest("Added while locked"), ["/docs/new.pdf"], "# Added while locked\n").id
        assert {e.id for e in during.list()} == {*old, new}
        during.close()
    after = History(folder)
    assert {e.id for e in after.list()} == {*old, new}  # the index caught up from the files
    assert [e.title for e in after.list("added while")] == ["Added while locked"]


def test_history_entry_on_a_full_disk_fails_cleanly_and_keeps_the_others() -> None:
    folder = paths.data_dir() / "history"
    history = History(folder)
    old = [history.add(_digest(f"Entry {i}"), [f"/docs/{i}.pdf"], f"# Entry {i}\n").id for i in range(3)]
    history.close()
    result = fault_child("history", {"folder": str(folder), "points": 3000}, fsize=FSIZE)
    assert result["error"] == "OSError" and "File too large" in result["message"]  # the GUI shows it (gui/window/job_outcomes.py)
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(old)
    assert not list(folder.glob(".*.tmp"))
    assert {e.id for e in History(folder).list()} == set(old)


# ----- export -----------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".md", ".json", ".docx"])
def test_export_to_a_full_disk_keeps_the_previous_version(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"digest{suffix}"
    target.write_bytes(b"previous version")
    result = fault_child("export", {"target": str(target)}, fsize=FSIZE)
    assert result["error"] == "ExportError"
    assert result["message"] == f"The digest could not be saved to {target.name}: File too large. Nothing was written."
    assert target.read_bytes() == b"previous version"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


@pytest.mark.parametrize("suffix", [".md", ".docx"])
def test_export_to_a_read_only_folder_keeps_the_previous_version(tmp_path: Path, suffix: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"digest{suffix}"
    target.write_bytes(b"previous version")
    with read_only(folder):
        result = fault_child("export", {"target": str(target)}, unprivileged=True)
    assert result == {"error": "ExportError", "message": f"Precis may not write to {folder}; choose another folder.",
                      "stderr": ""}
    assert target.read_bytes() == b"previous version" and [p.name for p in folder.iterdir()] == [target.name]


def test_cli_summary_to_a_full_disk_keeps_the_previous_version(tmp_path: Path) -> None:
    target = tmp_path / "digest.md"
    target.write_text("previous version")
    argv = ["summarize", "--engine", "extractive", "--no-progress", "--length", "long", "--out", str(target),
            str(REPO / "resources" / "samples")]
    result = fault_child("cli", {"argv": argv}, fsize=512)
    assert result["ok"] == 1 and f"precis-cli: could not write {target}: File too large" in result["stderr"]
    assert target.read_text() == "previous version" and [p.name for p in tmp_path.iterdir()] == [target.name]


# ----- model download ---------------------------------------------------------------------------
REVISION = "0123456789abcdef0123456789abcdef01234567"
ENTRY = {"name": "tiny-t5", "hub_id": "precis-test/tiny-t5", "revision": REVISION, "parameters": 1, "download_bytes": 1,
         "license": "Apache-2.0", "description": "test", "backends": {"torch": ["float32"]}}


@pytest.fixture
def hub(tiny_model_dir: Path) -> Iterator[FakeHub]:
    with FakeHub() as fake:
        fake.add_folder(ENTRY["hub_id"], REVISION, tiny_model_dir)
        yield fake


def test_download_to_a_full_disk_is_a_clear_error_and_installs_nothing(hub: FakeHub, tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = fault_child("download", {"entry": ENTRY, "store": str(store), "endpoint": hub.url}, fsize=64 * 1024)
    assert result["error"] == "DownloadError"
    assert result["message"].startswith("tiny-t5 could not be saved in") and "File too large" in result["message"]
    assert ModelStore(store).installed(include_incomplete=True) == []
    assert not (store / "tiny-t5").exists()


def test_download_to_a_read_only_store_is_a_clear_error(hub: FakeHub, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    with read_only(store):
        result = fault_child("download", {"entry": ENTRY, "store": str(store), "endpoint": hub.url}, unprivileged=True)
    assert result["error"] == "DownloadError"
    assert result["message"] == (f"Precis may not write to the model store {store} (read-only or no permission); "
                                 "choose another folder in Settings.")
    assert list(store.iterdir()) == []


def test_a_half_downloaded_or_half_installed_model_is_never_offered(tiny_model_dir: Path, qtbot) -> None:
    """Only folders with the completion marker reach the model picker: not a download still in
    .partial, not a model folder whose install stopped before the marker was written."""
    from desktop.core.settings import Settings
    from desktop.gui.models.model_picker import ModelPicker

    store = ModelStore()
    store.import_folder(tiny_model_dir, "tiny")
    half = store.root / "half-installed"
    shutil.copytree(store.root / "tiny", half)
    (half / MARKER).unlink()
    partial = store.partial_dir("flan-t5-small")
    partial.mkdir(parents=True)
    shutil.copy(tiny_model_dir / "config.json", partial / "config.json")
    (partial / "model.safetensors.part").write_bytes(b"\0" * 1000)
    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.refresh(Settings(model="tiny"))
    assert picker.names() == ["tiny", "extractive"]
    assert [m.name for m in store.installed()] == ["tiny"]
    assert store.get("half-installed") is None and store.get("flan-t5-small") is None


# ----- fine-tune checkpoints --------------------------------------------------------------------
def test_a_checkpoint_the_disk_refuses_keeps_the_previous_one(tiny_model_dir: Path, corpus: Path, tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "store")
    store.import_folder(tiny_model_dir, "tiny-t5")
    pairs = write_jsonl(tmp_path / "pairs.jsonl", toy_pairs(corpus, n=32))
    settings = preset("tiny").with_overrides(threads=1, val_share=0.25, steps=12, checkpoint_every=4, eval_every=4,
                                             replay=0.0)
    request = FinetuneRequest("tiny-t5", [str(pairs)], "tuned", settings, store_root=str(store.root))
    cancel = CancelToken()

    def stop_at_6(event: Event) -> None:
        if isinstance(event, Loss) and event.step == 6:
            cancel.cancel()

    with pytest.raises(Cancelled):  # the user stopped it after its first checkpoint
        run_finetune(request, on_event=stop_at_6, cancel=cancel)
    run = RunFolder.for_name(store.root, "tuned")
    kept = run.latest_checkpoint()
    assert kept is not None and kept.step == 4
    kept_files = file_hashes(kept.path)

    # Resumed on a "full disk": the step-8 checkpoint cannot be written.
    args = {"model": "tiny-t5", "pairs": [str(pairs)], "out": "tuned", "settings": settings.to_dict(), "resume": True,
            "store": str(store.root)}
    result = fault_child("finetune", args, fsize=FSIZE)
    assert result["error"] == "FinetuneError", result
    assert result["message"].startswith("Training stopped because Precis could not write to ")
    assert "(File too large)" in result["message"]
    assert result["message"].endswith("The checkpoint at step 4 is kept: free some space and resume the run.")
    after = run.latest_checkpoint()
    assert after is not None and after.step == 4 and file_hashes(after.path) == kept_files
    assert not run.result.exists()
    assert [p for p in store.root.rglob("*") if p.name.startswith(".tmp-")] == []

    # With room again, Resume continues from step 4 and finishes.
    finished = run_finetune(FinetuneRequest("tiny-t5", [str(pairs)], "tuned", settings, resume=True,
                                            store_root=str(store.root)))
    assert finished.resumed_from == 4 and finished.result_dir.is_dir()

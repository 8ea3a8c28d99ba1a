"""Summarizing, extracting (recordings too), batches, the window and a model's arrival (its
self-check) run without torch, transformers and onnxruntime, which the lean bundle leaves out
(issue 28).

Each check runs real processes with stand-ins for them first on the path:
importing either writes a note naming the process and the import's stack, then fails as it
would where they are not installed. The notes are looked for in every process a run starts
(the CTranslate2 conversion child, the batch workers, the window's worker) and each main
process also reports its ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "resources" / "samples"
HEAVY = ("torch", "transformers", "onnxruntime")  # onnxruntime: the voice filter runs in numpy
_BLOCK = '''import os, traceback
folder = os.environ.get("PRECIS_IMPORT_NOTES")
if folder:
    with open(os.path.join(folder, f"{__name__}-{os.getpid()}.txt"), "w") as fh:
        fh.write("".join(traceback.format_stack()))
raise ImportError(f"{__name__} is not installed here (a test of issue 28 stands in for it)")
'''
#: Runs precis-cli in this process, then prints the heavy modules it loaded.
_CLI = ("import json, sys\nfrom desktop.cli import main\nrc = main(sys.argv[1:])\n"
        f"print('HEAVY=' + json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))\n"
        "sys.exit(rc)\n")


@pytest.fixture
def lean_env(tmp_path: Path, tiny_model_dir: Path) -> dict[str, str]:
    blocked = tmp_path / "blocked"
    for name in HEAVY:
        (blocked / name).mkdir(parents=True)
        (blocked / name / "__init__.py").write_text(_BLOCK)
    notes = tmp_path / "notes"
    notes.mkdir()
    # The tiny model is imported here, with the real libraries (building it needs torch, using
    # it must not), into the store of this test's PRECIS_HOME, which the processes share.
    from desktop.ml.models.store import ModelStore

    ModelStore().import_folder(tiny_model_dir, "tiny")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocked), str(REPO)]), "PRECIS_IMPORT_NOTES": str(notes)}


def _notes(env: dict[str, str]) -> dict[str, str]:
    return {p.name: p.read_text() for p in Path(env["PRECIS_IMPORT_NOTES"]).iterdir()}


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> list[str]:
    return _cli_output(args, env, cwd)[0]


def _cli_output(args: list[str], env: dict[str, str], cwd: Path) -> tuple[list[str], str]:
    """The heavy modules precis-cli loaded, and what it printed before them."""
    done = subprocess.run([sys.executable, "-c", _CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    printed, _, heavy = done.stdout.rpartition("HEAVY=")
    return json.loads(heavy), printed


def test_summarize_extract_and_batch_load_neither(lean_env: dict[str, str], tmp_path: Path) -> None:
    sample = str(SAMPLES / "product-sync-meeting.vtt")
    model = ["--model", "tiny", "--backend", "ctranslate2", "--length", "short"]
    assert _cli(["summarize", sample, *model, "--format", "json", "--no-progress", "--out",
                 str(tmp_path / "d.json")], lean_env, tmp_path) == []
    digest = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert digest["stats"]["backend"] == "ctranslate2"  # the model ran (converted here, with numpy)
    assert _cli(["extract", sample], lean_env, tmp_path) == []
    assert _cli(["batch", sample, str(SAMPLES / "quarterly-energy-report.md"), "--out", str(tmp_path / "batch"), *model,
                 "--workers", "2", "--no-progress", "--quiet"], lean_env, tmp_path) == []
    assert len(list((tmp_path / "batch").glob("*.md"))) == 2
    assert _notes(lean_env) == {}


def test_a_recording_is_transcribed_without_onnxruntime(lean_env: dict[str, str], tmp_path: Path,
                                                      meeting_speech, whisper_model_dir: Path) -> None:
    """Its speech found by Silero VAD in numpy (desktop/core/ingest/audio/silero.py)."""
    import numpy as np

    from tests.core.ingest._recordings import silence, write

    recording = write(tmp_path / "call.wav", np.concatenate([silence(2), meeting_speech, silence(3)]))
    heavy, printed = _cli_output(["extract", str(recording), "--format", "json", "--recording-model",
                                  str(whisper_model_dir), "--spoken-language", "en"], lean_env, tmp_path)
    assert heavy == []
    blocks = json.loads(printed)["documents"][0]["blocks"]
    assert blocks and all(1.0 <= b["locator"]["start"] <= b["locator"]["end"] for b in blocks)  # the silence left out
    assert _notes(lean_env) == {}


def test_the_window_and_its_worker_load_neither(lean_env: dict[str, str], tmp_path: Path) -> None:
    env = {**lean_env, "QT_QPA_PLATFORM": "offscreen"}
    started = subprocess.run([sys.executable, "-m", "desktop", "--quit-after-start"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert started.returncode == 0, started.stderr[-3000:]
    report = json.loads(started.stdout.strip().splitlines()[-1])
    assert report["visible"] and not set(report["heavy_modules"]) & set(HEAVY)
    # A job in the window's worker process, driven the way the window drives it.
    code = f"""
import multiprocessing as mp, sys
from desktop.ml import protocol
from desktop.ml.engine.job import JobSpec
from desktop.ml.protocol import Failed, JobFinished, RunJob, Shutdown, WasCancelled
from desktop.ml.worker import CancelFlag, worker_main
if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    flag = CancelFlag(ctx)
    req_r, requests = ctx.Pipe(duplex=False)
    events, ev_w = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=worker_main, args=(req_r, ev_w, flag))
    worker.start()
    # The window's wire: JSON messages (desktop/ml/protocol.py), never pickles.
    protocol.send(requests, RunJob("j", JobSpec(paths=[{str(SAMPLES / "product-sync-meeting.vtt")!r}], engine="flan-t5",
                  model="tiny", backend="ctranslate2", threads=1)))
    while True:
        message = protocol.receive(events)
        if isinstance(message, (JobFinished, Failed, WasCancelled)):
            break
    protocol.send(requests, Shutdown())
    worker.join(30)
    assert isinstance(message, JobFinished), message
"""
    script = tmp_path / "drive_worker.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _notes(lean_env) == {}


def test_a_model_arriving_is_checked_with_neither(lean_env: dict[str, str], tmp_path: Path, tiny_model_dir: Path) -> None:
    """An import's self-check answers the fixed prompts in float32 without torch (numpy, in the
    importing process), and its answers are the ones torch gave when the fixture imported the
    same model with the real libraries."""
    from desktop.ml.models.manifest import ModelManifest
    from desktop.ml.models.store import ModelStore

    assert _cli(["models", "import", str(tiny_model_dir), "--name", "tiny-lean"], lean_env, tmp_path) == []
    assert _notes(lean_env) == {}
    store = ModelStore()  # this test's PRECIS_HOME, shared with the process above
    lean = ModelManifest.read(store.model_dir("tiny-lean"))
    full = ModelManifest.read(store.model_dir("tiny"))
    assert lean is not None and full is not None
    assert any(a.strip() for a in lean.self_check["reference"])
    assert lean.self_check["reference"] == full.self_check["reference"]

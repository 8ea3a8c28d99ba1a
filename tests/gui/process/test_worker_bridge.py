"""The worker bridge with a real worker process: jobs, cancel within a second, crashes survived."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.digest import Digest
from desktop.core.errors import ModelNotFound
from desktop.gui.app import runqueue_wait_s
from desktop.gui.process.worker_bridge import WorkerBridge
from desktop.ml.engine.job import JobSpec
from desktop.ml.protocol import JobFinished, error_kind
from tests.gui._jobs import (
    SAMPLE_FILES,
    blocked_seconds,
    child_processes,
    install_tiny,
    wait_until,
    zombies,
)


@pytest.fixture
def bridge(qtbot: QtBot) -> Iterator[WorkerBridge]:
    b = WorkerBridge()
    yield b
    b.shutdown()


def _long_spec(corpus: Path) -> JobSpec:
    return JobSpec(paths=[str(corpus)], engine="extractive", length="long")


def _tiny_spec(backend: str = "torch") -> JobSpec:
    return JobSpec(paths=SAMPLE_FILES, engine="flan-t5", model="tiny", backend=backend,
                   quantization="float32" if backend == "torch" else "int8", device="cpu", threads=1)


def test_extractive_job_finishes_with_a_digest(bridge: WorkerBridge, qtbot: QtBot) -> None:
    progress: list[tuple] = []
    partials: list[str] = []
    bridge.progress.connect(lambda *a: progress.append(a))
    bridge.partial.connect(lambda _j, _t, source: partials.append(source))
    with qtbot.waitSignal(bridge.worker_started, timeout=20_000):
        bridge.start()
    assert bridge.worker_pid() is not None and not bridge.is_busy()
    with qtbot.waitSignal(bridge.finished, timeout=60_000) as blocker:
        bridge.submit("j1", JobSpec(paths=SAMPLE_FILES, engine="extractive"))
        assert bridge.is_busy()
    job_id, finished = blocker.args
    assert job_id == "j1" and not bridge.is_busy()
    assert isinstance(finished, JobFinished) and isinstance(finished.digest, Digest)
    assert len(finished.digest.documents) == 3 and finished.digest.points
    assert len(finished.documents) == 3 and finished.errors == []
    assert progress and all(p[0] == "j1" for p in progress)
    assert all(isinstance(p[4], float) for p in progress)
    assert sorted(partials) == sorted(Path(p).name for p in SAMPLE_FILES)


def test_tiny_model_job_finishes(bridge: WorkerBridge, qtbot: QtBot, tiny_model_dir: Path) -> None:
    install_tiny(tiny_model_dir)
    failures: list[tuple] = []
    bridge.failed.connect(lambda *a: failures.append(a))
    with qtbot.waitSignal(bridge.finished, timeout=120_000, raising=False) as blocker:
        bridge.submit("tiny", _tiny_spec("torch"))
    assert not failures, failures
    job_id, finished = blocker.args
    digest = finished.digest
    assert job_id == "tiny" and digest.engine != "extractive"
    assert len(digest.documents) == 3


def test_failure_arrives_as_error_name_and_sentence(bridge: WorkerBridge, qtbot: QtBot) -> None:
    with qtbot.waitSignal(bridge.failed, timeout=60_000) as blocker:
        bridge.submit("j", JobSpec(paths=SAMPLE_FILES, engine="flan-t5", model="not-installed"))
    job_id, name, message = blocker.args
    assert (job_id, name) == ("j", "ModelNotFound") and error_kind(name) is ModelNotFound
    assert "not-installed" in message


def test_cancel_mid_job_within_a_second(bridge: WorkerBridge, qtbot: QtBot, corpus: Path) -> None:
    finished: list[str] = []
    bridge.finished.connect(lambda j, _p: finished.append(j))
    with qtbot.waitSignal(bridge.progress, timeout=30_000):
        bridge.submit("long", _long_spec(corpus))
    with qtbot.waitSignal(bridge.cancelled, timeout=1_000) as blocker:
        pressed = time.monotonic()
        bridge.cancel("long")
    assert time.monotonic() - pressed < 1.0
    assert blocker.args == ["long"] and not finished and not bridge.is_busy()
    # The next job runs (in the same worker, or in a fresh one if it had to be killed).
    with qtbot.waitSignal(bridge.finished, timeout=60_000) as blocker:
        bridge.submit("after", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive"))
    assert blocker.args[0] == "after"


def test_cancel_during_model_load_within_a_second(bridge: WorkerBridge, qtbot: QtBot, tiny_model_dir: Path) -> None:
    install_tiny(tiny_model_dir)
    with qtbot.waitSignal(bridge.worker_started, timeout=20_000):
        bridge.start()
    with qtbot.waitSignal(bridge.started, timeout=10_000):
        bridge.submit("load", _tiny_spec("torch"))  # importing torch takes a while
    with qtbot.waitSignal(bridge.cancelled, timeout=1_000):
        pressed = time.monotonic()
        bridge.cancel("load")
    assert time.monotonic() - pressed < 1.0
    with qtbot.waitSignal(bridge.finished, timeout=60_000) as blocker:
        bridge.submit("after", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive"))
    assert blocker.args[0] == "after"  # in the same worker, or a fresh one if it had to be killed
    assert wait_until(lambda: not zombies(), 10)


def test_cancel_of_a_hung_worker_kills_it_within_a_second(bridge: WorkerBridge, qtbot: QtBot, corpus: Path) -> None:
    """A worker that cannot look at the cancel flag (stopped here; in life: deep in a model load)."""
    with qtbot.waitSignal(bridge.progress, timeout=30_000):
        bridge.submit("hung", _long_spec(corpus))
    pid = bridge.worker_pid()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    died: list[tuple[str, str]] = []
    bridge.worker_died.connect(lambda *a: died.append(a))
    with qtbot.waitSignal(bridge.cancelled, timeout=1_000) as blocker:
        pressed = time.monotonic()
        bridge.cancel("hung")
    assert time.monotonic() - pressed < 1.0 and blocker.args == ["hung"]
    with qtbot.waitSignal(bridge.finished, timeout=60_000) as done:
        bridge.submit("after", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive"))
    assert done.args[0] == "after" and bridge.worker_pid() != pid
    assert died == []  # a kill we asked for is not a crash
    assert wait_until(lambda: pid not in [p.pid for p in child_processes()] and not zombies(), 10)


def test_cancel_of_a_waiting_job_is_immediate(bridge: WorkerBridge, qtbot: QtBot, corpus: Path) -> None:
    order: list[tuple[str, str]] = []
    bridge.finished.connect(lambda j, _p: order.append(("finished", j)))
    bridge.cancelled.connect(lambda j: order.append(("cancelled", j)))
    bridge.submit("first", JobSpec(paths=SAMPLE_FILES, engine="extractive"))
    bridge.submit("second", JobSpec(paths=SAMPLE_FILES, engine="extractive"))
    bridge.cancel("second")
    assert order == [("cancelled", "second")]
    qtbot.waitUntil(lambda: ("finished", "first") in order, timeout=60_000)
    qtbot.wait(300)
    assert order == [("cancelled", "second"), ("finished", "first")]


def test_sigkill_mid_job_is_reported_and_the_worker_restarted(bridge: WorkerBridge, qtbot: QtBot, corpus: Path) -> None:
    with qtbot.waitSignal(bridge.progress, timeout=30_000):
        bridge.submit("doomed", _long_spec(corpus))
    pid = bridge.worker_pid()
    assert pid is not None
    died: list[tuple[str, str]] = []
    bridge.worker_died.connect(lambda *a: died.append(a))
    with qtbot.waitSignals([bridge.worker_died, bridge.worker_started], timeout=20_000, order="strict"):
        os.kill(pid, signal.SIGKILL)
    [(job_id, message)] = died
    assert job_id == "doomed"
    assert message.startswith("The summarizer stopped unexpectedly (it was killed (SIGKILL)")
    assert message.endswith("It has been restarted; press Retry to run the job again. "
                            "Summaries finished before the stop are cached.")
    assert bridge.worker_pid() not in (None, pid) and not bridge.is_busy()
    with qtbot.waitSignal(bridge.finished, timeout=60_000) as done:
        bridge.submit("doomed", JobSpec(paths=SAMPLE_FILES, engine="extractive"))
    assert done.args[0] == "doomed"


def test_worker_dying_while_idle_is_reported_without_a_job(bridge: WorkerBridge, qtbot: QtBot) -> None:
    with qtbot.waitSignal(bridge.worker_started, timeout=20_000):
        bridge.start()
    with qtbot.waitSignal(bridge.worker_died, timeout=10_000) as blocker:
        os.kill(bridge.worker_pid(), signal.SIGKILL)  # type: ignore[arg-type]
    assert blocker.args[0] == ""
    qtbot.waitUntil(bridge.is_ready, timeout=20_000)


def test_shutdown_leaves_no_process_behind(qtbot: QtBot, corpus: Path) -> None:
    bridge = WorkerBridge()
    with qtbot.waitSignal(bridge.progress, timeout=30_000):
        bridge.submit("running", _long_spec(corpus))  # shut down in the middle of a job
    pid = bridge.worker_pid()
    started = time.monotonic()
    bridge.shutdown()
    assert time.monotonic() - started < 3.0
    assert pid not in [p.pid for p in child_processes()]
    assert not zombies()
    with pytest.raises(RuntimeError):
        bridge.submit("late", JobSpec(paths=SAMPLE_FILES))


def test_start_returns_at_once(qtbot: QtBot) -> None:
    bridge = WorkerBridge()
    try:
        started, queued = time.perf_counter(), runqueue_wait_s()
        bridge.start()
        assert blocked_seconds(started, queued) < 0.2  # the child imports in its own time
        qtbot.waitSignal(bridge.worker_started, timeout=20_000).wait()
    finally:
        bridge.shutdown()

"""The worker process without Qt: a real spawned child serving jobs over pipes in the typed
messages of ``desktop.ml.protocol``, and the tasks."""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core.errors import EngineError, InvalidModel, ModelNotFound
from desktop.core.events import CancelToken, Notice, Partial, Progress
from desktop.ml import protocol
from desktop.ml.engine.job import JobSpec
from desktop.ml.models.store import ModelStore
from desktop.ml.protocol import (
    FINAL,
    EventMessage,
    Failed,
    InternalError,
    JobFinished,
    Message,
    Ready,
    RunJob,
    Shutdown,
    Started,
    TaskFinished,
    WasCancelled,
)
from desktop.ml.worker import CancelFlag, Outbox, run_task, task_main, worker_main

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
SAMPLE_FILES = sorted(str(p) for p in SAMPLES.iterdir() if p.suffix in (".eml", ".vtt", ".md") and p.name != "README.md"
                      and p.name != "SOURCES.md")


class Worker:
    """A real worker process, driven the way the GUI bridge drives it."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self.flag = CancelFlag(ctx)
        req_r, self.requests = ctx.Pipe(duplex=False)
        self.events, ev_w = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=worker_main, args=(req_r, ev_w, self.flag), daemon=False)
        self.process.start()
        req_r.close()
        ev_w.close()

    def next(self, timeout: float = 60.0) -> Message:
        if not self.events.poll(timeout):
            raise AssertionError(f"no message from the worker within {timeout} s")
        return protocol.receive(self.events)

    def send(self, message: Message) -> None:
        protocol.send(self.requests, message)

    def until(self, kinds: tuple[type, ...] = FINAL, timeout: float = 60.0) -> tuple[list[Message], Any]:
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(max(0.1, deadline - time.monotonic()))
            if isinstance(message, kinds):
                return seen, message
            seen.append(message)

    def stop(self) -> None:
        try:
            self.send(Shutdown())
        except OSError:
            pass
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


@pytest.fixture
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.stop()


def _events(seen: list[Message]) -> list[Any]:
    return [m.event for m in seen if isinstance(m, EventMessage)]


def test_extractive_job_finishes_with_a_digest(worker: Worker) -> None:
    assert isinstance(worker.next(), Ready)
    worker.send(RunJob("j1", JobSpec(paths=SAMPLE_FILES, engine="extractive")))
    seen, end = worker.until()
    assert isinstance(end, JobFinished) and end.task_id == "j1", end
    assert seen[0] == Started("j1")
    events = _events(seen)
    assert any(isinstance(e, Progress) for e in events)
    assert [e.source for e in events if isinstance(e, Partial)] == [Path(p).name for p in SAMPLE_FILES]
    assert end.digest.points and end.digest.engine and end.errors == []
    assert sorted(d.path.name for d in end.documents) == sorted(Path(p).name for p in SAMPLE_FILES)
    # The same worker serves the next job.
    worker.send(RunJob("j2", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive")))
    _seen, end = worker.until()
    assert isinstance(end, JobFinished) and end.task_id == "j2"


def test_precis_errors_arrive_as_sentences(worker: Worker) -> None:
    worker.send(RunJob("j1", JobSpec(paths=SAMPLE_FILES, engine="flan-t5", model="no-such-model")))
    _seen, end = worker.until()
    assert isinstance(end, Failed) and end.task_id == "j1"
    assert end.error == "ModelNotFound" and end.kind is ModelNotFound and end.is_a(EngineError)
    assert "no-such-model" in end.message and "Traceback" not in end.message


def test_unexpected_errors_are_logged_and_the_worker_goes_on(worker: Worker) -> None:
    worker.send(RunJob("bad", JobSpec(paths=None)))  # type: ignore[arg-type]  # a malformed request
    _seen, end = worker.until()
    assert isinstance(end, Failed) and end.task_id == "bad" and end.is_a(InternalError)
    assert end.message.startswith("Summarizing failed because of an unexpected problem (TypeError")
    assert "worker.log" in end.message
    from desktop.core import paths

    assert "Traceback" in (paths.log_dir() / "worker.log").read_text(encoding="utf-8")
    worker.send(RunJob("good", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive")))
    _seen, end = worker.until()
    assert isinstance(end, JobFinished) and end.task_id == "good"


@pytest.mark.parametrize("backend", ["torch", "ctranslate2"])
def test_tiny_model_job_in_the_worker(worker: Worker, tiny_model_dir: Path, backend: str) -> None:
    ModelStore().import_folder(tiny_model_dir, "tiny")
    spec = JobSpec(paths=SAMPLE_FILES, engine="flan-t5", model="tiny", backend=backend,
                   quantization="float32" if backend == "torch" else "int8", device="cpu", threads=1)
    worker.send(RunJob("tiny", spec))
    seen, end = worker.until(timeout=180)
    assert isinstance(end, JobFinished), end
    stages = [e.stage for e in _events(seen) if isinstance(e, Progress)]
    assert any(s.startswith("summarizing chunk") for s in stages)
    assert end.digest.engine != "extractive"
    # The model stays loaded: the second job skips the load.
    worker.send(RunJob("again", spec))
    _seen, end = worker.until(timeout=120)
    assert isinstance(end, JobFinished) and end.task_id == "again"


def test_unreadable_files_are_reported_not_fatal(worker: Worker, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 nothing else")
    worker.send(RunJob("j1", JobSpec(paths=[str(broken), SAMPLE_FILES[0]], engine="extractive")))
    seen, end = worker.until()
    assert isinstance(end, JobFinished)
    notices = [e for e in _events(seen) if isinstance(e, Notice)]
    assert notices and notices[0].path == str(broken)
    assert end.errors and end.errors[0].path == str(broken) and end.errors[0].error == notices[0].error


def test_cancel_flag_stops_a_long_job_and_the_worker_goes_on(worker: Worker, corpus: Path) -> None:
    worker.send(RunJob("long", JobSpec(paths=[str(corpus)], engine="extractive", length="long")))
    worker.until((Started,))
    worker.until((EventMessage,))
    worker.flag.set()
    pressed = time.monotonic()
    _seen, end = worker.until()
    assert end == WasCancelled("long")
    assert time.monotonic() - pressed < 3.0  # the bridge kills the worker after 0.8 s anyway
    # The flag is cleared when the next job starts.
    worker.send(RunJob("next", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive")))
    _seen, end = worker.until()
    assert isinstance(end, JobFinished) and end.task_id == "next"


def test_worker_exits_when_the_window_goes_away(worker: Worker) -> None:
    assert isinstance(worker.next(), Ready)
    worker.requests.close()  # as when the GUI process dies
    worker.process.join(10)
    assert worker.process.exitcode == 0


def test_shutdown_request_ends_the_worker(worker: Worker) -> None:
    worker.send(Shutdown())
    worker.process.join(10)
    assert worker.process.exitcode == 0


def test_outbox_throttles_progress_but_keeps_everything_else() -> None:
    sent: queue.Queue[bytes] = queue.Queue()
    outbox = Outbox(sent, interval=0.1)
    on_event = outbox.callback("j")
    t0 = time.monotonic()
    for i in range(2000):
        on_event(Progress(f"step {i}", i, 2000))
        if i % 500 == 0:
            on_event(Partial(f"partial {i}", "src"))
    elapsed = time.monotonic() - t0
    time.sleep(0.3)  # the last progress is flushed by the timer thread
    outbox.put(TaskFinished("j", {}))
    outbox.close()
    messages = []
    while not sent.empty():
        messages.append(protocol.decode(sent.get()))
    progress = [e for e in _events(messages) if isinstance(e, Progress)]
    partials = [e for e in _events(messages) if isinstance(e, Partial)]
    assert [p.text for p in partials] == ["partial 0", "partial 500", "partial 1000", "partial 1500"]
    assert len(progress) <= 10 * elapsed + 2 + 2 * len(partials)
    assert progress[-1].stage == "step 1999"  # the latest one is never lost
    assert isinstance(messages[-1], TaskFinished)
    dones = [p.done for p in progress]
    assert dones == sorted(dones)


def test_cancel_flag_is_shared_with_a_child() -> None:
    ctx = mp.get_context("spawn")
    flag = CancelFlag(ctx)
    token = CancelToken(flag)
    assert not token.cancelled
    flag.set()
    assert token.cancelled and flag.is_set()
    flag.clear()
    assert not flag.is_set()


def _run_task_child(kind: str, params: dict[str, Any]) -> tuple[list[Message], Any, int | None]:
    ctx = mp.get_context("spawn")
    flag = CancelFlag(ctx)
    events, ev_w = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=task_main, args=("t1", kind, params, ev_w, flag))
    proc.start()
    ev_w.close()
    messages = []
    try:
        while True:
            assert events.poll(120), "the task sent nothing for two minutes"
            message = protocol.receive(events)
            if isinstance(message, FINAL):
                return messages, message, (proc.join(30), proc.exitcode)[1]
            messages.append(message)
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join()


def test_import_task_in_a_child_process(tiny_model_dir: Path, tmp_path: Path) -> None:
    store_root = tmp_path / "store"
    messages, end, exitcode = _run_task_child("import", {"src": str(tiny_model_dir), "name": "tiny",
                                                         "store_root": str(store_root)})
    assert isinstance(end, TaskFinished), end
    assert end.result["name"] == "tiny" and exitcode == 0
    progress = [e for e in _events(messages) if isinstance(e, Progress)]
    assert progress and progress[-1].done == progress[-1].total > 0
    assert ModelStore(store_root).is_installed("tiny")


def test_import_task_refuses_a_pickle_only_folder(tiny_model_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pickled"
    folder.mkdir()
    for f in tiny_model_dir.iterdir():
        if f.suffix != ".safetensors":
            (folder / f.name).write_bytes(f.read_bytes())
    (folder / "pytorch_model.bin").write_bytes(b"not really a pickle")
    _messages, end, _code = _run_task_child("import", {"src": str(folder), "store_root": str(tmp_path / "store")})
    assert isinstance(end, Failed) and end.is_a(InvalidModel)
    assert "safetensors" in end.message


def test_run_task_cancelled_in_process(tiny_model_dir: Path, tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    from desktop.core.errors import Cancelled

    with pytest.raises(Cancelled):
        run_task("import", {"src": str(tiny_model_dir), "name": "tiny", "store_root": str(tmp_path / "s")},
                 on_event=lambda e: None, cancel=token)
    assert not ModelStore(tmp_path / "s").is_installed("tiny")


def test_unknown_task_is_an_engine_error(tmp_path: Path) -> None:
    from desktop.core.errors import EngineError

    with pytest.raises(EngineError, match="no model task"):
        run_task("bake", {"store_root": str(tmp_path)}, on_event=lambda e: None, cancel=CancelToken())


def test_worker_runs_in_a_thread_too() -> None:
    """The channels may be plain queues: the same loop runs in-process (handy for debugging)."""
    requests: queue.Queue[bytes] = queue.Queue()
    events: queue.Queue[bytes] = queue.Queue()
    flag = threading.Event()
    thread = threading.Thread(target=worker_main, args=(requests, events, flag), daemon=True)
    # Runs worker_main in this process: it must not change our process group.
    import os

    group = os.getpgid(0) if hasattr(os, "getpgid") else None
    thread.start()
    protocol.send(requests, RunJob("j", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive")))
    protocol.send(requests, Shutdown())
    thread.join(30)
    kinds = []
    while not events.empty():
        kinds.append(type(protocol.decode(events.get())))
    assert kinds[0] is Ready and kinds[-1] is JobFinished
    if group is not None:
        assert os.getpgid(0) == group

"""The worker process without Qt: a real spawned child serving jobs over pipes, and the tasks."""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core.digest import Digest
from desktop.core.document import Document
from desktop.core.events import CancelToken, Notice, Partial, Progress
from desktop.ml.engine.job import JobSpec
from desktop.ml.models.store import ModelStore
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

    def next(self, timeout: float = 60.0) -> tuple[Any, ...]:
        if not self.events.poll(timeout):
            raise AssertionError(f"no message from the worker within {timeout} s")
        return self.events.recv()

    def until(self, kinds: tuple[str, ...], timeout: float = 60.0) -> tuple[list[tuple[Any, ...]], tuple[Any, ...]]:
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(max(0.1, deadline - time.monotonic()))
            if message[0] in kinds:
                return seen, message
            seen.append(message)

    def stop(self) -> None:
        try:
            self.requests.send(("shutdown",))
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


def test_extractive_job_finishes_with_a_digest(worker: Worker) -> None:
    assert worker.next()[0] == "ready"
    worker.requests.send(("job", "j1", JobSpec(paths=SAMPLE_FILES, engine="extractive")))
    seen, end = worker.until(("finished", "failed", "cancelled"))
    assert end[0] == "finished" and end[1] == "j1", end
    assert seen[0] == ("started", "j1")
    events = [m[2] for m in seen if m[0] == "event"]
    assert any(isinstance(e, Progress) for e in events)
    assert [e.source for e in events if isinstance(e, Partial)] == [Path(p).name for p in SAMPLE_FILES]
    payload = end[2]
    assert set(payload) == {"digest", "documents", "errors"}
    digest = Digest.from_dict(payload["digest"])
    assert digest.points and digest.engine
    docs = [Document.from_dict(d) for d in payload["documents"]]
    assert sorted(d.path.name for d in docs) == sorted(Path(p).name for p in SAMPLE_FILES)
    # The same worker serves the next job.
    worker.requests.send(("job", "j2", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive")))
    _seen, end = worker.until(("finished", "failed", "cancelled"))
    assert end[:2] == ("finished", "j2")


def test_precis_errors_arrive_as_sentences(worker: Worker) -> None:
    worker.requests.send(("job", "j1", JobSpec(paths=SAMPLE_FILES, engine="flan-t5", model="no-such-model")))
    _seen, end = worker.until(("finished", "failed", "cancelled"))
    assert end[0] == "failed" and end[1] == "j1"
    assert end[2] == "ModelNotFound"
    assert "no-such-model" in end[3] and "Traceback" not in end[3]


def test_unexpected_errors_are_logged_and_the_worker_goes_on(worker: Worker) -> None:
    worker.requests.send(("job", "bad", JobSpec(paths=None)))  # type: ignore[arg-type]  # a malformed request
    _seen, end = worker.until(("finished", "failed", "cancelled"))
    assert end[:3] == ("failed", "bad", "InternalError")
    assert end[3].startswith("Summarizing failed because of an unexpected problem (TypeError")
    assert "worker.log" in end[3]
    from desktop.core import paths

    assert "Traceback" in (paths.log_dir() / "worker.log").read_text(encoding="utf-8")
    worker.requests.send(("job", "good", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive")))
    _seen, end = worker.until(("finished", "failed", "cancelled"))
    assert end[:2] == ("finished", "good")


@pytest.mark.parametrize("backend", ["torch", "ctranslate2"])
def test_tiny_model_job_in_the_worker(worker: Worker, tiny_model_dir: Path, backend: str) -> None:
    ModelStore().import_folder(tiny_model_dir, "tiny")
    spec = JobSpec(paths=SAMPLE_FILES, engine="flan-t5", model="tiny", backend=backend,
                   quantization="float32" if backend == "torch" else "int8", device="cpu", threads=1)
    worker.requests.send(("job", "tiny", spec))
    seen, end = worker.until(("finished", "failed", "cancelled"), timeout=180)
    assert end[0] == "finished", end
    stages = [m[2].stage for m in seen if m[0] == "event" and isinstance(m[2], Progress)]
    assert any(s.startswith("summarizing chunk") for s in stages)
    assert Digest.from_dict(end[2]["digest"]).engine != "extractive"
    # The model stays loaded: the second job skips the load.
    worker.requests.send(("job", "again", spec))
    _seen, end = worker.until(("finished", "failed", "cancelled"), timeout=120)
    assert end[:2] == ("finished", "again")


def test_unreadable_files_are_reported_not_fatal(worker: Worker, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 nothing else")
    worker.requests.send(("job", "j1", JobSpec(paths=[str(broken), SAMPLE_FILES[0]], engine="extractive")))
    seen, end = worker.until(("finished", "failed", "cancelled"))
    assert end[0] == "finished"
    notices = [m[2] for m in seen if m[0] == "event" and isinstance(m[2], Notice)]
    assert notices and notices[0].path == str(broken)
    assert end[2]["errors"] and end[2]["errors"][0]["path"] == str(broken)


def test_cancel_flag_stops_a_long_job_and_the_worker_goes_on(worker: Worker, corpus: Path) -> None:
    worker.requests.send(("job", "long", JobSpec(paths=[str(corpus)], engine="extractive", length="long")))
    worker.until(("started",))
    worker.until(("event",))
    worker.flag.set()
    pressed = time.monotonic()
    _seen, end = worker.until(("finished", "failed", "cancelled"))
    assert end[:2] == ("cancelled", "long")
    assert time.monotonic() - pressed < 3.0  # the bridge kills the worker after 0.8 s anyway
    # The flag is cleared when the next job starts.
    worker.requests.send(("job", "next", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive")))
    _seen, end = worker.until(("finished", "failed", "cancelled"))
    assert end[:2] == ("finished", "next")


def test_worker_exits_when_the_window_goes_away(worker: Worker) -> None:
    assert worker.next()[0] == "ready"
    worker.requests.close()  # as when the GUI process dies
    worker.process.join(10)
    assert worker.process.exitcode == 0


def test_shutdown_request_ends_the_worker(worker: Worker) -> None:
    worker.requests.send(("shutdown",))
    worker.process.join(10)
    assert worker.process.exitcode == 0


def test_outbox_throttles_progress_but_keeps_everything_else() -> None:
    sent: queue.Queue[tuple[Any, ...]] = queue.Queue()
    outbox = Outbox(sent, interval=0.1)
    on_event = outbox.callback("j")
    t0 = time.monotonic()
    for i in range(2000):
        on_event(Progress(f"step {i}", i, 2000))
        if i % 500 == 0:
            on_event(Partial(f"partial {i}", "src"))
    elapsed = time.monotonic() - t0
    time.sleep(0.3)  # the last progress is flushed by the timer thread
    outbox.put(("finished", "j", {}))
    outbox.close()
    messages = []
    while not sent.empty():
        messages.append(sent.get())
    progress = [m[2] for m in messages if m[0] == "event" and isinstance(m[2], Progress)]
    partials = [m[2] for m in messages if m[0] == "event" and isinstance(m[2], Partial)]
    assert [p.text for p in partials] == ["partial 0", "partial 500", "partial 1000", "partial 1500"]
    assert len(progress) <= 10 * elapsed + 2 + 2 * len(partials)
    assert progress[-1].stage == "step 1999"  # the latest one is never lost
    assert messages[-1][0] == "finished"
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


def _run_task_child(kind: str, params: dict[str, Any]) -> tuple[list[tuple[Any, ...]], tuple[Any, ...], int | None]:
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
            message = events.recv()
            if message[0] in ("finished", "failed", "cancelled"):
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
    assert end[0] == "finished", end
    assert end[2]["name"] == "tiny" and exitcode == 0
    progress = [m[2] for m in messages if m[0] == "event" and isinstance(m[2], Progress)]
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
    assert end[0] == "failed" and end[2] == "InvalidModel"
    assert "safetensors" in end[3]


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
    requests: queue.Queue[tuple[Any, ...]] = queue.Queue()
    events: queue.Queue[tuple[Any, ...]] = queue.Queue()
    flag = threading.Event()
    thread = threading.Thread(target=worker_main, args=(requests, events, flag), daemon=True)
    # Runs worker_main in this process: it must not change our process group.
    import os

    group = os.getpgid(0) if hasattr(os, "getpgid") else None
    thread.start()
    requests.put(("job", "j", JobSpec(paths=SAMPLE_FILES[:1], engine="extractive")))
    requests.put(("shutdown",))
    thread.join(30)
    kinds = []
    while not events.empty():
        kinds.append(events.get()[0])
    assert kinds[0] == "ready" and kinds[-1] == "finished"
    if group is not None:
        assert os.getpgid(0) == group

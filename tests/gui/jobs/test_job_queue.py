"""The job queue over a real worker: order, settings, cancel, retry, a killed worker."""

from __future__ import annotations

import itertools
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.settings import Settings, save_settings
from desktop.gui.jobs.job_queue import CANCELLED, DONE, FAILED, QUEUED, RUNNING, JobQueue, default_title, label_text
from tests.gui._jobs import SAMPLE_FILES, install_tiny


@pytest.fixture
def queue(qtbot: QtBot) -> Iterator[JobQueue]:
    q = JobQueue()
    yield q
    q.shutdown()


def _wait_ended(qtbot: QtBot, queue: JobQueue, job_id: str, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: queue.job(job_id) is not None and queue.job(job_id).ended, timeout=timeout)  # type: ignore[union-attr]


def test_jobs_run_one_at_a_time_in_order(queue: JobQueue, qtbot: QtBot) -> None:
    finished: list[str] = []
    running_at_once: list[int] = []
    queue.job_finished.connect(finished.append)
    queue.job_changed.connect(lambda _id: running_at_once.append(sum(j.state == RUNNING for j in queue.jobs())))
    ids = [queue.enqueue([path], model="extractive") for path in SAMPLE_FILES]
    assert [queue.job(i).state for i in ids] == [RUNNING, QUEUED, QUEUED]  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: len(finished) == 3, timeout=60_000)
    assert finished == ids
    assert max(running_at_once) == 1
    jobs = [queue.job(i) for i in ids]
    assert all(j.state == DONE and j.result is not None for j in jobs)  # type: ignore[union-attr]
    for earlier, later in itertools.pairwise(jobs):
        assert earlier.finished <= later.started  # type: ignore[union-attr,operator]
    assert [j.title for j in jobs] == [Path(p).name for p in SAMPLE_FILES]  # type: ignore[union-attr]
    assert not queue.is_busy()


def test_finished_job_has_digest_documents_and_labels(queue: JobQueue, qtbot: QtBot) -> None:
    job_id = queue.enqueue([SAMPLE_FILES[1]], model="extractive")
    partials: list[tuple[str, str, str]] = []
    queue.job_partial.connect(lambda *a: partials.append(a))
    _wait_ended(qtbot, queue, job_id)
    job = queue.job(job_id)
    assert job is not None and job.state == DONE and job.fraction == 1.0
    assert Path(job.digest().documents[0].path).name == "product-sync-meeting.vtt"
    assert [d.path.name for d in job.documents()] == ["product-sync-meeting.vtt"]
    assert job.labels.get("type") == "meeting" and job.label_text().startswith("meeting")
    assert partials and partials[0][0] == job_id and job.partials


def test_spec_comes_from_settings_in_memory_then_overrides(queue: JobQueue, tmp_path: Path) -> None:
    """The window's settings steer the job as they are in memory; the settings file is not read."""
    save_settings(Settings(model="flan-t5-small", length="long"))  # on disk: not what the job uses
    settings = Settings(model="extractive", length="short", threads=3, input_budget=256, max_file_mb=7)
    job = queue.job(queue.enqueue(SAMPLE_FILES, settings=settings, query="When is the move?"))
    assert job is not None
    spec = job.spec
    assert (spec.engine, spec.model, spec.length, spec.threads, spec.input_budget) == ("extractive", "extractive", "short", 3, 256)
    assert spec.query == "When is the move?" and spec.limits.max_file_bytes == 7 * 1024 * 1024
    assert job.title == "“When is the move?” · office-move-thread.eml + 2 more"
    other = queue.job(queue.enqueue(SAMPLE_FILES[:1], settings=settings, length="long", title="Mine"))
    assert other is not None and other.spec.length == "long" and other.title == "Mine"
    with pytest.raises(TypeError, match="unknown job setting"):
        queue.enqueue(SAMPLE_FILES, colour="blue")
    queue.settings = settings  # the queue's own, for jobs queued without theirs
    assert queue.job(queue.enqueue(SAMPLE_FILES[:1])).spec.threads == 3  # type: ignore[union-attr]


def test_not_together_makes_one_job_per_file(queue: JobQueue) -> None:
    first = queue.enqueue(SAMPLE_FILES, together=False, model="extractive")
    jobs = queue.jobs()
    assert len(jobs) == 3 and jobs[0].id == first
    assert [j.paths for j in jobs] == [[p] for p in SAMPLE_FILES]


def test_cancel_running_and_queued_then_retry(queue: JobQueue, qtbot: QtBot, corpus: Path) -> None:
    long_id = queue.enqueue([str(corpus)], model="extractive", length="long")
    waiting_id = queue.enqueue(SAMPLE_FILES, model="extractive")
    queue.cancel(waiting_id)
    assert queue.job(waiting_id).state == CANCELLED  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: queue.job(long_id).total > 0, timeout=30_000)  # type: ignore[union-attr]
    with qtbot.waitSignal(queue.job_finished, timeout=1_000) as blocker:
        queue.cancel(long_id)
        assert queue.job(long_id).stage == "cancelling…"  # type: ignore[union-attr]
    assert blocker.args == [long_id] and queue.job(long_id).state == CANCELLED  # type: ignore[union-attr]
    queue.retry(waiting_id)
    assert queue.job(waiting_id).state == RUNNING  # type: ignore[union-attr]
    _wait_ended(qtbot, queue, waiting_id)
    assert queue.job(waiting_id).state == DONE  # type: ignore[union-attr]
    assert [j.id for j in queue.jobs()] == [long_id, waiting_id]


def test_killed_worker_fails_the_job_and_retry_completes_it(queue: JobQueue, qtbot: QtBot, corpus: Path) -> None:
    job_id = queue.enqueue([str(corpus)], model="extractive", length="long")
    qtbot.waitUntil(lambda: queue.job(job_id).total > 0, timeout=30_000)  # type: ignore[union-attr]
    pid = queue.bridge.worker_pid()
    assert pid is not None
    with qtbot.waitSignal(queue.job_finished, timeout=10_000):
        os.kill(pid, signal.SIGKILL)
    job = queue.job(job_id)
    assert job is not None and job.state == FAILED and job.error_name == "WorkerDied"
    assert job.error.startswith("The summarizer stopped unexpectedly")
    assert "press Retry" in job.error
    queue.job(job_id).spec.paths = SAMPLE_FILES  # type: ignore[union-attr]  # keep the retry short
    queue.retry(job_id)
    _wait_ended(qtbot, queue, job_id)
    assert job.state == DONE and job.error == "" and job.result is not None
    assert queue.bridge.worker_pid() not in (None, pid)


def test_remove_forgets_ended_jobs_and_cancels_running_ones(queue: JobQueue, qtbot: QtBot, corpus: Path) -> None:
    removed: list[str] = []
    queue.job_removed.connect(removed.append)
    done_id = queue.enqueue(SAMPLE_FILES[:1], model="extractive")
    _wait_ended(qtbot, queue, done_id)
    queue.remove(done_id)
    assert queue.job(done_id) is None and removed == [done_id]
    long_id = queue.enqueue([str(corpus)], model="extractive")
    qtbot.waitUntil(lambda: queue.job(long_id).total > 0, timeout=30_000)  # type: ignore[union-attr]
    queue.remove(long_id)
    qtbot.waitUntil(lambda: long_id in removed, timeout=1_500)
    assert queue.jobs() == [] and not queue.is_busy()


def test_tiny_model_job_through_the_queue(queue: JobQueue, qtbot: QtBot, tiny_model_dir: Path) -> None:
    install_tiny(tiny_model_dir)
    job_id = queue.enqueue(SAMPLE_FILES, engine="flan-t5", model="tiny", backend="torch", quantization="float32",
                           device="cpu", threads=1)
    stages: list[str] = []
    queue.job_changed.connect(lambda _id: stages.append(queue.job(job_id).stage))  # type: ignore[union-attr]
    _wait_ended(qtbot, queue, job_id, timeout=120_000)
    job = queue.job(job_id)
    assert job is not None and job.state == DONE, job.error
    assert any(s.startswith("summarizing chunk") for s in stages)


def test_titles_and_labels() -> None:
    assert default_title(["/a/report.pdf"]) == "report.pdf"
    assert default_title(["/a/x.eml", "/a/y.eml"]) == "x.eml + 1 more"
    assert default_title([str(Path(__file__).parent)]) == "jobs (folder)"
    assert label_text({"type": "business mail", "urgency": "urgent", "asks_reader": "yes"}) == "business mail · urgent · asks you"
    assert label_text({"type": "meeting", "urgency": "normal"}) == "meeting"
    assert label_text({}) == ""

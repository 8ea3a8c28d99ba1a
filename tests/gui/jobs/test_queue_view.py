"""The queue panel over a real worker: rows update in place, buttons act, the loop never blocks."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.gui.jobs.job_queue import CANCELLED, DONE, RUNNING, JobQueue
from desktop.gui.jobs.queue_row import BAR_MAX
from desktop.gui.jobs.queue_view import QueueView
from tests.gui._jobs import SAMPLE_FILES, LoopWatch, install_tiny

#: The offscreen platform cannot resize windows to their size hints and says so; not our bug.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


@pytest.fixture
def queue(qtbot: QtBot) -> Iterator[JobQueue]:
    q = JobQueue()
    yield q
    q.shutdown()


@pytest.fixture
def view(queue: JobQueue, qtbot: QtBot) -> QueueView:
    v = QueueView(queue)
    qtbot.addWidget(v)
    v.resize(420, 500)
    v.show()
    return v


def test_rows_follow_the_queue(queue: JobQueue, qtbot: QtBot) -> None:
    early = queue.enqueue(SAMPLE_FILES[:1], model="extractive")
    view = QueueView(queue)
    qtbot.addWidget(view)
    assert view.row(early) is not None and view.list.count() == 1
    late = queue.enqueue(SAMPLE_FILES[1:], model="extractive")
    assert view.list.count() == 2 and view.row(late).title.text() == "product-sync-meeting.vtt + 1 more"  # type: ignore[union-attr]
    assert view.row(late).stage.text() == "waiting"  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: all(j.state == DONE for j in queue.jobs()), timeout=60_000)
    queue.remove(early)
    assert view.row(early) is None and view.list.count() == 1
    queue.remove(late)
    assert view._stack.currentWidget() is view.empty


def test_progress_updates_the_row_in_place(queue: JobQueue, view: QueueView, qtbot: QtBot, corpus: Path) -> None:
    job_id = queue.enqueue([str(corpus / "transcript")], model="extractive", length="long")
    row = view.row(job_id)
    assert row is not None
    values: list[int] = []
    stages: list[str] = []

    def record(changed: str) -> None:
        if changed == job_id:
            assert view.row(job_id) is row and view.list.count() == 1  # updated, never rebuilt
            values.append(row.bar.value())
            stages.append(row.stage.text())

    queue.job_changed.connect(record)
    qtbot.waitUntil(lambda: queue.job(job_id).state == DONE, timeout=60_000)  # type: ignore[union-attr]
    distinct = sorted({v for v in values if v > 0})
    assert len(distinct) >= 3, values
    assert values[-1] == BAR_MAX
    assert any(s.startswith("reading ") for s in stages)
    assert row.stage.text().startswith("done in ")
    assert row.action.isHidden() and not row.remove.isHidden()
    qtbot.mouseClick(row.remove, Qt.MouseButton.LeftButton)
    assert view.row(job_id) is None and queue.job(job_id) is None


def test_cancel_then_retry_with_the_row_buttons(queue: JobQueue, view: QueueView, qtbot: QtBot, corpus: Path) -> None:
    job_id = queue.enqueue([str(corpus)], model="extractive", length="long")
    row = view.row(job_id)
    assert row is not None and row.action.text() == "Cancel"
    qtbot.waitUntil(lambda: queue.job(job_id).total > 0, timeout=30_000)  # type: ignore[union-attr]
    pressed = time.monotonic()
    qtbot.mouseClick(row.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: queue.job(job_id).state == CANCELLED, timeout=1_000)  # type: ignore[union-attr]
    assert time.monotonic() - pressed < 1.0
    assert row.action.text() == "Retry" and row.stage.text() == "cancelled" and row.eta.text() == ""
    queue.job(job_id).spec.paths = SAMPLE_FILES  # type: ignore[union-attr]  # a short run this time
    qtbot.mouseClick(row.action, Qt.MouseButton.LeftButton)
    assert queue.job(job_id).state == RUNNING and row.action.text() == "Cancel"  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: queue.job(job_id).state == DONE, timeout=60_000)  # type: ignore[union-attr]
    assert row.labels.text() and not row.labels.isHidden()


def test_failed_row_shows_the_sentence_and_retry(queue: JobQueue, view: QueueView, qtbot: QtBot, corpus: Path) -> None:
    job_id = queue.enqueue([str(corpus)], model="extractive", length="long")
    qtbot.waitUntil(lambda: queue.job(job_id).total > 0, timeout=30_000)  # type: ignore[union-attr]
    os.kill(queue.bridge.worker_pid(), signal.SIGKILL)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: queue.job(job_id).ended, timeout=10_000)  # type: ignore[union-attr]
    row = view.row(job_id)
    assert row is not None and row.stage.text() == "failed"
    assert not row.error.isHidden() and row.error.text().startswith("The summarizer stopped unexpectedly")
    assert row.action.text() == "Retry"


def test_selecting_a_row_emits_job_selected(queue: JobQueue, view: QueueView, qtbot: QtBot) -> None:
    first = queue.enqueue(SAMPLE_FILES[:1], model="extractive")
    second = queue.enqueue(SAMPLE_FILES[1:2], model="extractive")
    item = view.list.item(1)
    rect = view.list.visualItemRect(item)
    with qtbot.waitSignal(view.job_selected) as blocker:
        qtbot.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [second] and view.selected_job_id() == second
    with qtbot.waitSignal(view.job_selected) as blocker:
        view.select(first)
    assert blocker.args == [first]


def test_event_loop_never_blocks_during_a_job(queue: JobQueue, view: QueueView, qtbot: QtBot, corpus: Path,
                                              tiny_model_dir: Path) -> None:
    install_tiny(tiny_model_dir)  # before the watch: installing self-checks the model in this thread (test setup, not the app)
    watch = LoopWatch(10)
    watch.start()
    ids = [queue.enqueue([str(corpus / "transcript")], model="extractive", length="long"),
           queue.enqueue(SAMPLE_FILES, engine="flan-t5", model="tiny", backend="torch", quantization="float32",
                         device="cpu", threads=1)]
    qtbot.waitUntil(lambda: all(queue.job(i).ended for i in ids), timeout=120_000)  # type: ignore[union-attr]
    watch.stop()
    assert all(queue.job(i).state == DONE for i in ids), [queue.job(i).error for i in ids]  # type: ignore[union-attr]
    assert watch.ticks > 100
    watch.assert_responsive()


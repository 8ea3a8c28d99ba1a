"""The main window end to end: launch, drop, right-click Summarize, progress, cancel, citations,
Ask, history, passwords, scans, the no-model banner, window state, and shortcuts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QInputDialog, QMenu
from pytestqt.qtbot import QtBot

from desktop.core.digest import Source
from desktop.core.history import History
from desktop.gui.jobs.job_queue import CANCELLED, DONE
from desktop.gui.models.model_picker import EXTRACTIVE
from desktop.gui.window.main_window import MainWindow
from desktop.ml.engine.job import KEEP_FILES
from tests.gui._jobs import LoopWatch
from tests.gui._window import (
    OFFSCREEN_NOISE,
    SAMPLE_FILES,
    SAMPLES,
    copy_samples,
    drop_files,
    make_window,
    message_boxes,
    open_window,
    wait_digest,
)

pytestmark = OFFSCREEN_NOISE
REPO = Path(__file__).resolve().parents[3]
@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    yield from open_window(qtbot)


@pytest.fixture
def samples_copy(tmp_path: Path) -> Path:
    return copy_samples(tmp_path)


def _job_done(win: MainWindow, job_id: str) -> bool:
    job = win.queue.job(job_id)
    return job is not None and job.ended


def _use_extractive(win: MainWindow) -> None:
    assert win.model_picker.select(EXTRACTIVE)


# ---------------------------------------------------------------------- launch
def test_precis_shows_the_window_in_under_two_seconds(tmp_path: Path) -> None:
    """`precis` as a user starts it: a fresh process, no model modules imported at start."""
    env = {**os.environ, "PRECIS_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "desktop", "--quit-after-start"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        shown_after = time.perf_counter() - started
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    report = json.loads(line)
    assert report["visible"] is True
    assert report["heavy_modules"] == []
    # The two seconds, less any time a busy (CI) machine kept the process waiting for a CPU.
    waited = report["waited_for_cpu_s"] or 0.0
    assert shown_after - waited < 2.0, f"window shown after {shown_after:.2f} s ({waited:.2f} s of it waiting for a CPU)"
    assert proc.returncode == 0, proc.stderr.read()  # type: ignore[union-attr]
    assert (tmp_path / "home" / "logs" / "precis.log").is_file()


def test_version_flag(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "desktop", "--version"], cwd=REPO, capture_output=True, text=True, check=False,
                         env={**os.environ, "PRECIS_HOME": str(tmp_path)}, timeout=30)
    assert out.returncode == 0 and out.stdout.startswith("precis ")


def test_first_run_opens_on_the_samples(window: MainWindow, qtbot: QtBot) -> None:
    window.start([])
    assert Path(window.tree.root or "") == SAMPLES.resolve()
    [job] = window.queue.jobs()
    assert sorted(Path(p).name for p in job.paths) == sorted(Path(p).name for p in SAMPLE_FILES)
    assert job.spec.engine == EXTRACTIVE
    wait_digest(qtbot, window)
    assert window.digest_view.digest is not None and len(window.digest_view.digest.documents) == 3
    # Finished jobs go to History.
    qtbot.waitUntil(lambda: len(window.history_view.entry_ids()) == 1)


def test_files_on_the_command_line_are_queued(window: MainWindow, samples_copy: Path, qtbot: QtBot) -> None:
    files = [str(samples_copy / "product-sync-meeting.vtt"), str(samples_copy / "quarterly-energy-report.md")]
    window.start(files)
    [job] = window.queue.jobs()
    assert job.paths == files


def test_shortcuts_exist(window: MainWindow) -> None:
    def keys(name: str) -> list[str]:
        action = getattr(window, name)
        return [s.toString() for s in action.shortcuts()]

    assert "Ctrl+O" in keys("open_action")
    assert "Ctrl+Return" in keys("summarize_action")
    assert "Esc" in keys("cancel_action")
    assert "Ctrl+S" in keys("export_action")
    assert "Ctrl+Q" in keys("quit_action")
    # Each is reachable from the menu bar too.
    menu_actions = {a for m in window.menuBar().findChildren(QMenu) for a in m.actions()}
    for action in (window.open_action, window.summarize_action, window.cancel_action, window.export_action,
                   window.quit_action, window.models_action, window.settings_action):
        assert action in menu_actions


# ---------------------------------------------------------------------- drag and drop
def test_drop_queues_supported_files_and_lists_the_rest_once(window: MainWindow, samples_copy: Path, qtbot: QtBot) -> None:
    sheet = samples_copy / "budget.numbers"  # Apple Numbers: not read
    sheet.write_bytes(b"PK\x03\x04 not really a workbook")
    photo = samples_copy / "floor-plan.dwg"  # a CAD drawing: not read
    photo.write_bytes(b"AC1032\x00\x00\x00")
    vtt = samples_copy / "product-sync-meeting.vtt"
    eml = samples_copy / "office-move-thread.eml"
    _use_extractive(window)

    # Dropped on the digest text: "anywhere on the window".
    event = drop_files(window.digest_view.browser.viewport(), [vtt, sheet, eml, photo])
    assert event.isAccepted()
    [job] = window.queue.jobs()
    assert job.paths == [str(vtt), str(eml)]
    qtbot.waitUntil(lambda: len(message_boxes(window)) == 1)
    [box] = message_boxes(window)
    assert "budget.numbers" in box.text() and "floor-plan.dwg" in box.text()
    assert "2 files" in box.text() and "queued" in box.text()
    wait_digest(qtbot, window)
    assert sorted(d.path.name for d in window.source_view.documents) == ["office-move-thread.eml", "product-sync-meeting.vtt"]


def test_drop_a_folder_on_the_tree(window: MainWindow, samples_copy: Path, qtbot: QtBot) -> None:
    _use_extractive(window)
    drop_files(window.tree.viewport(), [samples_copy])
    [job] = window.queue.jobs()
    assert job.paths == [str(samples_copy)]
    wait_digest(qtbot, window)
    assert len(window.digest_view.digest.documents) == 3  # type: ignore[union-attr]
    assert message_boxes(window) == []


# ---------------------------------------------------------------------- tree, progress, digest, citations
def test_right_click_summarize_shows_progress_digest_and_citations(window: MainWindow, samples_copy: Path,
                                                                     qtbot: QtBot) -> None:
    _use_extractive(window)
    window.tree.set_root(samples_copy)
    target = samples_copy / "product-sync-meeting.vtt"
    qtbot.waitUntil(lambda: window.tree.index_for(target).isValid())
    changes: list[str] = []
    window.queue.job_changed.connect(changes.append)
    menu = window.tree.menu_for([window.tree.index_for(target)])
    [summarize] = [a for a in menu.actions() if a.objectName() == "summarizeAction"]
    summarize.trigger()

    [job] = window.queue.jobs()
    assert job.paths == [str(target)]
    row = window.queue_view.row(job.id)
    assert row is not None
    qtbot.waitUntil(lambda: _job_done(window, job.id), timeout=30_000)
    assert job.state == DONE and changes.count(job.id) >= 3  # running, progress..., done
    assert row.bar.value() == row.bar.maximum()
    wait_digest(qtbot, window)
    assert "meeting" in window.digest_view.chip_texts()

    # Every citation link lands on its passage in the source view.
    hrefs = window.digest_view.citation_hrefs()
    assert len(hrefs) >= 3
    for href in hrefs:
        source = window.digest_view.source_for(href)
        assert isinstance(source, Source)
        assert window.digest_view.activate_link(href)
        shown = window.source_view.text
        assert shown.current_document is not None and shown.current_document.display_name == source.document
        assert shown.marked_blocks, href
        block_texts = [shown.current_document.blocks[i].text for i in shown.marked_blocks]
        assert any(" ".join(source.excerpt.split())[:60] in " ".join(t.split()) for t in block_texts)


def test_clicking_a_citation_link_with_the_mouse(window: MainWindow, qtbot: QtBot) -> None:
    _use_extractive(window)
    window.summarize([SAMPLE_FILES[0], SAMPLE_FILES[2]])
    wait_digest(qtbot, window)
    browser = window.digest_view.browser
    href = window.digest_view.citation_hrefs()[0]
    source = window.digest_view.source_for(href)
    assert source is not None
    # Find the link in the text and click its middle, as a user does.
    cursor = QTextCursor(browser.document())
    block = browser.document().begin()
    position = -1
    while block.isValid() and position < 0:
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().anchorHref() == href:
                position = frag.position() + frag.length() // 2
                break
            it += 1
        block = block.next()
    assert position >= 0
    cursor.setPosition(position)
    browser.setTextCursor(cursor)
    browser.ensureCursorVisible()
    rect = browser.cursorRect(cursor)
    with qtbot.waitSignal(window.digest_view.citation_activated, timeout=3000) as blocker:
        qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center().x(), rect.center().y()))
    assert blocker.args[0] == source  # and the citing point's verdict
    assert window.source_view.text.current_document.display_name == source.document  # type: ignore[union-attr]
    assert window.source_view.text.marked_blocks


# ---------------------------------------------------------------------- cancel
@pytest.mark.usefixtures("corpus")
def test_escape_cancels_the_running_job_within_a_second(window: MainWindow, corpus: Path, qtbot: QtBot) -> None:
    _use_extractive(window)
    job_id = window.summarize([str(corpus / "pdf")])  # 20 PDFs: several seconds of reading
    assert job_id is not None
    qtbot.waitUntil(lambda: window.queue.job(job_id).stage.startswith("reading "), timeout=20_000)  # type: ignore[union-attr]
    window.activateWindow()
    started = time.monotonic()
    qtbot.keyClick(window.digest_view.browser, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.queue.job(job_id).state == CANCELLED, timeout=3000)  # type: ignore[union-attr]
    assert time.monotonic() - started < 1.0
    assert "Cancelled" in window.digest_view.status_label.text()
    # The window and the queue carry on: the next job runs.
    window.summarize([SAMPLE_FILES[1]])
    wait_digest(qtbot, window)


def test_the_event_loop_never_blocks_during_a_job(window: MainWindow, qtbot: QtBot) -> None:
    _use_extractive(window)
    watch = LoopWatch()
    watch.start()
    window.summarize(SAMPLE_FILES)
    wait_digest(qtbot, window)
    for href in window.digest_view.citation_hrefs()[:5]:
        window.digest_view.activate_link(href)
        qtbot.wait(20)
    qtbot.wait(50)
    watch.stop()
    assert watch.ticks > 10
    watch.assert_responsive()


def test_closing_the_digest_keeps_the_queue(window: MainWindow, qtbot: QtBot) -> None:
    _use_extractive(window)
    first = window.summarize([SAMPLE_FILES[0]])
    second = window.summarize([SAMPLE_FILES[1]])
    window.close_digest_action.trigger()
    assert window.digest_view.digest is None and window.followed is None
    qtbot.waitUntil(lambda: _job_done(window, first) and _job_done(window, second), timeout=30_000)  # type: ignore[arg-type]
    assert [j.state for j in window.queue.jobs()] == [DONE, DONE]
    qtbot.waitUntil(lambda: len(window.history.list()) == 2)
    # The queue row still opens its digest.
    window.queue_view.select(second)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: window.digest_view.job_id == second)
    assert window.digest_view.digest is not None


# ---------------------------------------------------------------------- ask, history
def test_ask_runs_a_query_focused_digest_of_the_same_documents(window: MainWindow, qtbot: QtBot) -> None:
    _use_extractive(window)
    window.summarize([SAMPLE_FILES[1], SAMPLE_FILES[2]])
    wait_digest(qtbot, window)
    assert window.ask_field.isEnabled()
    qtbot.keyClicks(window.ask_field, "Who fixes the export crash?")
    qtbot.mouseClick(window.ask_button, Qt.MouseButton.LeftButton)
    ask_job = window.queue.jobs()[-1]
    assert ask_job.spec.query == "Who fixes the export crash?"
    assert ask_job.paths == [SAMPLE_FILES[1], SAMPLE_FILES[2]]
    qtbot.waitUntil(lambda: window.digest_view.digest is not None and window.digest_view.digest.query is not None,
                    timeout=30_000)
    assert "Who fixes the export crash?" in window.digest_view.markdown()
    assert window.digest_view.citation_hrefs()


def test_history_lists_the_job_and_reopens_it(window: MainWindow, qtbot: QtBot) -> None:
    _use_extractive(window)
    window.summarize([SAMPLE_FILES[1]])
    wait_digest(qtbot, window)
    qtbot.waitUntil(lambda: len(window.history_view.entry_ids()) == 1)
    [entry_id] = window.history_view.entry_ids()
    title = window.digest_view.digest.title  # type: ignore[union-attr]
    window.close_digest()

    with qtbot.waitSignal(window.source_view.documents_changed, timeout=10_000):
        window.history_view.reopen(entry_id)
    assert window.digest_view.digest is not None and window.digest_view.digest.title == title
    assert window.digest_view.entry_id == entry_id
    href = window.digest_view.citation_hrefs()[0]
    assert window.digest_view.activate_link(href)
    assert window.source_view.text.marked_blocks

    # An edit is saved back to History.
    window.digest_view.set_editing(True)
    window.digest_view.editor.appendPlainText("\nChecked by the team lead.")
    window.digest_view.set_editing(False)
    _digest, markdown = History().load(entry_id)
    assert "Checked by the team lead." in markdown


def test_a_job_of_many_files_still_opens_its_citations(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    # Over job.KEEP_FILES files the worker lets each document go once summarized; the window
    # reads the files again for the source view, so citations still open their passage.
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(KEEP_FILES + 5):
        sample = Path(SAMPLE_FILES[i % len(SAMPLE_FILES)])
        (folder / f"{i:03d}-{sample.name}").write_bytes(sample.read_bytes())
    _use_extractive(window)
    with qtbot.waitSignal(window.source_view.documents_changed, timeout=120_000,
                          check_params_cb=lambda docs: len(docs) == KEEP_FILES + 5):
        window.summarize([str(folder)])
    assert len(window.digest_view.digest.documents) == KEEP_FILES + 5  # type: ignore[union-attr]
    href = window.digest_view.citation_hrefs()[0]
    assert window.digest_view.activate_link(href)
    assert window.source_view.text.marked_blocks


# ---------------------------------------------------------------------- problem files
def test_password_protected_pdf_asks_for_the_password(window: MainWindow, corpus: Path, qtbot: QtBot) -> None:
    _use_extractive(window)
    pdf = str(corpus / "pdf" / "crazyones-encrypted-256.pdf")
    first = window.summarize([pdf])
    qtbot.waitUntil(lambda: window.password_prompt is not None and window.password_prompt.dialog is not None,
                    timeout=30_000)
    dialog = window.password_prompt.dialog  # type: ignore[union-attr]
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    assert dialog.textEchoMode() == dialog.textEchoMode().Password
    assert "crazyones-encrypted-256.pdf" in dialog.labelText()
    dialog.setTextValue("password")
    dialog.accept()
    qtbot.waitUntil(lambda: len(window.queue.jobs()) == 2)
    retry = window.queue.jobs()[-1]
    assert retry.id != first and retry.spec.passwords == {pdf: "password"}
    wait_digest(qtbot, window)
    assert [d.path.name for d in window.source_view.documents] == ["crazyones-encrypted-256.pdf"]
    assert len(window.history.list()) == 1  # the unreadable first try is not kept


def test_scanned_pdf_says_it_has_no_text_layer(window: MainWindow, corpus: Path, qtbot: QtBot) -> None:
    _use_extractive(window)
    window.summarize([str(corpus / "pdf" / "grayscale-image.pdf"), SAMPLE_FILES[2]])
    qtbot.waitUntil(lambda: len(message_boxes(window)) == 1, timeout=30_000)
    [box] = message_boxes(window)
    assert "grayscale-image.pdf is a scan with no readable text" in box.text()  # OCR ran and found none
    wait_digest(qtbot, window)  # the readable file is still summarized


def test_no_model_banner_points_to_the_model_manager(window: MainWindow, qtbot: QtBot) -> None:
    assert window.model_picker.installed_count == 0
    assert window.model_picker.current_name() == "flan-t5-base"  # the default, not installed yet
    assert window.model_picker.currentText() == "flan-t5-base (not installed)"
    _use_extractive(window)
    window.summarize([SAMPLE_FILES[0]])
    wait_digest(qtbot, window)
    assert window.digest_view.digest.engine == "extractive"  # type: ignore[union-attr]
    assert window.banner.isVisible() and "FLAN-T5" in window.banner.label.text()
    qtbot.mouseClick(window.banner.button, Qt.MouseButton.LeftButton)
    assert window.model_manager is not None and window.model_manager.isVisible()
    window.model_manager.close()


def test_default_model_not_installed_falls_back_to_extractive(window: MainWindow, qtbot: QtBot) -> None:
    window.summarize([SAMPLE_FILES[1]])  # the picker still says flan-t5-base
    wait_digest(qtbot, window)
    assert window.digest_view.digest.engine == "extractive"  # type: ignore[union-attr]
    assert window.banner.isVisible()
    assert "Model: extractive engine" in window.status.texts()


# ---------------------------------------------------------------------- state
def test_window_geometry_and_splitters_are_restored(qtbot: QtBot) -> None:
    win, queue = make_window(qtbot)
    win.resize(760, 580)  # inside the offscreen screen (800x600), which restoreGeometry respects
    win.splitter.setSizes([200, 330, 220])
    win.side_tabs.setCurrentWidget(win.history_view)
    sizes = win.splitter.sizes()
    win.close()
    queue.shutdown()

    again, queue2 = make_window(qtbot)
    try:
        assert (again.size().width(), again.size().height()) == (760, 580)
        assert again.splitter.sizes() == sizes
        assert again.side_tabs.currentWidget() is again.history_view
    finally:
        queue2.shutdown()


def test_unexpected_errors_open_a_dialog_and_are_logged(window: MainWindow, qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    from desktop.gui.app import excepthook

    try:
        raise RuntimeError("a bug in a slot")
    except RuntimeError as exc:
        excepthook(type(exc), exc, exc.__traceback__)
    qtbot.waitUntil(lambda: len(message_boxes(window)) == 1)
    [box] = message_boxes(window)
    assert "a bug in a slot" in box.text() and "keeps running" in box.text()
    assert "RuntimeError" in box.detailedText()
    assert any("a bug in a slot" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------- the worker
def test_a_killed_worker_is_survived(window: MainWindow, corpus: Path, qtbot: QtBot) -> None:
    import signal

    _use_extractive(window)
    job_id = window.summarize([str(corpus / "pdf")])
    assert job_id is not None
    qtbot.waitUntil(lambda: window.queue.bridge.worker_pid() is not None
                    and window.queue.job(job_id).stage.startswith("reading "), timeout=20_000)  # type: ignore[union-attr]
    os.kill(window.queue.bridge.worker_pid(), signal.SIGKILL)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: _job_done(window, job_id), timeout=10_000)
    assert window.queue.job(job_id).state == "failed"  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: len(message_boxes(window)) == 1)
    assert "stopped unexpectedly" in message_boxes(window)[0].text()
    window.summarize([SAMPLE_FILES[2]])  # a fresh worker takes the next job
    wait_digest(qtbot, window)


def test_tiny_model_digest(qtbot: QtBot, tiny_model_dir: Path) -> None:
    """The real model path (the tiny random T5 in the store), picked in the toolbar."""
    from tests.gui._jobs import install_tiny

    install_tiny(tiny_model_dir)
    win, queue = make_window(qtbot)
    try:
        assert win.model_picker.current_name() == "tiny" and win.model_picker.installed_count == 1
        job_id = win.summarize([SAMPLE_FILES[1]])
        qtbot.waitUntil(lambda: _job_done(win, job_id), timeout=180_000)  # type: ignore[arg-type]
        job = queue.job(job_id)  # type: ignore[arg-type]
        assert job is not None and job.state == DONE, job.error if job else ""
        wait_digest(qtbot, win)
        digest = win.digest_view.digest
        assert digest is not None and digest.engine != "extractive"
        assert not win.banner.isVisible()
        assert f"Model: {digest.stats.get('model')}" in win.status.texts()
        hrefs = win.digest_view.citation_hrefs()
        assert hrefs and win.digest_view.activate_link(hrefs[0]) and win.source_view.text.marked_blocks
    finally:
        queue.shutdown()

"""The Watched list in a real window: a file dropped into a watched folder becomes a History entry
and a notification with no click; the watcher pauses while the user's own job runs and resumes
after; the tray icon is there while watching, with Pause and Open; watching survives a restart."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.settings import load_settings
from desktop.core.watch.events import Digested, Queued, WatchEvent
from desktop.gui.window.main_window import MainWindow
from tests.gui._jobs import SAMPLES
from tests.gui.watch._watching import TRAY_NOISE, open_quick_window, quick_window

pytestmark = TRAY_NOISE


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    yield from open_quick_window(qtbot)


def _watch(window: MainWindow, qtbot: QtBot, folder: Path) -> None:
    assert window.watching.add_folder(str(folder))
    qtbot.waitUntil(lambda: window.watch_service.watcher is not None)


@pytest.mark.usefixtures("corpus")
def test_a_file_dropped_in_a_watched_folder_is_in_history_with_a_notification_without_a_click(
        window: MainWindow, qtbot: QtBot, tmp_path: Path, corpus: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _watch(window, qtbot, inbox)
    assert load_settings().watched == [str(inbox)]  # kept for the next start
    view = window.panes.watched_view
    assert view.source_list.count() == 1 and "inbox" in view.source_list.item(0).text()

    shutil.copy(corpus / "transcript" / "qmsum-TS3003c-product-meeting.txt", inbox / "meeting.txt")
    qtbot.waitUntil(lambda: bool(window.history_view.entry_ids()), timeout=60_000)  # the History view refreshed
    [entry] = window.history.list()
    assert entry.paths == (str(inbox / "meeting.txt"),)
    tray = window.watching.tray
    assert tray is not None and tray.icon.isVisible()
    title, text, entry_id = tray.notifications[-1]
    assert entry_id == entry.id and "meeting.txt" in text and title == "Precis: new digest"
    assert "meeting.txt" in window.status.currentMessage()
    # The arrival is listed as digested; opening it shows its digest.
    qtbot.waitUntil(lambda: view.arrival_list.count() == 1 and "digested" in view.arrival_list.item(0).text())
    assert "1 digested" in view.source_list.item(0).text()
    view.arrival_list.itemActivated.emit(view.arrival_list.item(0))
    assert window.digest_view.entry_id == entry.id and window.digest_view.digest is not None
    assert window.digest_view.digest.documents[0].path == str(inbox / "meeting.txt")
    assert window.digest_view.citation_hrefs()  # kept with its citation links, as the window's own jobs are


def test_the_watcher_pauses_while_the_users_own_job_runs_and_resumes_after(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _watch(window, qtbot, inbox)
    service, queue = window.watch_service, window.queue
    events: list[tuple[float, WatchEvent]] = []
    service.watch_event.connect(lambda e: events.append((time.monotonic(), e)))
    ended: list[float] = []
    queue.job_finished.connect(lambda _id: ended.append(time.monotonic()))

    job_id = window.summarize([str(p) for p in sorted(SAMPLES.iterdir()) if p.is_file()])
    assert service.paused and service.watcher is not None and service.watcher.paused  # at once, before it runs
    assert window.panes.watched_view.state_label.text() == "Paused while your own job runs."
    shutil.copy(SAMPLES / "product-sync-meeting.vtt", inbox / "sync.vtt")
    qtbot.waitUntil(lambda: queue.job(job_id or "").ended, timeout=60_000)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: not service.paused and not service.watcher.paused)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: any(isinstance(e, Digested) for _, e in events), timeout=60_000)
    digested_at = next(t for t, e in events if isinstance(e, Digested))
    assert digested_at > ended[0]  # nothing was summarized in the background while the job ran
    assert any(isinstance(e, Queued) for _, e in events)
    assert len(window.history.list()) == 2  # the user's digest and the watched file's


def test_the_tray_icon_is_there_while_watching_with_pause_and_open(window: MainWindow, qtbot: QtBot,
                                                                   tmp_path: Path) -> None:
    assert window.watching.tray is None  # nothing watched: no tray icon
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _watch(window, qtbot, inbox)
    tray = window.watching.tray
    assert tray is not None and tray.icon.isVisible()
    assert [a.text() for a in tray.menu.actions()] == ["Open Precis", "Pause Watching"]
    tray.pause_action.trigger()
    watcher = window.watch_service.watcher
    assert watcher is not None and watcher.paused and window.watch_service.paused_by_user
    assert tray.pause_action.text() == "Resume Watching" and window.panes.watched_view.pause_button.isChecked()
    # Paused by the user: a job that starts and ends does not resume it.
    window.watching._on_queue("")
    assert watcher.paused
    tray.pause_action.trigger()
    assert not watcher.paused and tray.pause_action.text() == "Pause Watching"
    window.showMinimized()
    tray.open_action.trigger()
    assert not window.isMinimized()
    # Nothing watched any more: the tray icon goes.
    window.watching.remove_source(str(inbox))
    assert not tray.icon.isVisible() and load_settings().watched == []


def test_watching_survives_a_restart_and_redoes_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLES / "office-move-thread.eml", inbox / "move.eml")
    first, queue = quick_window(qtbot)
    try:
        _watch(first, qtbot, inbox)
        qtbot.waitUntil(lambda: len(first.history.list()) == 1, timeout=60_000)
    finally:
        first.close()
        queue.shutdown()
    again, queue = quick_window(qtbot)  # the settings file names the folder: watched from the start
    events: list[WatchEvent] = []
    again.watch_service.watch_event.connect(events.append)
    try:
        qtbot.waitUntil(lambda: again.watch_service.watcher is not None)
        assert again.watching.tray is not None and again.watching.tray.icon.isVisible()
        shutil.copy(SAMPLES / "product-sync-meeting.vtt", inbox / "sync.vtt")
        qtbot.waitUntil(lambda: len(again.history.list()) == 2, timeout=60_000)
        assert [Path(e.name).name for e in events if isinstance(e, Queued)] == ["sync.vtt"]  # move.eml not redone
    finally:
        again.close()
        queue.shutdown()


def test_a_second_folder_restarts_the_watcher_once_and_both_are_watched(window: MainWindow, qtbot: QtBot,
                                                                        tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    _watch(window, qtbot, first)
    old = window.watch_service.watcher
    assert window.watching.add_folder(str(second)) and not window.watching.add_folder(str(second))  # once
    qtbot.waitUntil(lambda: window.watch_service.watcher not in (None, old))
    shutil.copy(SAMPLES / "office-move-thread.eml", second / "move.eml")
    view = window.panes.watched_view
    qtbot.waitUntil(lambda: "1 digested" in view.source_list.item(1).text(), timeout=60_000)
    assert len(window.history.list()) == 1
    assert window.watch_service.problem == "" and load_settings().watched == [str(first), str(second)]
    # A folder that is gone is listed as such; the other one is still watched.
    shutil.rmtree(first)
    window.watching.remove_source(str(second))
    window.watching.add_folder(str(second))
    assert "Folder not found" in view.source_list.item(0).text() and "1 digested" in view.source_list.item(1).text()
    qtbot.waitUntil(lambda: window.watch_service.watcher is not None)
    assert window.watch_service.state()[0] == "watching"


def test_a_manifest_held_by_another_precis_is_one_sentence_in_the_list(window: MainWindow, qtbot: QtBot,
                                                                       tmp_path: Path) -> None:
    from desktop.core import paths
    from desktop.ml.batch.manifest import Manifest

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with Manifest(paths.data_dir() / "watch"):  # as `precis-cli watch` without --out holds it
        assert window.watching.add_folder(str(inbox))
        qtbot.waitUntil(lambda: bool(window.watch_service.problem))
    state = window.panes.watched_view.state_label.text()
    assert state.startswith("Stopped: Another batch run is writing to") and "Traceback" not in state
    assert window.watching.tray is None or not window.watching.tray.icon.isVisible()

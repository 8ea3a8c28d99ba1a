"""History: lists past digests, searches them, filters by label, reopens and deletes."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.history import History
from desktop.core.render import to_markdown
from desktop.gui.digest.history_view import ALL_LABELS, HistoryView, when
from desktop.ml.engine.job import JobSpec, run_job
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES

pytestmark = OFFSCREEN_NOISE
EML, VTT, MD = SAMPLE_FILES


@pytest.fixture
def history() -> History:
    h = History()
    for paths in ([EML], [VTT], [MD]):
        digest = run_job(JobSpec(paths=paths, engine="extractive")).digest
        h.add(digest, paths, to_markdown(digest, links=True))
    query = run_job(JobSpec(paths=[VTT], engine="extractive", query="Who owns the export crash fix?")).digest
    h.add(query, [VTT], to_markdown(query, links=True))
    return h


@pytest.fixture
def view(qtbot: QtBot, history: History) -> HistoryView:
    widget = HistoryView(history)
    qtbot.addWidget(widget)
    widget.resize(320, 400)
    widget.show()
    return widget


def _texts(view: HistoryView) -> list[str]:
    return [view.model.item(r).text() for r in range(view.model.rowCount())]


def test_lists_entries_newest_first_with_labels(view: HistoryView, history: History) -> None:
    assert view.entry_ids() == [e.id for e in history.list()]
    texts = _texts(view)
    assert len(texts) == 4
    assert texts[0].startswith("“Who owns the export crash fix?”")
    assert any("meeting" in t.splitlines()[1] for t in texts)
    assert all(len(t.splitlines()) == 2 for t in texts)


def test_search(view: HistoryView, qtbot: QtBot) -> None:
    qtbot.keyClicks(view.search_field, "riverside")
    [only] = _texts(view)
    assert "Riverside" in only or "Energy" in only or "Library" in only
    view.search_field.clear()
    assert len(view.entry_ids()) == 4


def test_filter_by_label(view: HistoryView, history: History) -> None:
    items = [view.label_filter.itemText(i) for i in range(view.label_filter.count())]
    assert items[0] == ALL_LABELS and "meeting" in items
    assert "normal" not in items  # not worth filtering by
    assert view.set_label_filter("meeting")
    assert view.entry_ids() == [e.id for e in history.list(label="meeting")]
    assert len(view.entry_ids()) == 2
    assert view.set_label_filter(None)
    assert len(view.entry_ids()) == 4


def test_reopen(view: HistoryView, history: History, qtbot: QtBot) -> None:
    entry = history.list()[2]
    with qtbot.waitSignal(view.entry_activated) as blocker:
        view.list_view.activated.emit(view.model.index(2, 0))
    assert blocker.args == [entry.id]
    menu = view.menu_for(entry.id)
    with qtbot.waitSignal(view.entry_activated) as blocker:
        menu.actions()[0].trigger()
    assert blocker.args == [entry.id] and view.selected_id() == entry.id


def test_delete_asks_first(view: HistoryView, history: History, qtbot: QtBot) -> None:
    entry = history.list()[1]
    view.select(entry.id)
    view.delete_action.trigger()
    box = view.findChild(QMessageBox)
    assert box is not None and box.isVisible()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert entry.id in view.entry_ids()

    view.delete_action.trigger()
    box = next(b for b in view.findChildren(QMessageBox) if b.isVisible())
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    with qtbot.waitSignal(view.entry_deleted):
        delete.click()
    assert entry.id not in view.entry_ids() and len(view.entry_ids()) == 3
    assert entry.id not in [e.id for e in History().list()]


def test_when() -> None:
    import time

    now = time.time()
    assert ":" in when(now - 60, now)
    assert when(now - 30 * 86400, now)[-4:].isdigit()

"""History of digests: JSON files are the truth; the SQLite index is rebuilt when damaged and bypassed
when another window locks it, and no entry is ever lost."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from desktop.core.digest import Digest
from desktop.core.history import History
from desktop.core.render import to_markdown
from desktop.ml.engine.job import JobSpec, run_job

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
FILES = ["product-sync-meeting.vtt", "office-move-thread.eml", "quarterly-energy-report.md"]


@pytest.fixture(scope="module")
def digests() -> dict[str, Digest]:
    return {name: run_job(JobSpec(paths=[str(SAMPLES / name)], engine="extractive")).digest for name in FILES}


def _fill(history: History, digests: dict[str, Digest]) -> dict[str, str]:
    ids = {}
    for name in FILES:
        digest = digests[name]
        ids[name] = history.add(digest, [str(SAMPLES / name)], to_markdown(digest)).id
        time.sleep(0.01)  # distinct creation times, newest first in listings
    return ids


def test_add_list_search_filter_reopen_delete(digests: dict[str, Digest]) -> None:
    history = History()
    ids = _fill(history, digests)
    listed = history.list()
    assert [e.id for e in listed] == [ids[n] for n in reversed(FILES)]
    meeting = next(e for e in listed if e.id == ids["product-sync-meeting.vtt"])
    assert meeting.title == digests["product-sync-meeting.vtt"].title
    assert meeting.paths == (str(SAMPLES / "product-sync-meeting.vtt"),)
    assert meeting.engine == "extractive" and meeting.labels["type"] == "meeting"

    assert [e.id for e in history.list("harbour street")] == [ids["office-move-thread.eml"]]  # the title
    assert [e.id for e in history.list("TOM BECKER")] == [ids["product-sync-meeting.vtt"]]  # the body, any case
    assert history.list("no such words anywhere") == []
    assert [e.id for e in history.list(label="business mail")] == [ids["office-move-thread.eml"]]
    assert "meeting" in history.labels()

    digest, markdown = history.load(ids["product-sync-meeting.vtt"])
    assert digest.to_dict() == digests["product-sync-meeting.vtt"].to_dict()
    assert markdown == to_markdown(digests["product-sync-meeting.vtt"])

    edited = Digest.from_dict(digest.to_dict())
    edited.title = "Edited sync notes"
    history.update(ids["product-sync-meeting.vtt"], edited, "# Edited sync notes\n")
    assert [e.title for e in history.list("edited sync")] == ["Edited sync notes"]

    history.delete(ids["office-move-thread.eml"])
    assert ids["office-move-thread.eml"] not in [e.id for e in history.list()]
    history.close()
    reopened = History()
    assert {e.id for e in reopened.list()} == {ids["product-sync-meeting.vtt"], ids["quarterly-energy-report.md"]}
    assert reopened.notices == []
    reopened.close()


def test_a_corrupt_index_is_rebuilt_from_the_files(digests: dict[str, Digest]) -> None:
    history = History()
    ids = _fill(history, digests)
    folder = history.folder
    history.close()
    for extra in folder.glob("index.sqlite3-*"):
        extra.unlink()
    (folder / "index.sqlite3").write_bytes(b"garbage, not sqlite" * 100)

    rebuilt = History()
    assert any("rebuilt" in n for n in rebuilt.notices)
    assert list(folder.glob("index.sqlite3.damaged-*"))
    entries = rebuilt.list()
    assert {e.id for e in entries} == set(ids.values())
    assert [e.id for e in rebuilt.list("harbour street")] == [ids["office-move-thread.eml"]]
    assert [e.id for e in rebuilt.list(label="meeting")] == [ids["product-sync-meeting.vtt"]]
    rebuilt.close()


def test_an_index_missing_entries_is_rebuilt(digests: dict[str, Digest]) -> None:
    history = History()
    ids = _fill(history, digests)
    assert history._db is not None
    history._db.execute("DELETE FROM entries WHERE id = ?", (ids["office-move-thread.eml"],))
    history.close()
    assert {e.id for e in History().list()} == set(ids.values())


def test_a_locked_index_is_bypassed_by_reading_the_files(digests: dict[str, Digest]) -> None:
    history = History()
    ids = _fill(history, digests)
    folder = history.folder
    history.close()
    other = sqlite3.connect(folder / "index.sqlite3", isolation_level=None)
    other.execute("PRAGMA locking_mode=EXCLUSIVE")  # another window that keeps the index to itself
    other.execute("BEGIN EXCLUSIVE")
    other.execute("DELETE FROM entries")
    try:
        locked = History()
        assert any("in use by another Precis window" in n for n in locked.notices)
        assert [e.id for e in locked.list()] == [ids[n] for n in reversed(FILES)]
        assert [e.id for e in locked.list("tom becker")] == [ids["product-sync-meeting.vtt"]]
        assert [e.id for e in locked.list(label="business mail")] == [ids["office-move-thread.eml"]]
        # Saving still works: the JSON file is written; the index catches up later.
        new = locked.add(digests["office-move-thread.eml"], ["again.eml"], "# again\n")
        assert new.id in [e.id for e in locked.list()]
        locked.close()
    finally:
        other.rollback()
        other.close()
    assert len(History().list()) == len(FILES) + 1


def test_an_unreadable_entry_file_does_not_hide_the_others(digests: dict[str, Digest]) -> None:
    history = History()
    ids = _fill(history, digests)
    history.close()
    (history.folder / "broken.json").write_text("{not json", encoding="utf-8")
    again = History()
    assert {e.id for e in again.list()} == set(ids.values())
    again.close()


def test_an_index_locked_after_opening_is_bypassed_too(digests: dict[str, Digest]) -> None:
    """Another window holds the index's write lock: reads still work, a failed write switches to the files."""
    history = History()
    ids = _fill(history, digests)
    other = sqlite3.connect(history.folder / "index.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("DELETE FROM entries")
    try:
        assert len(history.list()) == len(FILES)
        history.delete(ids["office-move-thread.eml"])  # the index cannot be written: files from now on
        assert any("in use by another Precis window" in n for n in history.notices)
        assert [e.id for e in history.list()] == [ids["quarterly-energy-report.md"], ids["product-sync-meeting.vtt"]]
        new = history.add(digests["office-move-thread.eml"], ["again.eml"], "# again\n")
        assert [e.id for e in history.list("again")] == [new.id]
    finally:
        other.rollback()
        other.close()
    history.close()
    again = History()
    assert {e.id for e in again.list()} == {ids["product-sync-meeting.vtt"], ids["quarterly-energy-report.md"], new.id}
    again.close()

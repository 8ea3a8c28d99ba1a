"""The Roll-up tab over History digests of the corpus's mails and meetings (and the sample meeting
with the mail that followed it): what a named participant owes and is owed, with citations that
open the source view; the period and the sources; "me" kept in Settings; the .ics export parses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar
from pytestqt.qtbot import QtBot

from desktop.core.history import History
from desktop.core.ingest import read_document
from desktop.core.render import to_markdown
from desktop.core.settings import load_settings
from desktop.gui.rollup.rollup_build import CHOSEN
from desktop.gui.window.main_window import MainWindow
from desktop.ml.extractive.engine import ExtractiveEngine
from tests.core.rollup.test_rollup import _meeting_and_follow_up
from tests.gui._window import OFFSCREEN_NOISE, open_window

pytestmark = OFFSCREEN_NOISE


def _into_history(paths: list[Path]) -> dict[str, str]:
    """Each file's extractive digest in History, as a finished job puts it there; name -> entry id."""
    history = History()
    out = {}
    for p in paths:
        digest = ExtractiveEngine().summarize([read_document(p)])
        out[p.name] = history.add(digest, [str(p)], to_markdown(digest, links=True)).id
    history.close()
    return out


@pytest.fixture
def corpus_history(tmp_path: Path, corpus: Path) -> dict[str, str]:
    meeting, mail = _meeting_and_follow_up(tmp_path)  # the sample meeting of 2 Dec 2025, Priya's mail after it
    return _into_history([corpus / "transcript" / "qmsum-ES2008a-product-kickoff.json",
                          corpus / "email" / "metrics-grimoire-thread-2015-11.mbox",
                          corpus / "email" / "apache-new-httpd-1997-latin1-from.eml",
                          meeting, mail])


@pytest.fixture
def window(qtbot: QtBot, corpus_history: dict[str, str]) -> Iterator[MainWindow]:
    yield from open_window(qtbot)


def _roll(window: MainWindow, qtbot: QtBot, me: str) -> str:
    view = window.panes.rollup_view
    window.window_actions.rollup_action.trigger()
    assert window.panes.centre_tabs.currentWidget() is window.panes.rollup_page
    view.set_period("")  # everything
    view.me_field.setText(me)
    view.me_field.editingFinished.emit()
    qtbot.waitUntil(lambda: not view.building and view.rollup is not None and view.rollup.me.given == tuple(
        p.strip() for p in me.split(";")), timeout=20_000)
    return view.browser.toPlainText()


def test_the_roll_up_lists_what_a_named_participant_owes_and_is_owed_with_citations(
        window: MainWindow, qtbot: QtBot) -> None:
    view = window.panes.rollup_view
    page = _roll(window, qtbot, "Priya Shah <priya.shah@example.org>")
    rollup = view.rollup
    assert rollup is not None and rollup.digests == 5
    assert "What I owe" in page and "What I'm owed" in page
    # Owed to Priya: the help article, one item citing both the meeting and her mail.
    [article] = [p for p in rollup.owed_to_me if "help article" in p.text]
    assert article.owner.startswith("Aiko Tanaka") and article.due_date == "2025-12-05"
    assert {Path(s.path).name for s in article.sources} == {"product-sync-2025-12-02.vtt", "after-the-sync.eml"}
    assert any("finance" in p.text for p in rollup.i_owe)  # what she took on herself
    owed = view.citation_hrefs("owed_to_me")
    assert len(owed) >= 2 and view.citation_hrefs("i_owe")
    # A citation opens the cited passage in the source view (the document read first).
    index = rollup.owed_to_me.index(article)
    mail_href = next(h for h in owed if h.startswith(f"cite:owed_to_me/{index}/")
                     and view.source_for(h).path.endswith("after-the-sync.eml"))  # type: ignore[union-attr]
    assert view.activate_link(mail_href)
    qtbot.waitUntil(lambda: not window.source_view.loading and bool(window.source_view.documents), timeout=20_000)
    assert "help article" in window.source_view.text.textCursor().block().text()
    assert load_settings().me == ["Priya Shah <priya.shah@example.org>"]  # "me" is kept

    # A participant of the corpus's meeting and one of its mails.
    _roll(window, qtbot, "Project Manager")
    pm = view.rollup
    assert pm is not None and any("minutes" in p.text.lower() for p in pm.i_owe)
    assert all(p.sources[0].path.endswith("qmsum-ES2008a-product-kickoff.json") for p in pm.i_owe)
    assert "qmsum-ES2008a-product-kickoff.json" in view.browser.toPlainText()  # the citations are on the page
    _roll(window, qtbot, "Ingo Lütkebohle <ingo@blank.pages.de>")
    ingo = view.rollup
    assert ingo is not None and any("EUID" in p.text for p in ingo.owed_to_me)


def test_period_and_sources_choose_the_digests(window: MainWindow, qtbot: QtBot, corpus_history: dict[str, str]) -> None:
    view = window.panes.rollup_view
    _roll(window, qtbot, "Priya Shah <priya.shah@example.org>")
    view.set_period("range", date(2025, 12, 1), date(2025, 12, 7))
    qtbot.waitUntil(lambda: not view.building and view.rollup is not None and view.rollup.since == date(2025, 12, 1))
    days = [p.due_date for p in view.rollup.deadlines if p.due_date] if view.rollup else []
    assert "2025-12-05" in days and days == sorted(days)  # in date order
    assert view.browser.toPlainText().index("Fri 5 Dec 2025") < view.browser.toPlainText().index("Fri 12 Dec 2025")
    view.set_period("range", date(2027, 1, 1), date(2027, 1, 31))  # nothing written or due then
    qtbot.waitUntil(lambda: not view.building and view.rollup is not None and view.rollup.since == date(2027, 1, 1))
    assert view.rollup is not None and not view.rollup.deadlines and not view.rollup.owed_to_me
    # Only the mail chosen: the article is still owed, now with the mail's citation alone.
    view.set_period("")
    view.sources.set_kind(CHOSEN)
    view.sources.check({corpus_history["after-the-sync.eml"]})
    qtbot.waitUntil(lambda: not view.building and view.rollup is not None and view.rollup.digests == 1)
    [article] = view.rollup.owed_to_me
    assert [Path(s.path).name for s in article.sources] == ["after-the-sync.eml"]


def test_the_ics_export_writes_a_calendar_that_parses(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    view = window.panes.rollup_view
    _roll(window, qtbot, "Priya Shah <priya.shah@example.org>")
    target = view.export_to(tmp_path / "week.ics")
    assert target is not None
    data = target.read_bytes()
    cal = Calendar.from_ical(data)
    events = [c for c in cal.walk("VEVENT")]
    article = [e for e in events if "help article" in str(e["SUMMARY"])]
    assert article and article[0].decoded("DTSTART") == date(2025, 12, 5)
    assert "after-the-sync.eml" in str(article[0]["DESCRIPTION"])  # its citation
    assert len(list(vobject.readComponents(data.decode("utf-8")))) == 1  # a second, strict parser agrees
    md = view.export_to(tmp_path / "week.md")
    assert md is not None and md.read_text(encoding="utf-8").startswith("# Roll-up")
    assert "](cite:" not in md.read_text(encoding="utf-8")  # plain references in a file
    assert view.export_to(tmp_path / "week.txt") is None  # one sentence, nothing written
    assert not (tmp_path / "week.txt").exists()

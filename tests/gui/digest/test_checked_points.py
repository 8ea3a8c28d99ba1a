"""Checked points in the digest view: every point marked ✓ or ⚠ with the reason in words (and as
its tooltip), the header's counts, the overview's sentences marked and linked to their source,
the same marks in the streamed preview. The digests are checked by the real check stage on the
sample documents (tests/gui/_checked.py)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextBlock, QTextCharFormat
from pytestqt.qtbot import QtBot

from desktop.core.digest import Digest, Point
from desktop.core.document import Document
from desktop.core.ingest import read_document
from desktop.core.render import to_markdown
from desktop.gui.common.theme import support_colours
from desktop.gui.digest.digest_text import support_chip, support_tip
from desktop.gui.digest.digest_view import DigestView
from desktop.ml.extractive.engine import ExtractiveEngine
from tests.gui._checked import MD, VTT, WRONG_DAY, meeting_digest
from tests.gui._window import OFFSCREEN_NOISE

pytestmark = OFFSCREEN_NOISE
REASON = f"⚠ Not supported by its source: {WRONG_DAY}."


@pytest.fixture(scope="module")
def meeting() -> tuple[Digest, Document]:
    return meeting_digest()


@pytest.fixture
def view(qtbot: QtBot) -> DigestView:
    widget = DigestView()
    qtbot.addWidget(widget)
    widget.resize(760, 640)
    widget.show()
    return widget


def block_with(view: DigestView, words: str) -> QTextBlock:
    block = view.browser.document().begin()
    while block.isValid():
        if words in block.text():
            return block
        block = block.next()
    raise AssertionError(f"no block of the digest view holds {words!r}")


def format_at(block: QTextBlock, offset: int) -> QTextCharFormat:
    """The character format of the character at ``offset`` in ``block``."""
    it = block.begin()
    while not it.atEnd():
        frag = it.fragment()
        if frag.position() <= block.position() + offset < frag.position() + frag.length():
            return frag.charFormat()
        it += 1
    raise AssertionError(f"no character at {offset} in {block.text()!r}")


def test_a_flagged_point_shows_its_mark_and_reason_and_the_header_counts(view: DigestView,
                                                                          meeting: tuple[Digest, Document]) -> None:
    digest, doc = meeting
    view.show_digest(digest, paths=[VTT], documents=[doc])
    wrong = block_with(view, "Thursday the 19th")
    assert wrong.text().endswith(REASON)  # the reason, in words, right after the point and its citation
    checked, flagged, _ = support_colours(view.palette())
    note = wrong.text().index("⚠")
    assert format_at(wrong, note).foreground().color() == flagged and format_at(wrong, len(wrong.text()) - 2).fontItalic()
    # The verdict is the tooltip of the whole line: over the point's own words too.
    assert format_at(wrong, 3).toolTip() == support_tip(digest.action_items[1].support)  # type: ignore[arg-type]
    assert WRONG_DAY in format_at(wrong, 3).toolTip() and "source's own words marked" in format_at(wrong, 3).toolTip()
    # Every other point ends with ✓ in the checked colour, and says so in its tooltip.
    for words in ("Two bugs are still open", "Release 4.2 ships", "timeout fix moves to 4.2.1.", "Aiko writes the help article"):
        line = block_with(view, words)
        assert line.text().endswith("✓") and "⚠" not in line.text()
        assert format_at(line, len(line.text()) - 1).foreground().color() == checked
        assert format_at(line, 0).toolTip().startswith("✓ Checked: its numbers, dates, names")
    # The header: how many were checked and flagged, in the digest and as a chip above it.
    header = block_with(view, "Points checked with their sources")
    assert header.text() == "⚠ Points checked with their sources (facts): 6 of 7 supported, 1 flagged."
    assert "⚠ 1 of 7 flagged" in view.chip_texts()


def test_the_overview_sentences_are_marked_and_cite_their_sentence(view: DigestView,
                                                                   meeting: tuple[Digest, Document]) -> None:
    digest, doc = meeting
    view.show_digest(digest, paths=[VTT], documents=[doc])
    overview = block_with(view, "The team will ship release 4.2")
    assert overview.text() == ("The team will ship release 4.2 once the export crash is fixed.\u00a0✓ "
                               "The login timeout moves to 4.2.1.\u00a0✓")
    mark = format_at(overview, overview.text().index("✓"))
    assert mark.isAnchor() and mark.anchorHref() == "cite:overview/0/0" and mark.toolTip().startswith("✓ Checked")
    source = view.source_for("cite:overview/0/0")
    assert source is not None and source.locator.speaker == "Priya Shah" and source.locator.sentence == 2
    assert source.quote == "So we ship 4.2 once the export crash is fixed."
    assert view.source_for("cite:overview/9/0") is None
    # The Markdown History keeps and the exports write is the core's, marks and all: not the view's extras.
    assert view.markdown() == to_markdown(digest, links=True) and not view.is_edited


def test_a_click_carries_the_points_verdict(view: DigestView, meeting: tuple[Digest, Document], qtbot: QtBot) -> None:
    digest, doc = meeting
    view.show_digest(digest, paths=[VTT], documents=[doc])
    href = next(h for h in view.citation_hrefs() if h.startswith("cite:action_items/1/"))
    with qtbot.waitSignal(view.citation_activated) as blocker:
        assert view.activate_link(href)
    assert blocker.args == [digest.action_items[1].sources[0], digest.action_items[1].support]


def test_the_preview_shows_the_same_marks(view: DigestView) -> None:
    """The streamed preview is the extractive engine's checked digest: its quoted points carry ✓
    (a quote is its own source); a point the model has rewritten is checked with the digest."""
    preview = ExtractiveEngine().summarize([read_document(MD)], length="medium")
    assert preview.points and all(p.support is not None and not p.support.flagged for p in preview.points)
    view.begin_job("job1", "Quarterly report", [MD])
    view.show_preview(preview, ())
    first = block_with(view, preview.points[0].text[:40])
    assert first.text().endswith("✓") and format_at(first, 0).toolTip().startswith("✓ Checked")
    rewritten = Digest(preview.title, "", points=[Point("Electricity use fell by 18 percent.", preview.points[0].sources),
                                                  *preview.points[1:]])
    view.show_preview(rewritten, (0,))
    line = block_with(view, "Electricity use fell by 18 percent.")
    assert "✓" not in line.text() and "(quoted)" not in line.text()
    assert block_with(view, preview.points[1].text[:40]).text().endswith("✓")


def test_support_chip_words() -> None:
    from desktop.core.support import SupportCounts

    assert support_chip(None) == ""
    assert support_chip(SupportCounts(12, 0)) == "✓ 12 checked"
    assert support_chip(SupportCounts(12, 2)) == "⚠ 2 of 14 flagged"
    assert support_chip(SupportCounts(12, 0, dropped=2, mode="drop")) == "✓ 12 checked, 2 left out"

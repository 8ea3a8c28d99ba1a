"""A long document's sections in the digest view (issue 29): in document order, each with its
title and page range, and clickable (title or range) to the section's start in the source view.

Real inputs: the corpus's 65-page plan (chelsea_pdta.pdf, an outline of 44 entries of which 5 are
top-level) digested by the extractive engine, and the bundled samples' report in the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from desktop.core.digest import Source
from desktop.core.ingest.pdf_outline import outline_entries
from desktop.gui.digest.digest_view import DigestView
from desktop.gui.source.source_view import SourceView
from desktop.gui.window.main_window import MainWindow
from desktop.ml.engine.job import JobResult, JobSpec, run_job
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES, open_window, wait_digest

pytestmark = OFFSCREEN_NOISE
REPORT = SAMPLE_FILES[2]


@pytest.fixture(scope="module")
def plan(corpus: Path) -> JobResult:
    return run_job(JobSpec(paths=[str(corpus / "pdf" / "chelsea_pdta.pdf")], engine="extractive"))


@pytest.fixture
def views(qtbot: QtBot, plan: JobResult) -> tuple[DigestView, SourceView]:
    """The digest view beside a source view, wired as the window wires them."""
    digest, source = DigestView(), SourceView()
    for w in (digest, source):
        qtbot.addWidget(w)
        w.resize(760, 700)
        w.show()
    digest.citation_activated.connect(source.show_source)
    source.set_documents(plan.documents)
    digest.show_digest(plan.digest, paths=[str(d.path) for d in plan.documents], documents=plan.documents)
    return digest, source


def _heading(view: DigestView, title: str) -> QTextCursor:
    block = view.browser.document().begin()
    while block.isValid():
        if block.blockFormat().headingLevel() > 0 and block.text().startswith(title):
            return QTextCursor(block)
        block = block.next()
    raise AssertionError(f"no heading {title!r} in the digest view")


def test_sections_follow_the_outline_with_their_pages(views: tuple[DigestView, SourceView], plan: JobResult,
                                                      corpus: Path) -> None:
    view, _source = views
    outline = outline_entries(PdfReader(corpus / "pdf" / "chelsea_pdta.pdf"))
    top = [(title, page) for title, level, page in outline if level == 1]
    assert len(outline) == 44 and len(top) == 5
    sections = plan.digest.sections
    # The titles are the outline's (the last one, a file name, made readable: "14-01 Annexe A PDTA (003)").
    assert [s.title for s in sections][:4] == [" ".join(title.split()) for title, _page in top][:4]
    assert sections[4].title == "14-01 Annexe A PDTA (003)" and top[4][0] == "14-01_Annexe_A_PDTA (003).pdf"
    # The annex's own entry has no page: its first sub-entry's (33) starts it.
    assert [s.start.page for s in sections] == [page for _title, page in top][:4] + [33] and top[4][1] is None
    assert view.section_hrefs() == [f"section:{i}" for i in range(5)]
    text = view.browser.toPlainText()
    positions = [text.index(f"{s.title} ({s.span()})") for s in sections]
    assert positions == sorted(positions)  # in document order, each with its range
    assert [s.span() for s in sections][:2] == ["pp. 5–6", "pp. 7–8"]


def test_a_click_on_a_section_title_opens_the_source_at_its_start(views: tuple[DigestView, SourceView],
                                                                  plan: JobResult, qtbot: QtBot) -> None:
    view, source = views
    section = plan.digest.sections[1]
    cursor = _heading(view, section.title)
    # A real click on the title's third character (the range is a link as well).
    cursor.setPosition(cursor.block().position() + 2)
    view.browser.setTextCursor(cursor)
    view.browser.ensureCursorVisible()
    point = view.browser.cursorRect(cursor).center() + QPoint(2, 0)
    clicked: list[tuple[Source, object]] = []
    view.citation_activated.connect(lambda s, v: clicked.append((s, v)))
    qtbot.mouseClick(view.browser.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert clicked and clicked[0][0] == section.sources[0] and clicked[0][1] is None
    doc = plan.documents[0]
    [marked] = source.text.marked_blocks
    assert doc.blocks[marked].locator.page == section.start.page == 7
    assert doc.blocks[marked].text.startswith("2. Méthodologie")  # the section's heading, where it starts
    assert source.text.textCursor().blockNumber() == marked


def test_every_section_range_opens_its_start(views: tuple[DigestView, SourceView], plan: JobResult) -> None:
    view, source = views
    doc = plan.documents[0]
    for i, section in enumerate(plan.digest.sections):
        assert view.activate_link(f"section:{i}")
        [marked] = source.text.marked_blocks
        at = doc.blocks[marked].section  # the index in doc.sections (every level) of its top-level section
        assert at is not None and doc.sections[at].title == section.title
        assert doc.blocks[marked].locator.page == section.start.page
        assert all(b.section != at for b in doc.blocks[:marked])  # its first block, not one further in
    assert not view.activate_link("section:5") and not view.activate_link("section:x")


def test_section_ranges_look_like_citations(views: tuple[DigestView, SourceView], plan: JobResult) -> None:
    view, _source = views
    section = plan.digest.sections[0]
    block = _heading(view, section.title).block()
    text = block.text()
    range_at = text.index(section.span())
    fmt_title = QTextCursor(block)
    fmt_title.setPosition(block.position() + 1)
    fmt_range = QTextCursor(block)
    fmt_range.setPosition(block.position() + range_at + 1)
    title, rng = fmt_title.charFormat(), fmt_range.charFormat()
    assert title.isAnchor() and title.anchorHref() == "section:0"
    assert rng.isAnchor() and rng.anchorHref() == "section:0"
    assert rng.foreground().color() == view.palette().link().color() and not rng.fontUnderline()
    assert rng.fontPointSize() < view.browser.font().pointSizeF()
    assert "pp. 5–6" in rng.toolTip()


def test_in_the_window_a_section_of_the_sample_report_opens_it(qtbot: QtBot) -> None:
    for window in open_window(qtbot):
        _check_window(window, qtbot)


def _check_window(window: MainWindow, qtbot: QtBot) -> None:
    assert window.model_picker.select("extractive")
    window.summarize([REPORT])
    wait_digest(qtbot, window)
    digest = window.digest_view.digest
    assert digest is not None and [s.title for s in digest.sections] == [
        "Summary", "Lighting", "Heating and ventilation", "Solar panels", "Recommendations"]
    assert window.digest_view.section_hrefs() == [f"section:{i}" for i in range(5)]
    assert window.digest_view.activate_link("section:3")
    shown = window.source_view.text
    [marked] = shown.marked_blocks
    assert shown.current_document is not None and shown.block_text(marked) == "Solar panels"

"""The source view shows furniture dimmed, with a margin tag saying what it is (issue 29), in the
light and the dark theme; and its margin says slide, sheet and cells, chapter where a block has
them rather than "¶ n" (issue 26's locators).

Real inputs: a corpus mailing-list thread whose messages end in the list's footer, the corpus's
65-page plan with its table of contents, a council meeting's procedure, and the slide deck,
workbook and e-book that python-pptx, openpyxl and the EPUB writer made (tests/files/documents)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPalette, QTextCursor
from pytestqt.qtbot import QtBot

from desktop.core.document import Document
from desktop.core.ingest import read_document
from desktop.gui.common.theme import palette_for
from desktop.gui.source.source_margin import margin_label
from desktop.gui.source.source_view import SourceView
from tests.gui._window import OFFSCREEN_NOISE

pytestmark = OFFSCREEN_NOISE
DOCUMENTS = Path(__file__).resolve().parents[2] / "files" / "documents"


def _view(qtbot: QtBot, documents: list[Document], theme: str = "light") -> SourceView:
    view = SourceView()
    view.setPalette(palette_for(theme))
    qtbot.addWidget(view)
    view.resize(640, 520)
    view.show()
    view.set_documents(documents)
    view.text.finish_layout()
    return view


def _colour(view: SourceView, index: int) -> tuple[QColor, float]:
    """The text colour and point size block ``index`` is shown in (its last character's)."""
    block = view.text.document().findBlockByNumber(index)
    cursor = QTextCursor(block)
    cursor.setPosition(block.position() + block.length() - 1)
    fmt = cursor.charFormat()
    size = fmt.fontPointSize() or view.text.font().pointSizeF()
    return fmt.foreground().color(), size


def _luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_mailing_lists_footer_is_dimmed_and_tagged(qtbot: QtBot, corpus: Path, theme: str) -> None:
    thread = read_document(corpus / "email" / "metrics-grimoire-thread-2015-11.mbox")
    footers = [i for i, b in enumerate(thread.blocks) if b.furniture == "list footer"]
    body = [i for i, b in enumerate(thread.blocks) if b.furniture is None and b.role.value == "paragraph"]
    assert len(footers) == 3 and body
    view = _view(qtbot, [thread], theme)
    base = view.text.palette().color(QPalette.ColorRole.Base)
    text_colour = view.text.palette().color(QPalette.ColorRole.Text)
    for i in footers:
        colour, size = _colour(view, i)
        assert colour == view.text.palette().color(QPalette.ColorRole.PlaceholderText)
        assert size < view.text.font().pointSizeF()
        # Still readable, but plainly quieter than the text around it.
        assert 3.0 <= _contrast(colour, base) < _contrast(text_colour, base) - 5
        assert view.text.block_text(i).replace("\u2028", "\n") == thread.blocks[i].text  # all of it is shown
    for i in body:
        colour, _size = _colour(view, i)
        assert colour != view.text.palette().color(QPalette.ColorRole.PlaceholderText)
    tags = view.text.margin_tags()
    assert [i for i, t in enumerate(tags) if t] == footers and {tags[i] for i in footers} == {"list footer"}
    tip = view.text._margin.tip_at(QPoint(10, int(_top(view, footers[0])) + 2))
    assert tip.startswith("message ") and "List footer: not what the document says" in tip
    assert "left out of the digest" in tip


def _top(view: SourceView, index: int) -> float:
    text = view.text
    text._scroll_to_block(index)
    block = text.document().findBlockByNumber(index)
    return text.document().documentLayout().blockBoundingRect(block).top() - text.verticalScrollBar().value()


def test_the_plans_table_of_contents_is_dimmed_once_tagged(qtbot: QtBot, corpus: Path) -> None:
    plan = read_document(corpus / "pdf" / "chelsea_pdta.pdf")
    contents = [i for i, b in enumerate(plan.blocks) if b.furniture == "contents"]
    assert len(contents) == 5 and contents == list(range(contents[0], contents[0] + 5))
    view = _view(qtbot, [plan], "dark")
    tags = view.text.margin_tags()
    assert tags[contents[0]] == "contents" and not any(tags[i] for i in contents[1:])  # one tag for the run
    assert view.text.margin_labels()[contents[0]] == "p. 3"  # the page is still said beside it
    dim = view.text.palette().color(QPalette.ColorRole.PlaceholderText)
    assert all(_colour(view, i)[0] == dim for i in contents)
    chapter = next(i for i, b in enumerate(plan.blocks) if b.text.startswith("1. Mise en contexte") and b.furniture is None)
    assert _colour(view, chapter)[0] != dim


def test_a_meetings_procedure_is_dimmed_with_its_speaker(qtbot: QtBot, corpus: Path) -> None:
    meeting = read_document(corpus / "transcript" / "oakland-council-2022-08-09.vtt")
    procedure = [i for i, b in enumerate(meeting.blocks) if b.furniture == "procedure"]
    assert procedure
    view = _view(qtbot, [meeting])
    dim = view.text.palette().color(QPalette.ColorRole.PlaceholderText)
    for i in procedure[:5]:
        block = view.text.document().findBlockByNumber(i)
        cursor = QTextCursor(block)
        cursor.setPosition(block.position() + 1)  # the speaker's name, if the turn has one
        assert cursor.charFormat().foreground().color() == dim and _colour(view, i)[0] == dim
    assert view.text.margin_tags()[procedure[0]] == "procedure"


def test_slides_sheets_and_chapters_in_the_margin(qtbot: QtBot) -> None:
    deck = read_document(DOCUMENTS / "board-update.pptx")
    workbook = read_document(DOCUMENTS / "renovation-budget.xlsx")
    book = read_document(DOCUMENTS / "renovation.epub")
    view = _view(qtbot, [deck, workbook, book])
    labels = view.text.margin_labels()
    slides = sorted({b.locator.slide for b in deck.blocks if b.locator.slide is not None})
    assert [x for x in labels if x] == [f"slide {n}" for n in slides]  # where each slide starts
    assert labels[:3] == ["slide 1", "", "slide 2"] and not any("¶" in x for x in labels)
    view.select_document(1)
    assert view.text.margin_labels() == ["sheet Budget", "A1:D5", "sheet Notes", "A1:A5"]
    tip = view.text._margin.tip_at(QPoint(10, int(_top(view, 1)) + 2))
    assert tip == "sheet Budget, A1:D5"
    view.select_document(2)
    labels = view.text.margin_labels()
    assert [x for x in labels if x] == ["chapter 1", "chapter 2", "chapter 3"] and labels[1] == ""
    # A document with only paragraphs keeps its "¶ n".
    report = read_document(Path(__file__).resolve().parents[3] / "resources" / "samples" / "quarterly-energy-report.md")
    assert margin_label(report.blocks[1], report.blocks[0]) == "¶ 2"


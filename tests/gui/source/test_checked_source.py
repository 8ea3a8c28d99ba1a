"""A checked point's citation lands on its sentence: the source view marks the supporting words
(page and sentence, a turn of a meeting, a message), and for a flagged point the source's own
words for the fact the point got wrong. Citations from the real check stage (tests/gui/_checked.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.digest import Source
from desktop.core.document import Document, Locator
from desktop.gui.source.cited_words import supporting_span, word_spans
from desktop.gui.source.source_view import SourceView
from tests.gui._checked import EML, checked_digest, meeting_digest
from tests.gui._window import OFFSCREEN_NOISE

pytestmark = OFFSCREEN_NOISE


def _view(qtbot: QtBot, doc: Document) -> SourceView:
    view = SourceView()
    qtbot.addWidget(view)
    view.resize(520, 420)
    view.show()
    view.set_documents([doc])
    return view


def test_a_flagged_meeting_point_lands_on_the_turns_sentence_with_the_right_day_marked(qtbot: QtBot) -> None:
    digest, doc = meeting_digest()
    view = _view(qtbot, doc)
    wrong = digest.action_items[1]
    assert view.show_source(wrong.sources[0], wrong.support)
    turn = next(i for i, b in enumerate(doc.blocks) if b.locator.start == wrong.sources[0].locator.start)
    assert view.text.marked_blocks == [turn]  # the one turn, not every turn the time range touches
    sentence, mismatched = view.text.cited_words()
    assert sentence == "I can have a fix reviewed by Wednesday the 18th."  # after "Tom Becker: Yes, I'll take it."
    assert mismatched == ["Wednesday the 18th"]
    # The cursor sits at the sentence, which is in view.
    cursor = view.text.textCursor()
    assert view.text.document().findBlock(cursor.position()).text()[cursor.positionInBlock():].startswith("I can have")
    assert view.text.viewport().rect().contains(view.text.cursorRect(cursor).center())
    # A checked point's citation marks its sentence and nothing as mismatched.
    right = digest.points[0]
    assert view.show_source(right.sources[0], right.support)
    assert view.text.cited_words() == (right.sources[0].quote, [])
    assert right.sources[0].quote.startswith("Two bugs are still open")


def test_a_flagged_mail_point_marks_the_amount_the_message_says(qtbot: QtBot) -> None:
    digest, doc = checked_digest(EML, "Office move", "", {"asks": [
        "The landlord offers 20 parking spaces at 59 euros a month."]})
    ask = digest.asks[0]
    assert ask.support is not None and ask.support.flagged and ask.sources[0].locator.message == 1
    view = _view(qtbot, doc)
    assert view.show_source(ask.sources[0], ask.support)
    sentence, mismatched = view.text.cited_words()
    assert sentence == "I also still need a decision on the parking permits: the landlord offers 20 spaces at 95 euros a month."
    assert mismatched == ["95 euros"]
    # Without the verdict (the preview, an old History entry) the sentence alone is marked.
    assert view.show_source(ask.sources[0])
    assert view.text.cited_words() == (sentence, [])
    # Searching keeps the citation's marks, and the marks never count as matches.
    view.search_field.setText("parking")
    assert view.text.match_count() == view.text.toPlainText().lower().count("parking")
    assert len(view.text.extraSelections()) == view.text.match_count() + 1  # and the sentence


def test_a_pdf_citation_lands_on_the_sentence_of_its_page(qtbot: QtBot, corpus: Path) -> None:
    digest, doc = checked_digest(str(corpus / "pdf" / "cupertino_usd_4-6-16.pdf"), "Board agenda", "", {"points": [
        "Speakers at the Board of Education meeting may comment for three minutes each."]})
    point = digest.points[0]
    three = next(s for s in point.sources if "three (3) minutes" in s.quote)
    assert three.locator.page == 1 and three.locator.sentence is not None
    view = _view(qtbot, doc)
    assert view.show_source(three, point.support)
    assert view.text.cited_words() == (three.quote, [])
    block = doc.blocks[view.text.marked_blocks[0]]
    assert block.locator.page == 1 and block.text.count(".") > 2  # a paragraph of several sentences: one is marked


def test_a_citation_of_a_whole_block_marks_no_sentence(qtbot: QtBot) -> None:
    _digest, doc = meeting_digest()
    view = _view(qtbot, doc)
    block = doc.blocks[1]
    assert view.show_source(Source(str(doc.path), block.locator, doc.display_name, block.text[:240]))
    assert view.text.marked_blocks == [1] and view.text.cited_words() == ("", [])


@pytest.mark.parametrize(("text", "locator", "quote", "expected"), [
    ("One. Two is here.  Three.", Locator(sentence=2), "Two is here.", "Two is here."),
    ("One. Two is here.  Three.", Locator(sentence=2, sentence_end=3), "Two is here. Three.", "Two is here.  Three."),
    # The text on show differs from the one checked (sentence 1 here): the quote's words find it.
    ("A new first sentence. One. Two is here.", Locator(sentence=2), "Two is here.", "Two is here."),
    ("One. Two.", Locator(paragraph=3), "", None),
])
def test_supporting_span(text: str, locator: Locator, quote: str, expected: str | None) -> None:
    span = supporting_span(text, locator, quote)
    assert (text[span[0]:span[1]] if span is not None else None) == expected


def test_word_spans_prefer_the_supporting_sentence_and_whole_words() -> None:
    text = "On 18 May we met. The fix is due 18 June, not 180 days later."
    within = (text.index("The fix"), len(text))
    assert [text[a:b] for a, b in word_spans(text, ["18"], within)] == ["18"]
    assert word_spans(text, ["18"], within)[0][0] > within[0]
    assert [text[a:b] for a, b in word_spans(text, ["may"], within)] == ["May"]  # not in the sentence: elsewhere

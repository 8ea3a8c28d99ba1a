"""The source view: documents with locators in the margin, citations landing on their passage,
search with next/previous, attachments listed, and reading files in the background."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.digest import Source
from desktop.core.document import Locator
from desktop.core.ingest import read_document
from desktop.gui.source.source_text import SLICE, margin_label
from desktop.gui.source.source_view import SourceView
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES

pytestmark = OFFSCREEN_NOISE
EML, VTT, MD = SAMPLE_FILES


@pytest.fixture
def view(qtbot: QtBot) -> SourceView:
    widget = SourceView()
    qtbot.addWidget(widget)
    widget.resize(460, 420)
    widget.show()
    widget.set_documents([read_document(p) for p in SAMPLE_FILES])
    return widget


def test_one_paragraph_per_block_with_locators(view: SourceView) -> None:
    assert [view.picker.itemText(i) for i in range(view.picker.count())] == [Path(p).name for p in SAMPLE_FILES]
    doc = view.text.current_document
    assert doc is not None and doc.path == Path(EML)
    assert view.text.block_count() == len(doc.blocks) == view.text.document().blockCount()
    for i, block in enumerate(doc.blocks):
        assert view.text.block_text(i).replace("\u2028", "\n") == block.text.replace("\r\n", "\n")
    assert view.text._labels[0] == "message 1"
    view.select_document(1)
    assert view.text.current_document.path == Path(VTT)  # type: ignore[union-attr]
    assert view.text._labels[:2] == ["00:00:01\n–00:00:07", "00:00:08\n–00:00:27"]  # a turn's start and end
    assert view.text.block_text(0).startswith("Priya Shah: Good morning")


def test_margin_labels_say_where_each_block_is() -> None:
    report = read_document(MD)
    assert margin_label(report.blocks[0], None) == "¶ 1"
    pdf_blocks = [b for b in read_document(VTT).blocks]
    assert margin_label(pdf_blocks[1], pdf_blocks[0]) == "00:00:08\n–00:00:27"


def test_citation_opens_the_document_at_the_passage(view: SourceView) -> None:
    meeting = read_document(VTT)
    target = meeting.blocks[3]
    source = Source(VTT, Locator(start=target.locator.start, end=target.locator.end, speaker=target.locator.speaker),
                    meeting.display_name, target.text[:240])
    assert view.show_source(source)
    assert view.picker.currentText() == "product-sync-meeting.vtt"
    assert view.text.marked_blocks == [3]
    assert view.text.textCursor().blockNumber() == 3

    # A time range spanning several turns marks all of them.
    span = Source(VTT, Locator(start=meeting.blocks[1].locator.start, end=meeting.blocks[3].locator.end), meeting.display_name,
                  meeting.blocks[1].text[:240])
    assert view.show_source(span)
    assert view.text.marked_blocks == [1, 2, 3]

    # An email message, and a paragraph of a report.
    mail = read_document(EML)
    asks = next(i for i, b in enumerate(mail.blocks) if b.text.startswith("Could each team lead"))
    assert view.show_source(Source(EML, Locator(message=1, sender="Maria Lopez"), mail.display_name, mail.blocks[asks].text[:240]))
    assert view.text.marked_blocks == [asks]
    report = read_document(MD)
    assert view.show_source(Source(MD, Locator(paragraph=6), report.display_name, ""))
    assert view.text.marked_blocks == [5]


def test_unknown_document_is_not_opened(view: SourceView) -> None:
    assert not view.show_source(Source("/elsewhere/minutes.pdf", Locator(page=2), "minutes.pdf"))


def test_search_next_previous_and_count(view: SourceView, qtbot: QtBot) -> None:
    view.select_document(1)
    qtbot.keyClicks(view.search_field, "export")
    count = view.text.match_count()
    assert count >= 3
    assert view.match_label.text() == f"1 of {count}"
    view.find_next()
    assert view.match_label.text() == f"2 of {count}"
    view.find_previous()
    view.find_previous()
    assert view.match_label.text() == f"{count} of {count}"  # wrapped around
    assert view.text.textCursor().selectedText().lower() == "export"
    view.select_document(2)  # matches follow the document on show
    assert view.match_label.text() in ("no match", f"0 of {view.text.match_count()}")
    view.search_field.clear()
    assert view.match_label.text() == "" and view.text.match_count() == 0


def test_attachments_are_listed_after_their_message(qtbot: QtBot, corpus: Path) -> None:
    view = SourceView()
    qtbot.addWidget(view)
    mail = read_document(corpus / "email" / "plain-text-with-pdf-attachment.msg")
    view.set_documents([mail])
    names = [view.picker.itemText(i) for i in range(view.picker.count())]
    assert names == ["plain-text-with-pdf-attachment.msg", "plain-text-with-pdf-attachment.msg › SampleAttachment.pdf"]
    child = mail.children[0]
    block = child.blocks[5]
    assert view.show_source(Source(str(child.path), block.locator, child.display_name, block.text[:240]))
    assert view.picker.currentIndex() == 1 and view.text.marked_blocks == [5]


def test_reading_files_in_the_background(qtbot: QtBot) -> None:
    view = SourceView()
    qtbot.addWidget(view)
    meeting = read_document(VTT)
    pending = Source(VTT, meeting.blocks[4].locator, meeting.display_name, meeting.blocks[4].text[:240])
    with qtbot.waitSignal(view.documents_changed, timeout=10_000):
        view.load_paths([MD, VTT, "/nowhere/gone.pdf"])
        assert view.loading
        assert not view.show_source(pending)  # remembered until the files are read
    assert [d.path.name for d in view.documents] == ["quarterly-energy-report.md", "product-sync-meeting.vtt"]
    assert view.picker.currentText() == "product-sync-meeting.vtt" and view.text.marked_blocks == [4]


def test_a_long_document_is_laid_out_a_slice_at_a_time(qtbot: QtBot, corpus: Path) -> None:
    # The corpus's longest PDF (65 pages, 516 blocks): the first slice shows at once, the rest
    # follows over later turns of the event loop, and a citation of the last page works at any
    # moment (it lays out the rest first).
    doc = read_document(corpus / "pdf" / "chelsea_pdta.pdf")
    assert len(doc.blocks) > 2 * SLICE
    view = SourceView()
    qtbot.addWidget(view)
    view.resize(460, 600)
    view.show()
    view.set_documents([doc])
    assert not view.text.complete and view.text.document().blockCount() == SLICE
    qtbot.waitUntil(lambda: view.text.complete, timeout=5000)
    assert view.text.document().blockCount() == len(doc.blocks)

    view.set_documents([doc])
    assert not view.text.complete
    last = doc.blocks[-1]
    assert view.show_source(Source(str(doc.path), last.locator, doc.display_name, last.text[:60]))
    assert view.text.complete and view.text.marked_blocks and max(view.text.marked_blocks) >= SLICE

"""Sections from a document's own structure (issue 29): the 65-page plan's 44-entry PDF outline,
numbered headings of a PDF without one, Word heading styles, Markdown headings; which documents
get a summary per section; and chunks that never straddle a top-level section."""

from __future__ import annotations

from pathlib import Path

import docx
from pypdf import PdfReader

from desktop.core.document import Role
from desktop.core.ingest import read_bytes, read_document
from desktop.core.ingest.context import ReadContext
from desktop.core.prompting.chunking import chunk_document
from desktop.core.structure.sections import summarized, top_level

SAMPLES = Path(__file__).resolve().parents[3] / "resources" / "samples"


def _words(text: str) -> int:
    return len(text.split()) + 1


def _outline(path: Path) -> tuple[int, list[tuple[str, int]]]:
    """pypdf's own view of the outline: how many entries, and the top level's titles and pages (an
    entry whose destination is broken takes its first sub-entry's page)."""
    reader = PdfReader(path)
    count = 0
    top: list[tuple[str, int]] = []

    def page_of(item) -> int | None:  # type: ignore[no-untyped-def]
        try:
            return reader.get_destination_page_number(item) + 1
        except TypeError:
            return None

    def walk(items, depth: int) -> None:  # type: ignore[no-untyped-def]
        nonlocal count
        for k, item in enumerate(items):
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            count += 1
            if depth == 0:
                page = page_of(item)
                if page is None and k + 1 < len(items) and isinstance(items[k + 1], list):
                    page = page_of(items[k + 1][0])
                top.append((item.title, page))

    walk(reader.outline, 0)
    return count, top


def test_the_65_page_plan_has_its_outlines_top_level_as_sections(corpus: Path) -> None:
    path = corpus / "pdf/chelsea_pdta.pdf"
    entries, top = _outline(path)
    doc = read_document(path)
    assert entries == 44 and doc.metadata["outline_entries"] == 44
    tops = [doc.sections[i] for i in top_level(doc.sections)]
    assert len(tops) == len(top) == 5
    for section, (title, page) in zip(tops, top):
        assert doc.blocks[section.block].locator.page == page
        assert section.title == " ".join(title.split()).removesuffix(".pdf").replace("_", " ")
    assert tops[0].title == "1. Mise en contexte" and doc.blocks[tops[0].block].text == "1. Mise en contexte"
    # Every block from the first chapter on knows its chapter; the front matter (title, contents) none.
    assert all(b.section is None for b in doc.blocks if (b.locator.page or 0) < 5)
    assert all(b.section is not None for b in doc.blocks if (b.locator.page or 0) >= 5)
    assert summarized(doc) == top_level(doc.sections)


def test_chunks_never_straddle_a_top_level_section(corpus: Path) -> None:
    doc = read_document(corpus / "pdf/chelsea_pdta.pdf")
    chunks = chunk_document(doc, _words, 300)
    assert all(len({doc.blocks[b].section for b in c.blocks}) == 1 for c in chunks)
    order = [-1 if c.section is None else c.section for c in chunks]
    assert order == sorted(order)  # in document order, the front matter first
    assert {c.section for c in chunks} == set(summarized(doc)) | {None}
    # A short document is chunked as before: its sections are no boundary.
    sample = read_document(SAMPLES / "quarterly-energy-report.md")
    sample.blocks[:] = [b for b in sample.blocks if b.section in (None, 0, 1)]  # two sections: short
    assert not summarized(sample) and len(chunk_document(sample, _words, 300)) == 1


def test_a_pdf_without_an_outline_takes_its_numbered_headings(corpus: Path) -> None:
    doc = read_document(corpus / "pdf/GeoBase_NHNC1_Data_Model_UML_EN.pdf")
    assert [(s.title, doc.blocks[s.block].locator.page) for s in doc.sections] == [
        ("1 Overview", 6), ("2 LRS", 6), ("3 Model", 8)]
    assert summarized(doc) == [0, 1, 2]  # 19 pages: long


def test_word_heading_styles_and_markdown_headings_make_sections(tmp_path: Path) -> None:
    report = docx.Document()
    report.add_heading("Annual report", level=0)
    for chapter in ("Finances", "Staff", "Buildings"):
        report.add_heading(chapter, level=1)
        report.add_paragraph(f"The {chapter.lower()} of the library changed a great deal this year, as the board was told.")
    path = tmp_path / "report.docx"
    report.save(path)
    doc = read_document(path)
    assert [s.title for s in doc.sections if s.level == 1] == ["Finances", "Staff", "Buildings"]
    assert summarized(doc) == [i for i, s in enumerate(doc.sections) if s.level == 1]  # three: summarized
    sample = read_document(SAMPLES / "quarterly-energy-report.md")
    titles = [sample.sections[i].title for i in top_level(sample.sections)]
    assert titles == ["Summary", "Lighting", "Heating and ventilation", "Solar panels", "Recommendations"]
    assert sample.blocks[0].role is Role.HEADING and sample.blocks[0].section is None  # the title is no section
    notes = read_bytes(b"# Notes\n\n## One\n\nA short note.\n\n## Two\n\nAnother one.\n", ReadContext(path=Path("n.md")))
    assert len(top_level(notes.sections)) == 2 and not summarized(notes)  # short, two sections: as before


def test_a_thread_has_no_sections(corpus: Path) -> None:
    """A mailbox's messages are headings, but a thread's digest is by message already."""
    doc = read_document(corpus / "email/metrics-grimoire-thread-2015-11.mbox")
    assert not doc.sections and all(b.section is None for b in doc.blocks)


def test_a_meeting_with_agenda_items_gets_a_summary_per_item_with_its_time_range() -> None:
    """A transcript whose reader marks agenda items as headings (as the HTML and EPUB readers mark
    theirs): each item's summary carries its time range."""
    from desktop.core.document import Block, DocKind, Document, Locator
    from desktop.core.ingest.finish import finish
    from desktop.ml.extractive.engine import ExtractiveEngine

    agenda = [("Budget", ["The parks budget grows by ten percent next year.", "Staff costs stay flat."]),
              ("Hiring", ["Two engineers join the data team in March.", "The designer role stays open."]),
              ("Office move", ["The move to Harbour Street happens in December.", "Every team packs its own desks."])]
    blocks, t = [], 0.0
    for title, said in agenda:
        blocks.append(Block(title, Role.HEADING, Locator(start=t), 2))
        for sentence in said:
            blocks.append(Block(sentence, Role.UTTERANCE, Locator(start=t, end=t + 40, speaker="Chair")))
            t += 60
    doc = finish(Document(Path("meeting.json"), DocKind.TRANSCRIPT, "Meeting", blocks=blocks))
    digest = ExtractiveEngine().summarize([doc])
    assert [(s.title, s.span()) for s in digest.sections] == [
        ("Budget", "00:00:00–00:01:40"), ("Hiring", "00:02:00–00:03:40"), ("Office move", "00:04:00–00:05:40")]
    assert all(s.summary and s.sources[0].locator.start is not None for s in digest.sections)

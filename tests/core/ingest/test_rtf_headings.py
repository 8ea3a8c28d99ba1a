"""RTF headings are marked as Word's are: outline levels on paragraphs, paragraph styles with an
outline level (inherited through \\sbasedon) or named "heading N" / "Title", in files written by
LibreOffice, pandoc and in Word's own form; sections follow from them."""

from __future__ import annotations

from pathlib import Path

import docx

from desktop.core.document import Role
from desktop.core.ingest import read_bytes, read_document
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.office.rtf_headings import mark_headings
from desktop.core.structure.sections import summarized, top_level

FILES = Path(__file__).resolve().parents[2] / "files" / "documents"
CHAPTERS = (("Finances", "The library spent 1.2 million this year, most of it on the roof and the heating."),
            ("Staff", "Two librarians joined in March and the evening desk is now staffed until ten."),
            ("Buildings", "The reading room reopened in June with forty new desks."))


def _rtf(body: str, stylesheet: str = "") -> bytes:
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}}"
            f"{stylesheet}\n{body}}}").encode("ascii")


def _outline(doc):  # type: ignore[no-untyped-def]
    return [(b.role, b.level, b.text) for b in doc.blocks]


def test_a_libreoffice_rtf_has_the_headings_and_sections_of_the_word_file_it_came_from(tmp_path: Path) -> None:
    # annual-report-libreoffice.rtf is LibreOffice 7.4's RTF of this very document (PROVENANCE.md):
    # its styles are named "Heading 1", "Title"... with no outline level anywhere.
    report = docx.Document()
    report.add_heading("Annual report 2024", level=0)
    for chapter, text in CHAPTERS:
        report.add_heading(chapter, level=1)
        report.add_paragraph(text)
        if chapter == "Finances":
            report.add_heading("Costs", level=2)
            table = report.add_table(rows=2, cols=2)
            for cell, value in zip(table._cells, ("Work", "Cost", "Roof", "48,000")):
                cell.text = value
    report.save(tmp_path / "annual-report.docx")
    word = read_document(tmp_path / "annual-report.docx")
    rtf = read_document(FILES / "annual-report-libreoffice.rtf")
    assert _outline(rtf) == _outline(word)
    assert [(s.title, s.level, s.block) for s in rtf.sections] == [(s.title, s.level, s.block) for s in word.sections]
    assert [rtf.sections[i].title for i in top_level(rtf.sections)] == ["Finances", "Staff", "Buildings"]
    assert summarized(rtf) == summarized(word) != []  # three top-level sections: one summary each
    assert rtf.title == "Annual report 2024" and rtf.blocks[0].section is None  # the title is no section
    costs = next(b for b in rtf.blocks if b.role is Role.TABLE)
    assert costs.locator.section == "Costs" and rtf.sections[costs.section].title == "Finances"


def test_rtf_in_words_form_outline_levels_based_on_styles_and_names() -> None:
    doc = read_document(FILES / "annual-report-word.rtf")
    headings = [(b.level, b.text) for b in doc.blocks if b.role is Role.HEADING]
    assert headings == [
        (1, "Annual report 2024"),  # "Title"
        (1, "Finances"),  # \s1 "heading 1" with \outlinelevel0 on the paragraph
        (2, "Costs"),  # a style with another name and \outlinelevel1 in the style sheet only
        (1, "Staff"),  # "Chapter Heading": \sbasedon1, its outline level inherited
        (2, "Readers\u2019 desk"),  # "heading 2" by name alone
        (1, "Buildings")]
    assert [s.title for s in doc.sections if s.level == 1] == ["Finances", "Staff", "Buildings"]
    text = doc.text()
    assert "Running head" not in text and "Audited in April" not in text  # header and footnote stay out
    assert "\ue001" not in text and "\ue002" not in text  # no marker left behind
    assert doc.title == "Annual report 2024"
    last = doc.blocks[-1]
    assert (last.role, last.locator.section) == (Role.PARAGRAPH, "Buildings")
    assert next(b for b in doc.blocks if b.text.startswith("The desk answers")).role is Role.PARAGRAPH  # after \bin


def test_pandocs_rtf_marks_headings_by_outline_level_alone() -> None:
    doc = read_document(FILES / "reading-room-pandoc.rtf")
    assert [(b.level, b.text) for b in doc.blocks if b.role is Role.HEADING] == [
        (1, "Reading room"), (2, "Hours"), (1, "Summer quiz")]
    assert doc.blocks[3].locator.section == "Hours"


def test_edge_cases_of_paragraph_state() -> None:
    sheet = "{\\stylesheet{\\s0 Normal;}{\\s3\\sbasedon0 heading 3;}{\\*\\cs3 heading 1 Char;}}"
    # The last paragraph needs no \par; \pard resets the style; an escaped "\\par" is text.
    doc = read_bytes(_rtf("\\pard\\s3 First heading\\par\\pard Body with a \\\\par in it.\\par\\pard\\s3 Closing", sheet),
                     ReadContext(Path("e.rtf")))
    assert _outline(doc) == [(Role.HEADING, 3, "First heading"), (Role.PARAGRAPH, None, "Body with a \\par in it."),
                             (Role.HEADING, 3, "Closing")]
    # \outlinelevel9 is body text; a style number the style sheet does not hold is no heading.
    plain = read_bytes(_rtf("\\pard\\outlinelevel9 Body level.\\par\\pard\\s7 Unknown style.\\par"),
                       ReadContext(Path("p.rtf")))
    assert [b.role for b in plain.blocks] == [Role.PARAGRAPH, Role.PARAGRAPH]
    untouched = _rtf("\\pard Nothing to mark.\\par").decode("ascii")
    assert mark_headings(untouched) == untouched

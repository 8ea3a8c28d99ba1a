"""Text people see but readers used to miss: PDF form values, Word headers-only files, text boxes."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml

from desktop.core.document import Role
from desktop.core.errors import EmptyDocument
from desktop.core.ingest import read_bytes
from desktop.core.ingest.context import ReadContext
from tests.reliability.bombs import pdf as _pdf


def _read(data: bytes, name: str):
    return read_bytes(data, ReadContext(path=Path(name)))


def _filled_form(pages: int = 1) -> bytes:
    content = b"BT /F1 14 Tf 72 720 Td (Application for a library card) Tj 0 -30 Td (Full name:) Tj ET"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R 5 0 R 6 0 R 9 0 R] >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 7 0 R "
        b"/Resources << /Font << /F1 8 0 R >> >> /Annots [4 0 R 5 0 R 6 0 R 10 0 R] >>"),
        (b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /TU (Full name) /V (Alice Example) "
        b"/Rect [160 680 400 700] /P 3 0 R >>"),
        (b"<< /Type /Annot /Subtype /Widget /FT /Btn /T (agree) /TU (I agree to the terms) /V /Yes /AS /Yes "
        b"/Rect [72 600 90 618] /P 3 0 R >>"),
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (notes) /V () /Rect [72 500 400 520] /P 3 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /FT /Tx /T (city) /TU (City) /V (Springfield) /Kids [10 0 R] >>",
        b"<< /Type /Annot /Subtype /Widget /Parent 9 0 R /Rect [72 560 300 580] /P 3 0 R >>",
    ])


def test_filled_form_values_are_label_value_blocks_on_their_page() -> None:
    doc = _read(_filled_form(), "application.pdf")
    texts = [b.text for b in doc.blocks]
    assert "Full name: Alice Example" in texts
    assert "City: Springfield" in texts  # the value sits on the parent field, the widget on the page
    assert "I agree to the terms: yes" in texts
    assert not any(t.startswith("notes") for t in texts)  # an empty field is not text
    assert all(b.locator.page == 1 for b in doc.blocks)
    assert texts[0].startswith("Application for a library card")  # the page's own text first, then the values


def _docx(build) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_file_with_text_only_in_headers_and_footers_is_a_document() -> None:
    def build(document: docx.Document) -> None:
        section = document.sections[0]
        section.header.paragraphs[0].text = "Northwind Traders - Purchase order 4471"
        section.footer.paragraphs[0].text = "Deliver to dock 3 before Friday"

    doc = _read(_docx(build), "letterhead.docx")
    assert [b.text for b in doc.blocks] == ["Northwind Traders - Purchase order 4471", "Deliver to dock 3 before Friday"]
    assert all(b.role is Role.PARAGRAPH for b in doc.blocks)  # summarized, not set aside as margins
    assert any("only in its headers" in w for w in doc.warnings)


def test_blank_word_file_is_still_empty(corpus: Path) -> None:
    with pytest.raises(EmptyDocument):
        _read((corpus / "docx" / "blank-word-document.docx").read_bytes(), "blank.docx")


def test_text_boxes_are_read_in_document_order() -> None:
    box = ('<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
           'xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox><w:txbxContent>'
           '<w:p><w:r><w:t>Text in the box</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>')

    def build(document: docx.Document) -> None:
        document.add_paragraph("Before the box.")
        anchor = document.add_paragraph("The box is anchored here.")
        anchor._p.append(parse_xml(box))
        document.add_paragraph("After the box.")

    doc = _read(_docx(build), "boxes.docx")
    assert [b.text for b in doc.blocks] == ["Before the box.", "The box is anchored here.", "Text in the box",
                                            "After the box."]


def test_a_signature_field_is_not_read_as_a_typed_value(corpus: Path) -> None:
    """A signed PDF's signature field holds a dictionary as its value: it is no text a person typed."""
    pdf = corpus / "pdf" / "federal-register-2020-17221.pdf"
    assert pdf.is_file(), f"the shared corpus should hold {pdf.name}"
    doc = _read(pdf.read_bytes(), pdf.name)
    assert doc.blocks
    assert not [b.text[:60] for b in doc.blocks if "/Sig" in b.text or "/ByteRange" in b.text]

"""The PDF reader on real corpus files, and on small PDFs built for the cases the corpus lacks."""

from __future__ import annotations

import logging
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.document import DocKind, Role
from desktop.core.errors import (
    CorruptFile,
    DocumentError,
    EmptyDocument,
    LimitExceeded,
    NoTextLayer,
    PasswordRequired,
)
from desktop.core.ingest import OcrOptions, read_bytes, read_document
from desktop.core.ingest.context import ReadContext
from desktop.core.limits import Limits
from tests.core.ingest._pdf_factory import Page, flate_bomb, make_pdf, text_page


def _read(data: bytes, name: str = "made.pdf", **kw):
    return read_bytes(data, ReadContext(path=Path(name), **kw))


def _page_text(doc, page: int) -> str:
    return "\n".join(b.text for b in doc.blocks if b.locator.page == page)


# --- the corpus ------------------------------------------------------------------------------

def test_federal_register_pages_headers_and_footnotes(corpus: Path) -> None:
    doc = read_document(corpus / "pdf" / "federal-register-2020-17221.pdf")
    assert doc.kind is DocKind.PDF
    assert doc.metadata["page_count"] == 15
    assert doc.metadata["date"].startswith("2020-08-06")
    assert all(b.locator.page and 1 <= b.locator.page <= 15 for b in doc.blocks)
    assert "Lion Air Flight 610" in _page_text(doc, 1)
    assert "Ethiopian Airlines Flight 302" in _page_text(doc, 2)
    text = doc.text()
    # Running header with a changing page number, and the print-shop footer: gone everywhere.
    assert "Federal Register / Vol. 85, No. 152 / Thursday" not in text
    assert "VerDate" not in text and "DSKJLSW7X2PROD" not in text
    # Footnotes, written first in the content stream, follow the body text of their page.
    page2 = [b.text for b in doc.blocks if b.locator.page == 2]
    body = next(i for i, t in enumerate(page2) if "Hatta International Airport" in t)
    note = next(i for i, t in enumerate(page2) if t.startswith("1 Preliminary KNKT"))
    assert body < note
    assert "Accident Investigation Report, dated November 2018" in page2[note]


def test_multicolumn_reading_order_and_hyphens(corpus: Path) -> None:
    doc = read_document(corpus / "pdf" / "multicolumn.pdf")
    assert doc.title == "Two-Column Document with Lorem Ipsum"
    texts = [b.text for b in doc.blocks]
    assert any(t.startswith("Lorem ipsum dolor sit amet, consectetuer adipiscing elit.") for t in texts)  # "adip-/iscing"
    left = next(i for i, t in enumerate(texts) if t.startswith("Nulla malesuada porttitor diam"))
    right = next(i for i, t in enumerate(texts) if t.startswith("Quisque ullamcorper placerat ipsum"))
    assert left < right  # the left column is read before the right one
    assert "Table 1: EU Countries" in _page_text(doc, 3)
    assert doc.blocks[0].role is Role.HEADING


def test_chelsea_65_pages_is_fast_and_clean(corpus: Path) -> None:
    started = time.monotonic()
    doc = read_document(corpus / "pdf" / "chelsea_pdta.pdf")
    assert time.monotonic() - started < 15
    assert doc.metadata["page_count"] == 65
    # The template's stale metadata title is not trusted; the cover page's heading is.
    assert doc.title == "Plan directeur de transport actif de la municipalité de Chelsea"
    assert doc.metadata["author"] == "office-2007"
    running = [b for b in doc.blocks if b.text == "Plan directeur de transport actif de la municipalité de Chelsea"]
    assert len(running) <= 2  # only on the cover pages, not as a header on pages 5-25
    assert not any(b.text == "Rapport final_2021" for b in doc.blocks)
    headings = {b.text: b.locator.page for b in doc.blocks if b.role is Role.HEADING}
    assert headings.get("1. Mise en contexte") == 5
    items = [b for b in doc.blocks if b.role is Role.LIST_ITEM and b.locator.page == 6]
    assert items and items[0].text.startswith("• La Municipalité est en pleine croissance")


def test_scotus_margin_line_numbers_are_dropped(corpus: Path) -> None:
    doc = read_document(corpus / "pdf" / "scotus-transcript-p1.pdf")
    assert "MICHAEL A. KNOWLES" in doc.text()
    assert not any(b.text in {"1", "2", "3"} and i < 3 for i, b in enumerate(doc.blocks))
    assert "1\n2\n3" not in doc.text()
    assert doc.metadata["author"] == "Supreme"
    assert doc.title == "scotus-transcript-p1"  # the metadata title "10811.exe" is junk


def test_ocr_running_heads_with_moving_page_numbers(corpus: Path) -> None:
    doc = read_document(corpus / "pdf" / "Seige_of_Vicksburg_Sample_OCR.pdf")
    assert "THE SIEGE OF VICKSBURG. 49" not in doc.text()  # "49" after it here, "50" before it on page 2
    assert "52 THE SIEGE OF VICKSBURG." not in doc.text()
    assert any(b.text.startswith("JUNE 10TH.—The heat of the sun increases") for b in doc.blocks if b.locator.page == 1)


def test_metadata_title_with_indirect_objects(corpus: Path) -> None:
    doc = read_document(corpus / "pdf" / "cupertino_usd_4-6-16.pdf")
    assert doc.metadata["date"] == "2016-04-05T14:08:05Z"
    assert "Board of Education" in doc.text()


@pytest.mark.parametrize("name", ["r6-empty-password.pdf", "pr-138-example.pdf"])
def test_empty_user_password_opens(corpus: Path, name: str) -> None:
    doc = read_document(corpus / "pdf" / name)
    assert doc.metadata["encrypted"] is True
    assert doc.blocks


def test_owner_password_only_rate_sheet(corpus: Path) -> None:
    doc = read_document(corpus / "pdf" / "pr-138-example.pdf")
    assert doc.title == "Home Loan Interest Rates"
    assert "Home Loan" in doc.text()


@pytest.mark.parametrize(("name", "password"), [("r4-aes-user-password.pdf", "asdfzxcv"),
                                                 ("crazyones-encrypted-256.pdf", "password")])
def test_user_password(corpus: Path, name: str, password: str) -> None:
    with pytest.raises(PasswordRequired) as missing:
        read_document(corpus / "pdf" / name)
    assert not missing.value.wrong_password
    assert name in missing.value.message
    with pytest.raises(PasswordRequired) as wrong:
        read_document(corpus / "pdf" / name, password="not-it")
    assert wrong.value.wrong_password
    doc = read_document(corpus / "pdf" / name, password=password)
    assert doc.metadata["encrypted"] is True and doc.blocks


def test_crazy_ones_text(corpus: Path) -> None:
    doc = read_document(corpus / "pdf" / "crazyones-encrypted-256.pdf", password="password")
    assert doc.title == "The Crazy Ones"
    assert "We make tools for these kinds of people." in doc.text()


@pytest.mark.parametrize("name", ["grayscale-image.pdf", "issue-203-decimalize.pdf"])
def test_no_text_layer(corpus: Path, name: str) -> None:
    with pytest.raises(NoTextLayer) as err:  # with OCR on, tests/core/ingest/test_ocr_pdf.py reads them
        read_document(corpus / "pdf" / name, ocr=OcrOptions(mode="never"))
    assert name in err.value.message and err.value.message.count(".") <= 2


def test_broken_xref_recovers_with_warning(corpus: Path) -> None:
    doc = read_document(corpus / "pdf" / "issue-297-broken-xref.pdf")
    assert doc.text() == "test example"
    assert any("damaged" in w for w in doc.warnings)


def test_missing_page_tree_is_recovered_by_scanning(corpus: Path) -> None:
    doc = read_document(corpus / "pdf" / "unreadablemetadata.pdf")
    assert "Wirewound" in doc.text()
    assert "Rotary Potentiometer" in doc.text()
    assert any("recovered 3 pages" in w for w in doc.warnings)
    assert any("1 of the objects it refers to is missing" in w for w in doc.warnings)
    assert any("cannot be decoded" in w for w in doc.warnings)


def test_empty_file(corpus: Path) -> None:
    with pytest.raises(EmptyDocument):
        read_document(corpus / "pdf" / "empty.pdf")


def test_max_pages_is_checked_before_extracting(corpus: Path) -> None:
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as err:
        read_document(corpus / "pdf" / "chelsea_pdta.pdf", limits=Limits(max_pages=10))
    assert time.monotonic() - started < 2
    assert "65 pages" in err.value.message


def test_pypdf_warnings_do_not_reach_the_user(corpus: Path) -> None:
    """pypdf's robustness chatter stays off the application's (root) log handlers."""
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    root = logging.getLogger()
    handler, level = Keep(logging.WARNING), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        doc = read_document(corpus / "pdf" / "issue-297-broken-xref.pdf")
        read_document(corpus / "pdf" / "cupertino_usd_4-6-16.pdf")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert not [r for r in seen if r.name.startswith("pypdf")]
    assert doc.warnings  # the meaningful part became a warning on the document


def test_pdf_named_docx_is_read_as_pdf(corpus: Path) -> None:
    doc = _read((corpus / "pdf" / "multicolumn.pdf").read_bytes(), "report.docx")
    assert doc.kind is DocKind.PDF and doc.metadata["page_count"] == 3


def test_jpeg_named_pdf_is_read_as_an_image() -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(range(256)) * 4
    with pytest.raises(CorruptFile) as err:  # an image, by its content; this one's pixel data is junk
        _read(jpeg, "scan.pdf")
    assert "image" in err.value.message


# --- built PDFs ------------------------------------------------------------------------------

_TOPICS = ["sales", "hiring", "logistics", "safety", "training", "audits"]


def _report(pages: int = 4) -> bytes:
    out = []
    for n in range(1, pages + 1):
        topic = _TOPICS[n - 1]
        body = [f"This part covers {topic} and describes the docu-", f"ment review of {topic}, a well-known",
                "process that is well-", f"known to all readers of the {topic} pages.", "",
                f"Results for {topic} were in line with the plan."]
        page = text_page(["ACME Corp Quarterly Report 2024"] + [""] * 2 + body, top=760)
        page.runs.append((280, 40, 9, f"Page {n} of {pages}"))
        out.append(page)
    return make_pdf(out, info={"Title": "Quarterly Report", "Author": "Jane Roe",
                               "CreationDate": "D:20240301120000+01'00'"})


def test_running_headers_footers_and_hyphens() -> None:
    doc = _read(_report())
    text = doc.text()
    assert "ACME Corp Quarterly Report" not in text and "Page 2 of 4" not in text
    assert "describes the document review of sales" in text
    assert "well-known process that is well-known to all" in text  # a compound seen elsewhere keeps its hyphen
    assert [b.locator.page for b in doc.blocks if b.text.startswith("Results for")] == [1, 2, 3, 4]
    assert doc.title == "Quarterly Report"
    assert doc.metadata["author"] == "Jane Roe"
    assert doc.metadata["date"] == "2024-03-01T12:00:00+01:00"


def test_two_pages_keep_their_repeated_lines() -> None:
    doc = _read(_report(pages=2))  # too few pages to call anything a running header
    assert "ACME Corp Quarterly Report" in doc.text()


def test_title_falls_back_to_first_heading_then_filename() -> None:
    page = Page([(72, 720, 24, "Annual Safety Review"), (72, 680, 11, "The review covers all sites."),
                 (72, 666, 11, "Every site was visited twice.")])
    assert _read(make_pdf([page]), "x.pdf").title == "Annual Safety Review"
    assert _read(make_pdf([text_page(["Just one plain line of text."])]), "notes-2024.pdf").title == "notes-2024"


def test_partly_scanned_pdf_warns_about_image_pages() -> None:
    pages = [text_page(["A typed cover letter."]), Page(image=True), text_page(["The typed last page."]), Page(image=True)]
    doc = _read(make_pdf(pages), ocr=OcrOptions(mode="never"))
    assert [b.locator.page for b in doc.blocks] == [1, 3]
    assert any("pages 2, 4" in w for w in doc.warnings)


def test_only_images_is_no_text_layer() -> None:
    with pytest.raises(NoTextLayer):
        _read(make_pdf([Page(image=True), Page(image=True)]), ocr=OcrOptions(mode="never"))


def test_junk_before_header_is_tolerated() -> None:
    doc = _read(b"\x00\x01garbage from a mail gateway\n" + make_pdf([text_page(["Still readable."])]))
    assert doc.text() == "Still readable."


def test_max_chars_truncates_with_warning() -> None:
    pages = [text_page([f"Paragraph on page {n} with some words in it."]) for n in range(1, 6)]
    doc = _read(make_pdf(pages), limits=Limits(max_chars=100))
    assert sum(len(b.text) for b in doc.blocks) <= 100
    assert any("characters" in w for w in doc.warnings)


def test_decompression_bomb_page_is_skipped_within_memory() -> None:
    bomb = Page(raw=flate_bomb(300), compressed=True)
    data = make_pdf([text_page(["An honest first page."]), bomb])
    assert len(data) < 2 * 2**20
    tracemalloc.start()
    try:
        doc = _read(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 400 * 2**20
    assert doc.text() == "An honest first page."
    assert any("Page 2" in w and "safe" in w for w in doc.warnings)


def test_a_bomb_alone_is_limit_exceeded() -> None:
    with pytest.raises(LimitExceeded):
        _read(make_pdf([Page(raw=flate_bomb(100), compressed=True)]))


def test_page_count_lie_does_not_matter() -> None:
    data = make_pdf([text_page(["One real page."])]).replace(b"/Count 1", b"/Count 9999999")
    with pytest.raises(LimitExceeded):
        _read(data)


def test_garbage_after_header_is_corrupt() -> None:
    with pytest.raises(CorruptFile):
        _read(b"%PDF-1.7\n" + bytes(range(256)) * 20)


# --- hostile input ---------------------------------------------------------------------------

_SMALL = ["multicolumn.pdf", "google-doc-document.pdf", "issue-297-broken-xref.pdf", "r6-empty-password.pdf",
          "scotus-transcript-p1.pdf"]


def _only_typed_errors(data: bytes) -> None:
    started = time.monotonic()
    try:
        _read(data, "fuzz.pdf")
    except DocumentError:
        pass
    assert time.monotonic() - started < 10


@pytest.fixture(scope="module")
def small_pdfs(corpus: Path) -> list[bytes]:
    return [(corpus / "pdf" / name).read_bytes() for name in _SMALL]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, len(_SMALL) - 1), cut=st.floats(0.0, 1.0))
def test_truncated_corpus_pdfs(small_pdfs: list[bytes], which: int, cut: float) -> None:
    data = small_pdfs[which]
    _only_typed_errors(data[: max(9, int(len(data) * cut))])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, len(_SMALL) - 1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)),
                                                              min_size=1, max_size=20))
def test_byte_flipped_corpus_pdfs(small_pdfs: list[bytes], which: int, flips: list[tuple[float, int]]) -> None:
    data = bytearray(small_pdfs[which])
    for where, value in flips:
        data[max(8, min(len(data) - 1, int(where * len(data))))] = value  # the header stays, so it is still a PDF
    _only_typed_errors(bytes(data))


@settings(max_examples=40, deadline=None)
@given(body=st.binary(max_size=4096))
def test_random_bytes_after_pdf_header(body: bytes) -> None:
    _only_typed_errors(b"%PDF-1.4\n" + body)

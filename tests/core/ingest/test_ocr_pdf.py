"""Scanned and mixed PDFs: the per-page OCR decision, page locators, cache, progress and Cancel."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from desktop.cli import main
from desktop.core.errors import Cancelled, EmptyDocument, NoTextLayer
from desktop.core.events import CancelToken, Progress
from desktop.core.ingest import OcrOptions, read_bytes, read_document
from desktop.core.ingest.context import ReadContext
from tests.core.ingest._scans import image_pdf, recall, render, true_words

GDOC = "pdf/google-doc-document.pdf"
SCOTUS = "pdf/scotus-transcript-p1.pdf"


def _read(data: bytes, name: str = "scan.pdf", **kw):
    return read_bytes(data, ReadContext(path=Path(name), **kw))


@pytest.fixture(scope="module")
def scan(corpus: Path) -> bytes:
    """A two-page image-only PDF: scanned copies of two corpus pages at 200 dpi."""
    return image_pdf([render(corpus / GDOC, 0), render(corpus / SCOTUS, 0)])


def test_scanned_pdf_is_read_page_by_page_then_from_the_cache(corpus: Path, scan: bytes) -> None:
    events: list[Progress] = []
    doc = _read(scan, on_event=lambda e: events.append(e) if isinstance(e, Progress) else None)
    assert sorted({b.locator.page for b in doc.blocks}) == [1, 2] and all(b.ocr for b in doc.blocks)
    for number, source in ((1, GDOC), (2, SCOTUS)):
        page = " ".join(b.text for b in doc.blocks if b.locator.page == number)
        assert recall(true_words(corpus / source, 0), page) >= 0.9, number
    assert doc.metadata["ocr_pages"] == [1, 2] and doc.metadata["ocr_cached_pages"] == 0
    stages = [e.stage for e in events]
    assert "recognizing page 1 of 2" in stages and "recognizing page 2 of 2" in stages

    again: list[Progress] = []
    started = time.monotonic()
    cached = _read(scan, on_event=lambda e: again.append(e) if isinstance(e, Progress) else None)
    assert time.monotonic() - started < 1.0
    assert not any(e.stage.startswith("recognizing page") for e in again)  # nothing recognized twice
    assert [b.to_dict() for b in cached.blocks] == [b.to_dict() for b in doc.blocks]
    assert cached.metadata["ocr_cached_pages"] == 2

    # The same pages in a file whose bytes differ (saved again, with an update appended): the
    # pages are rendered, found by their pixels, and not recognized again.
    resaved = _read(scan + b"\n% saved again by a viewer\n", "copy.pdf")
    assert resaved.metadata["ocr_cached_pages"] == 2 and resaved.text() == doc.text()


def test_mixed_pdf_keeps_text_pages_and_recognizes_the_scanned_one(corpus: Path) -> None:
    writer = PdfWriter()
    writer.append(PdfReader(corpus / SCOTUS))  # a born-digital page with a real text layer
    writer.append(PdfReader(io.BytesIO(image_pdf([render(corpus / GDOC, 0, crop=0.3)]))))
    out = io.BytesIO()
    writer.write(out)
    doc = _read(out.getvalue(), "mixed.pdf")
    assert {b.locator.page for b in doc.blocks if not b.ocr} == {1}
    assert {b.locator.page for b in doc.blocks if b.ocr} == {2}
    assert doc.metadata["ocr_pages"] == [2]
    assert "Example document" in " ".join(b.text for b in doc.blocks if b.ocr)


def test_text_pdfs_of_the_corpus_are_not_recognized(corpus: Path) -> None:
    """The per-page threshold: sparse diagram pages and an invisible OCR layer over a scan keep their text."""
    for name in ("GeoBase_NHNC1_Data_Model_UML_EN.pdf", "Seige_of_Vicksburg_Sample_OCR.pdf", "multicolumn.pdf"):
        doc = read_document(corpus / "pdf" / name)
        assert "ocr_pages" not in doc.metadata and not any(b.ocr for b in doc.blocks), name


def test_cancel_stops_recognition_within_a_second(corpus: Path) -> None:
    page = render(corpus / SCOTUS, 0, crop=0.5)
    data = image_pdf([page] * 5)
    cancel = CancelToken()
    cancelled_at: list[float] = []

    def on_event(event: object) -> None:
        if isinstance(event, Progress) and event.stage == "recognizing page 2 of 5":
            cancel.cancel()
            cancelled_at.append(time.monotonic())

    with pytest.raises(Cancelled):
        _read(data, on_event=on_event, cancel=cancel, ocr=OcrOptions(workers=1, use_cache=False))
    assert time.monotonic() - cancelled_at[0] < 1.0


def test_ocr_modes(corpus: Path, scan: bytes) -> None:
    with pytest.raises(NoTextLayer) as err:
        _read(scan, ocr=OcrOptions(mode="never"))
    assert "OCR turned off" in err.value.message
    doc = read_document(corpus / SCOTUS, ocr=OcrOptions(mode="always"))
    assert doc.blocks and all(b.ocr for b in doc.blocks)
    assert recall(true_words(corpus / SCOTUS, 0), doc.text()) >= 0.9


def test_encrypted_image_only_pdf(corpus: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(image_pdf([render(corpus / GDOC, 0, crop=0.15)]))))
    writer.encrypt(user_password="letmein", owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    doc = _read(out.getvalue(), "locked-scan.pdf", password="letmein")
    assert "Example document" in doc.text() and doc.metadata["encrypted"] is True


def test_blank_scanned_page_is_a_warning_and_the_rest_goes_on(corpus: Path) -> None:
    from PIL import Image

    data = image_pdf([render(corpus / GDOC, 0, crop=0.15), Image.new("L", (1700, 2200), 255)])
    doc = _read(data)
    assert {b.locator.page for b in doc.blocks} == {1}
    assert any("Page 2 of scan.pdf has no readable text" in w for w in doc.warnings)
    with pytest.raises(EmptyDocument):
        _read(image_pdf([Image.new("L", (1700, 2200), 255)]), "blank.pdf")


def test_cli_extract_prints_recognized_text_with_page_locators(tmp_path: Path, scan: bytes,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(scan)
    assert main(["extract", str(path)]) == 0
    out = capsys.readouterr().out
    assert "[p. 1] (paragraph, ocr) Example document" in out and "[p. 2] (paragraph, ocr)" in out
    assert main(["extract", str(path), "--ocr", "never"]) == 1
    assert "OCR turned off" in capsys.readouterr().err
    assert main(["summarize", str(path), "--engine", "extractive", "--ocr", "never", "--format", "json"]) == 1
    assert '"error": "NoTextLayer"' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["extract", str(path), "--ocr-lang", "eng;fra"])


def test_page_and_time_limits_are_warnings(corpus: Path) -> None:
    from desktop.core.limits import Limits

    top = render(corpus / GDOC, 0, crop=0.15)
    doc = _read(image_pdf([top, top, top]), limits=Limits(max_ocr_pages=2))
    assert {b.locator.page for b in doc.blocks} == {1, 2}
    assert any("at most 2 scanned pages" in w and "after page 2" in w for w in doc.warnings)
    with pytest.raises(EmptyDocument) as err:
        _read(image_pdf([render(corpus / SCOTUS, 0)]), "slow.pdf", limits=Limits(ocr_page_seconds=0.001))
    assert "took longer than 0.001 s to recognize" in err.value.message


def test_fax_pdf_with_ccitt_group4_image(corpus: Path) -> None:
    """Pillow writes a 1-bit page as a CCITT group 4 stream, as fax software does; PDFium decodes it."""
    out = io.BytesIO()
    render(corpus / GDOC, 0, crop=0.15).convert("1").save(out, "PDF", resolution=200)
    assert b"CCITTFaxDecode" in out.getvalue()
    doc = _read(out.getvalue(), "fax.pdf")
    assert "Example document" in doc.text() and doc.metadata["ocr_pages"] == [1]


def test_a_stamp_over_a_scanned_page_does_not_hide_the_scan(corpus: Path) -> None:
    """A thin text layer (a scanner app's stamp) over a full-page image: the page is recognized."""
    from tests.core.ingest._pdf_factory import make_pdf, text_page

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(image_pdf([render(corpus / GDOC, 0, crop=0.2)]))))
    stamp = PdfReader(io.BytesIO(make_pdf([text_page(["Scanned with PhoneScan"], top=12, size=6)])))
    writer.pages[0].merge_page(stamp.pages[0])
    out = io.BytesIO()
    writer.write(out)
    doc = _read(out.getvalue(), "stamped.pdf")
    assert doc.metadata["ocr_pages"] == [1]
    assert "Example document" in doc.text()


def test_an_image_bomb_page_is_refused_before_pdfium_decodes_it() -> None:
    """A 9000 x 9000 image in a PDF of 80 KB: PDFium would decode all 81 million pixels to draw it."""
    import zlib

    from desktop.core.errors import LimitExceeded

    image = zlib.compress(bytes(9000 * 9000), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /XObject << /Im1 5 0 R >> >> >>"),
        b"<< /Length 30 >>\nstream\nq 612 0 0 792 0 0 cm /Im1 Do Q\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 9000 /Height 9000 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(image) + image + b"\nendstream",
    ]
    data = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    data += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as err:
        _read(bytes(data), "bomb.pdf")
    assert time.monotonic() - started < 5
    assert "9,000 x 9,000 pixels" in err.value.message

"""Page images read by OCR: scanned copies of corpus pages, every image format, and bad images."""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from desktop.core.document import DocKind
from desktop.core.errors import CorruptFile, EmptyDocument, LimitExceeded, NoTextLayer
from desktop.core.ingest import OcrOptions, read_bytes
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.detect import Format, sniff
from desktop.core.ingest.ocr import tesseract
from tests.core.ingest._scans import image_bytes, recall, render, true_words

GDOC = "pdf/google-doc-document.pdf"
SCOTUS = "pdf/scotus-transcript-p1.pdf"


def _read(data: bytes, name: str = "scan.png", **kw):
    return read_bytes(data, ReadContext(path=Path(name), **kw))


def test_the_engine_and_its_english_model_are_installed() -> None:
    assert tesseract.engine_available()
    assert "eng" in tesseract.installed_languages()


def test_png_scan_of_a_corpus_page_reads_its_words(corpus: Path) -> None:
    png = image_bytes(render(corpus / GDOC, 0), "PNG")
    doc = _read(png)
    assert doc.kind is DocKind.IMAGE
    assert recall(true_words(corpus / GDOC, 0), doc.text()) >= 0.9
    assert {b.locator.page for b in doc.blocks} == {1} and all(b.ocr for b in doc.blocks)
    assert doc.to_dict()["blocks"][0]["ocr"] is True
    assert doc.metadata["ocr_confidence"] > 70 and not doc.warnings


def test_multipage_fax_tiff_is_pages(corpus: Path) -> None:
    """CCITT group 4 (fax) compression, one page per frame, page locators 1..N."""
    pages = [render(corpus / SCOTUS, 0, crop=0.45).convert("1"), render(corpus / GDOC, 0, crop=0.35).convert("1")]
    tiff = image_bytes(pages[0], "TIFF", save_all=True, append_images=pages[1:], compression="group4")
    doc = _read(tiff, "fax.tif")
    assert doc.metadata["page_count"] == 2
    assert sorted({b.locator.page for b in doc.blocks}) == [1, 2]
    page2 = " ".join(b.text for b in doc.blocks if b.locator.page == 2)
    assert "Example document" in page2


@pytest.mark.parametrize("fmt", ["JPEG", "BMP", "WEBP", "GIF"])
def test_every_image_format_is_sniffed_and_read(corpus: Path, fmt: str) -> None:
    image = render(corpus / GDOC, 0, crop=0.12)  # the title and the first lines
    data = image_bytes(image.convert("RGB") if fmt == "JPEG" else image, fmt)
    assert sniff(data, ReadContext(Path("x.bin"))) is Format.IMAGE
    assert "Example document" in _read(data, f"scan.{fmt.lower()}").text()


def test_text_starting_with_bm_is_not_a_bitmap() -> None:
    assert sniff(b"BM: the board meeting notes\nAlice: hello\n", ReadContext(Path("notes.txt"))) is not Format.IMAGE


def test_a_huge_image_is_refused_before_it_is_decoded() -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00" * 30001)) + chunk(b"IEND", b""))
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as err:
        _read(png, "poster.png")
    assert time.monotonic() - started < 1.0
    assert "900 million pixels" in err.value.message and "64 million" in err.value.message
    tall = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 10000, 8000, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 10001)) + chunk(b"IEND", b""))
    with pytest.raises(LimitExceeded) as under_pillows:  # under Pillow's own bomb limit, over ours
        _read(tall, "tall.png")
    assert "10,000 x 8,000 pixels" in under_pillows.value.message


def test_bad_images_give_one_sentence(corpus: Path) -> None:
    png = image_bytes(render(corpus / GDOC, 0, crop=0.2), "PNG")
    with pytest.raises(CorruptFile) as err:
        _read(png[: len(png) // 2], "cut.png")
    assert "damaged" in err.value.message
    with pytest.raises(EmptyDocument):
        _read(b"", "zero.png")
    with pytest.raises(EmptyDocument):
        _read(image_bytes(Image.new("L", (1, 1), 0), "PNG"), "dot.png")
    with pytest.raises(EmptyDocument) as blank:
        _read(image_bytes(Image.new("L", (1700, 2200), 255), "PNG"), "blank.png")
    assert "no readable text" in blank.value.message


def test_ocr_never_leaves_an_image_unread(corpus: Path) -> None:
    png = image_bytes(render(corpus / GDOC, 0, crop=0.1), "PNG")
    with pytest.raises(NoTextLayer) as err:
        _read(png, ocr=OcrOptions(mode="never"))
    assert "OCR is turned off" in err.value.message


def test_a_script_no_installed_model_reads_names_the_pack(corpus: Path) -> None:
    """A real scanned Chinese decision (corpus): one sentence naming the pack, not garbage Latin text."""
    png = image_bytes(render(corpus / "pdf/issue-203-decimalize.pdf", 0, dpi=150), "PNG")
    with pytest.raises(EmptyDocument) as err:
        _read(png, "decision.png")
    assert "Han script" in err.value.message and "chi_sim" in err.value.message


def test_a_language_not_installed_is_one_sentence(corpus: Path) -> None:
    png = image_bytes(render(corpus / GDOC, 0, crop=0.1), "PNG")
    with pytest.raises(NoTextLayer) as err:
        _read(png, ocr=OcrOptions(lang="eng+zzz"))
    assert "zzz is not installed" in err.value.message
    with pytest.raises(ValueError):
        OcrOptions(lang="eng; rm -rf /")


def test_a_blurred_page_is_flagged_as_uncertain(corpus: Path) -> None:
    from PIL import ImageFilter

    blurred = render(corpus / GDOC, 0, crop=0.3).filter(ImageFilter.GaussianBlur(3.5))
    doc = _read(image_bytes(blurred, "PNG"), "photo.png")
    assert doc.metadata["ocr_confidence"] < 70
    assert any("uncertain (low OCR confidence)" in w for w in doc.warnings)


def test_a_phone_photo_is_turned_upright_by_its_exif_orientation(corpus: Path) -> None:
    upright = render(corpus / GDOC, 0, crop=0.12).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view", as a phone held sideways writes it
    photo = image_bytes(upright.rotate(90, expand=True), "JPEG", exif=exif.tobytes())
    assert "Example document" in _read(photo, "IMG_0412.jpg").text()

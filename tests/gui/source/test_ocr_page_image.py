"""The page image beside recognized text: a citation into a scanned page shows that page's picture
(rendered off the GUI thread, fitted to the pane, cached), a born-digital page shows a note, and
a born-digital document gets no pane at all."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.digest import Source
from desktop.core.document import DocKind, Document, Locator
from desktop.core.errors import LimitExceeded
from desktop.core.ingest import read_document
from desktop.core.limits import Limits
from desktop.gui.source.page_render import DPI, render_page
from desktop.gui.source.source_view import SourceView
from tests.core.ingest._scans import image_bytes, image_pdf, render
from tests.gui._jobs import LoopWatch
from tests.gui._window import OFFSCREEN_NOISE

pytestmark = OFFSCREEN_NOISE


@pytest.fixture(scope="module")
def mixed_scan(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Document]:
    """Page 1 born-digital (a corpus page with its text layer), pages 2 and 3 scanned (two other
    corpus pages rendered to images, tops only, so OCR stays quick), read the way a job reads it."""
    scans = image_pdf([render(corpus / "pdf" / "google-doc-document.pdf", 0, crop=0.4),
                       render(corpus / "pdf" / "scotus-transcript-p1.pdf", 0, crop=0.25)])
    writer = PdfWriter()
    writer.add_page(PdfReader(corpus / "pdf" / "multicolumn.pdf").pages[0])
    for page in PdfReader(io.BytesIO(scans)).pages:
        writer.add_page(page)
    path = tmp_path_factory.mktemp("scan") / "mixed-scan.pdf"
    with path.open("wb") as out:
        writer.write(out)
    document = read_document(path)
    assert {b.locator.page for b in document.blocks if b.ocr} == {2, 3}
    assert {b.locator.page for b in document.blocks if not b.ocr} == {1}
    return path, document


def cite(document: Document, page: int) -> Source:
    block = next(b for b in document.blocks if b.locator.page == page)
    return Source(str(document.path), Locator(page=page), document.path.name, block.text[:60])


def expected_size(path: Path, page: int) -> tuple[int, int]:
    pdf = pdfium.PdfDocument(path)
    try:
        width, height = pdf[page - 1].get_size()
    finally:
        pdf.close()
    return int(width * DPI / 72), int(height * DPI / 72)


def test_a_citation_into_a_scanned_page_shows_that_page(mixed_scan: tuple[Path, Document], qtbot: QtBot) -> None:
    path, document = mixed_scan
    view = SourceView()
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    pane = view.page_image
    watch = LoopWatch()
    watch.start()
    with qtbot.waitSignal(pane.page_shown, timeout=20_000) as first:
        view.set_documents([document])
    assert first.args == [2]  # the document's first recognized page, before any citation
    assert pane.isVisible() and pane.toggle_button.isVisible()

    with qtbot.waitSignal(pane.page_shown, timeout=20_000) as shown:
        assert view.show_source(cite(document, 3))
    assert shown.args == [3] and pane.page == 3

    assert view.show_source(cite(document, 1))  # born-digital: a note, no picture
    assert pane.page is None and pane.displayed_size() == (0, 0)
    assert "own text layer" in pane.picture.text()

    assert view.show_source(cite(document, 2))  # rendered before: straight from the cache
    assert pane.page == 2 and not pane.rendering
    qtbot.wait(150)
    watch.stop()
    watch.assert_responsive()  # pages rendered on a pool thread, never the GUI thread

    image = pane.image
    assert image is not None
    width, height = expected_size(path, 2)
    assert abs(image.width() - width) <= 1 and abs(image.height() - height) <= 1  # page 2 at 150 dpi
    assert abs(image.height() - expected_size(path, 3)[1]) > 50  # pages 2 and 3 differ: the right one is shown
    dark = sum(1 for y in range(0, image.height(), 4) for x in range(0, image.width(), 4)
               if image.pixelColor(x, y).value() < 128)
    assert dark > 200  # real page content (text), not a blank picture
    assert "p. 2" in pane.caption.text()
    shown_w, shown_h = pane.displayed_size()
    assert 0 < shown_w <= pane.scroll.viewport().width()
    assert abs(shown_h / shown_w - image.height() / image.width()) < 0.02  # scaled, not stretched

    # Resizing the pane refits the picture; folding it away hides it and keeps the button.
    sizes = view.body.sizes()
    view.body.setSizes([sizes[0] + sizes[1] - 200, 200])
    qtbot.waitUntil(lambda: 0 < pane.displayed_size()[0] <= pane.scroll.viewport().width() < shown_w)
    # A click on the page shows it at full resolution (scrolling both ways); another fits it again.
    qtbot.mouseClick(pane.picture, Qt.MouseButton.LeftButton)
    assert pane.actual_size and pane.displayed_size()[0] == round(image.width() / pane.devicePixelRatioF())
    bar = pane.scroll.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and abs(bar.value() - bar.maximum() / 2) < 20)  # on the point clicked
    qtbot.mouseClick(pane.picture, Qt.MouseButton.LeftButton)
    assert not pane.actual_size
    qtbot.waitUntil(lambda: 0 < pane.displayed_size()[0] <= pane.scroll.viewport().width())
    pane.toggle_button.setChecked(False)
    assert not pane.isVisible() and pane.toggle_button.isVisible()
    pane.toggle_button.setChecked(True)
    assert pane.isVisible()


def test_scrolling_the_text_follows_to_the_scanned_page(mixed_scan: tuple[Path, Document], qtbot: QtBot) -> None:
    _, document = mixed_scan
    view = SourceView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitSignal(view.page_image.page_shown, timeout=20_000):
        view.set_documents([document])
    last = max(i for i, b in enumerate(document.blocks) if b.locator.page == 3)
    with qtbot.waitSignal(view.page_image.page_shown, timeout=20_000) as shown:
        view.text.verticalScrollBar().setValue(view.text.verticalScrollBar().maximum())
    assert shown.args == [3], last


def in_sight(view: SourceView, index: int) -> bool:
    text = view.text
    block = text.document().findBlockByNumber(index)
    top = text.document().documentLayout().blockBoundingRect(block).top() - text.verticalScrollBar().value()
    return 0 <= top < text.viewport().height()


def test_a_born_digital_document_gets_no_page_pane(corpus: Path, mixed_scan: tuple[Path, Document],
                                                   qtbot: QtBot) -> None:
    digital = read_document(corpus / "pdf" / "multicolumn.pdf")
    assert not any(b.ocr for b in digital.blocks)
    _, scan = mixed_scan
    view = SourceView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_documents([digital, scan])
    assert view.show_source(cite(digital, 1))
    qtbot.wait(50)
    assert not view.page_image.isVisible() and not view.page_image.toggle_button.isVisible()
    assert view.page_image.image is None and not view.page_image.rendering

    # A citation that opens the scan brings the pane in the same turn: the passage stays in sight
    # (the text is narrowed before it scrolls, not after); and back to the born-digital file.
    for document, page, pane in ((scan, 3, True), (digital, 1, False), (scan, 2, True)):
        assert view.show_source(cite(document, page))
        target = view.text.marked_blocks[0]
        qtbot.wait(100)
        assert view.page_image.isVisible() == pane and in_sight(view, target), (page, target)
        if pane:
            qtbot.waitUntil(lambda p=page: view.page_image.page == p, timeout=20_000)  # type: ignore[misc]
            assert view.page_image.width() > 300  # half the source view, not a sliver


def test_an_image_file_shows_the_cited_frame(corpus: Path, tmp_path: Path, qtbot: QtBot) -> None:
    """A two-page TIFF (a fax): page 2 is its second frame, rendered by Pillow."""
    frames = [render(corpus / "pdf" / "google-doc-document.pdf", 0, crop=0.4),
              render(corpus / "pdf" / "scotus-transcript-p1.pdf", 0, crop=0.25)]
    tiff = tmp_path / "fax.tiff"
    tiff.write_bytes(image_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:]))
    document = read_document(tiff)
    assert document.kind == DocKind.IMAGE and {b.locator.page for b in document.blocks} == {1, 2}
    view = SourceView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_documents([document])
    with qtbot.waitSignal(view.page_image.page_shown, timeout=20_000, check_params_cb=lambda p: p == 2):
        assert view.show_source(cite(document, 2))
    image = view.page_image.image
    assert image is not None and (image.width(), image.height()) == frames[1].size


def test_page_pictures_keep_to_the_pixel_limit(corpus: Path, tmp_path: Path) -> None:
    small = Limits(max_image_pixels=300_000)
    page = render_page(corpus / "pdf" / "scotus-transcript-p1.pdf", DocKind.PDF, 1, small)
    assert 0 < page.width() * page.height() <= 300_000  # drawn smaller, not refused
    big = tmp_path / "big.png"
    big.write_bytes(image_bytes(Image.new("L", (800, 800), 255), "PNG"))
    with pytest.raises(LimitExceeded, match="million pixels"):
        render_page(big, DocKind.IMAGE, 1, small)

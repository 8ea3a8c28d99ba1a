"""A page with a few words on a drawing is not refused as a script the installed models cannot
read unless the recognized characters say so: the corpus's UML diagram, rendered and cropped to
its drawings, is read; Cyrillic text rendered as an image is still refused with the pack named."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from desktop.core.errors import EmptyDocument
from desktop.core.ingest import read_bytes
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.ocr import tesseract
from tests.core.ingest._scans import image_bytes, render

UML = "pdf/GeoBase_NHNC1_Data_Model_UML_EN.pdf"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # fonts-dejavu-core, in .ci/run's packages
#: Crops of the diagram pages (page index, left, top, right, bottom as shares of the page) that
#: Tesseract's script detector took for Cyrillic or Arabic before the recognized words were asked.
DIAGRAMS = [(8, 0.0, 0.3, 1.0, 0.7), (8, 0.0, 0.5, 0.5, 0.9), (15, 0.0, 0.5, 0.5, 0.9)]


@pytest.mark.parametrize(("index", "left", "top", "right", "bottom"), DIAGRAMS)
def test_labels_on_a_diagram_are_read_not_refused(corpus: Path, index: int, left: float, top: float, right: float,
                                                  bottom: float) -> None:
    page = render(corpus / UML, index)
    crop = page.crop((int(left * page.width), int(top * page.height), int(right * page.width), int(bottom * page.height)))
    doc = read_bytes(image_bytes(crop, "PNG"), ReadContext(Path("diagram.png")))
    words = doc.text()
    assert any(label in words for label in ("Hydro", "Named", "Feature", "geometry", "Hydrographic"))
    assert not any("script" in w for w in doc.warnings)


def _rendered(lines: list[str], size: int = 36) -> bytes:
    font = ImageFont.truetype(str(FONT), size)
    image = Image.new("L", (1700, 120 + 60 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for k, line in enumerate(lines):
        draw.text((100, 60 + k * 60), line, font=font, fill=0)
    return image_bytes(image, "PNG")


@pytest.mark.skipif(not FONT.is_file(), reason="DejaVu Sans is not installed (Debian: fonts-dejavu-core)")
def test_cyrillic_text_is_still_refused_with_the_pack_named() -> None:
    """Tolstoy's first lines: read with the English model they are letter salad, so the script
    detector's Cyrillic stands."""
    png = _rendered(["Все счастливые семьи похожи друг на друга,", "каждая несчастливая семья несчастлива по-своему.",
                     "Все смешалось в доме Облонских. Жена узнала,", "что муж был в связи с бывшею в их доме",
                     "француженкою-гувернанткой, и объявила мужу,", "что не может жить с ним в одном доме."])
    with pytest.raises(EmptyDocument) as err:
        read_bytes(png, ReadContext(Path("letter.png")))
    assert "Cyrillic script" in err.value.message and "'rus'" in err.value.message


def test_the_words_decide_only_when_they_are_a_major_latin_script_language() -> None:
    latin = frozenset({"en", "fr", "de", "es", "it", "pt", "nl"})
    labels = ["Global LRS Model - Logical View", "+ HydroJunction", "+ NamedPolygonFeature", "geometry: GB_Surface",
              "Hydrographic ObstacleEntity", "(from Network Abstract Model)"]
    assert tesseract.reads_as_latin(labels, latin)
    misread = ["BocTouHoe KpbINO | <> | aN Topogckaa 6u6nnoTeKka / ~ Bok3aybHaa ynuua Conta"]  # Russian map labels
    assert not tesseract.reads_as_latin(misread, latin)
    assert not tesseract.reads_as_latin(["Bce cyacTMBble CEMbU NOxXOmKU AZpyr Ha Apyra"], latin)
    assert not tesseract.reads_as_latin(["Hydro"], latin)  # too few letters to tell


def test_letter_salad_taken_for_english_is_not_enough(corpus: Path) -> None:
    """A damaged copy of the corpus's Chinese scan (a fuzz case): read with the English model, its
    second page's letter salad is identified as English (0.53), but Tesseract is not sure of it
    (confidence 43), so the page is still refused as Han script rather than read as garbage."""
    import pypdfium2 as pdfium

    from tests.reliability.mutations import rebuild
    from tests.reliability.runner import cases_for

    salad = [("wlgarfmerem rae orabr berr peay ait hobgrtr sram fer fre alee thea ehs ile hil oro hrt cea leake lhales "
             "cmh arras dks lalme lar rba pmn efhrarrkr cme kedrarrer ratukbat rie cpear ergy rake oped rrma rata baa "
             "hmzal banwyaarmarprazar cphearkmoakrt pot bother csw tee ete ott aral rey frat arras potkalzmar")]
    assert tesseract.reads_as_latin(salad, frozenset({"en"}))  # what that page reads as: "English"
    data = (corpus / "pdf/issue-203-decimalize.pdf").read_bytes()
    damaged = rebuild(data, "issue-203-decimalize.pdf", cases_for(len(data), 1), "issue-203-decimalize.pdf#b7:flip4").data
    document = pdfium.PdfDocument(damaged)
    try:
        page = document[1].render(scale=200 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    assert tesseract.Recognizer("eng").recognize(page, 60).problem == "script:Han"

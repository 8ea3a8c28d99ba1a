"""Which pages the OCR step refuses as "a script the installed models cannot read": crops of the
corpus's UML diagram pages and drawn maps with Latin labels (must be read), and pages and maps in
Cyrillic, Greek, Hebrew, Arabic and Chinese (must be refused, or yield nothing). For each: the
outcome, the script Tesseract's detector names, py3langid's best major-Latin-language
probability for the recognized words (what ``tesseract.reads_as_latin`` decides on) and
Tesseract's mean word confidence (which must be ``LATIN_MIN_CONFIDENCE`` or more too). Run:

    .venv/bin/python benchmarks/ocr_scripts.py            # Markdown table and totals
    .venv/bin/python benchmarks/ocr_scripts.py --quick    # three diagram pages only
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PRECIS_HOME", tempfile.mkdtemp(prefix="precis-ocr-scripts-"))

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from desktop.core.ingest.ocr import tesseract
from desktop.core.prompting.language import latin_script_language

CORPUS = Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus"))
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CROPS = [(0, .1, 1, .5), (0, .3, 1, .7), (0, .5, 1, .9), (0, .1, .5, .5), (.5, .1, 1, .5), (0, .5, .5, .9),
         (.5, .5, 1, .9), (.2, .2, .8, .8), (0, 0, 1, 1)]
TEXTS = {
    "Russian (Tolstoy)": ["Все счастливые семьи похожи друг на друга,", "каждая несчастливая семья несчастлива по-своему.",
                          "Все смешалось в доме Облонских. Жена узнала,", "что муж был в связи с бывшею в их доме"],
    "Ukrainian (Shevchenko)": ["Як умру, то поховайте", "Мене на могилі,", "Серед степу широкого,", "На Вкраїні милій,"],
    "Greek (Homer)": ["Ἄνδρα μοι ἔννεπε, Μοῦσα, πολύτροπον, ὃς μάλα πολλὰ", "πλάγχθη, ἐπεὶ Τροίης ἱερὸν πτολίεθρον ἔπερσεν"],
    "Hebrew (Genesis)": ["בראשית ברא אלהים את השמים ואת הארץ", "והארץ היתה תהו ובהו וחשך על פני תהום"],
    "Arabic (Al-Fatiha)": ["بسم الله الرحمن الرحيم", "الحمد لله رب العالمين", "الرحمن الرحيم مالك يوم الدين"],
}
MAPS = {
    "map, English labels": (["Riverside Library", "Main Street", "Car park", "East wing", "Children's section",
                             "Book drop", "North entrance", "Reading room"], True),
    "map, French labels": (["Bibliothèque municipale", "Rue de la Gare", "Parking", "Aile est", "Salle de lecture",
                            "Entrée nord", "Jardin public"], True),
    "map, German labels": (["Stadtbibliothek", "Bahnhofstraße", "Parkplatz", "Ostflügel", "Lesesaal", "Nordeingang",
                            "Stadtpark"], True),
    "map, Russian labels": (["Городская библиотека", "Вокзальная улица", "Стоянка", "Восточное крыло", "Читальный зал",
                             "Северный вход", "Городской парк"], False),
}


def _render(path: Path, index: int, dpi: int = 200) -> Image.Image:
    pdf = pdfium.PdfDocument(path)
    try:
        return pdf[index].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        pdf.close()


def _text_page(lines: list[str]) -> Image.Image:
    font = ImageFont.truetype(FONT, 36)
    image = Image.new("L", (1700, 120 + 60 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for k, line in enumerate(lines):
        draw.text((100, 60 + k * 60), line, font=font, fill=0)
    return image


def _map(labels: list[str], seed: int) -> Image.Image:
    """Lines and circles for roads and ponds, labels on white boxes among them."""
    rng = random.Random(seed)
    image = Image.new("L", (1700, 1400), 255)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(1700), rng.randrange(1400)
        draw.line((x, y, x + rng.randrange(-500, 500), y + rng.randrange(-500, 500)), fill=0, width=rng.choice((2, 4, 7)))
    for _ in range(10):
        x, y = rng.randrange(1500), rng.randrange(1200)
        draw.ellipse((x, y, x + rng.randrange(40, 250), y + rng.randrange(40, 250)), outline=0, width=3)
    for k, label in enumerate(labels):
        font = ImageFont.truetype(FONT, 24 if k % 2 else 30)
        x, y = rng.randrange(50, 1200), 60 + k * 1300 // len(labels)
        box = draw.textbbox((x, y), label, font=font)
        draw.rectangle((box[0] - 8, box[1] - 8, box[2] + 8, box[3] + 8), fill=255)
        draw.text((x, y), label, font=font, fill=0)
    return image


def _case(recognizer: tesseract.Recognizer, name: str, image: Image.Image, latin: bool) -> dict:
    page = recognizer.recognize(image, 60)
    refused = bool(page.problem and page.problem.startswith("script:"))
    with recognizer._api() as api:  # the words as recognized, before any decision
        api.SetImage(image)
        words = api.GetUTF8Text() or ""
    parts = [p.lower() for run in tesseract._LETTERS.findall(words) for p in tesseract._CAMEL.sub(" ", run).split()
             if len(p) >= 3]
    found = latin_script_language(" ".join(parts)) if parts else None
    score = found[1] if found and found[0] in recognizer._latin_languages() else 0.0
    right = not refused if latin else (refused or not page.paragraphs)
    return {"name": name, "latin": latin, "refused": refused, "detector": recognizer._script(image) or "-",
            "score": score, "confidence": page.confidence, "right": right}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="three diagram pages, no drawn maps")
    args = parser.parse_args(argv)
    recognizer = tesseract.Recognizer("eng")
    rows = []
    uml = CORPUS / "pdf" / "GeoBase_NHNC1_Data_Model_UML_EN.pdf"
    for index in (8, 9, 15) if args.quick else range(8, 19):
        page = _render(uml, index)
        for crop in CROPS:
            box = (int(crop[0] * page.width), int(crop[1] * page.height), int(crop[2] * page.width), int(crop[3] * page.height))
            rows.append(_case(recognizer, f"UML page {index + 1}, crop {crop}", page.crop(box), True))
    if not args.quick:
        for name, lines in TEXTS.items():
            rows.append(_case(recognizer, name, _text_page(lines), False))
        chinese = CORPUS / "pdf" / "issue-203-decimalize.pdf"
        for index in range(3):
            rows.append(_case(recognizer, f"Chinese scan, page {index + 1}", _render(chinese, index, 150), False))
        for seed in range(3):
            for name, (labels, latin) in MAPS.items():
                rows.append(_case(recognizer, f"{name}, seed {seed}", _map(labels, seed * 10 + len(name)), latin))
    print("| page | Latin? | refused | detector says | Latin-language probability | mean confidence | right |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['name']} | {'yes' if r['latin'] else 'no'} | {'yes' if r['refused'] else 'no'} | {r['detector']} "
              f"| {r['score']:.2f} | {r['confidence']:.0f} | {'yes' if r['right'] else '**no**'} |")
    latin_scores = [r["score"] for r in rows if r["latin"] and r["detector"] not in ("-", "Latin")]
    other_scores = [r["score"] for r in rows if not r["latin"]]
    print(f"\n{sum(r['right'] for r in rows)} of {len(rows)} right; Latin pages the detector misjudged: "
          f"{len(latin_scores)} (lowest probability {min(latin_scores, default=0):.2f}); other scripts: highest "
          f"probability {max(other_scores, default=0):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

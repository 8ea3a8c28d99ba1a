"""Recognized list bullets (issue 30): on a scanned page Tesseract reads a list's bullets as "v",
"©", "¢"... Where the line's layout says it is a list item, the glyph becomes a bullet and the item
a list block; a real "©" at the start of a line stays. Scans are made as the other OCR tests make
them (``_scans.py``: corpus pages rendered, saved as an image-only PDF) and read by real Tesseract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop.core.document import Role
from desktop.core.ingest import OcrOptions, read_bytes
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.ocr.tesseract import engine_available
from desktop.ml.extractive.engine import ExtractiveEngine
from tests.core.ingest._scans import image_pdf, render

pytestmark = pytest.mark.skipif(not engine_available(), reason="Tesseract (tesserocr) is not installed")

#: What Tesseract makes of bullets at the start of a line on these pages (seen on them: "v", "vy",
#: "v_" for Chelsea's check marks; "¢" and "e" for the Federal Register's round bullets).
GLYPH_START = re.compile(r"^(?:[©°*¢«»@®oO0vVyeE]{1,2}[_.,]?)\s")


def _scan(corpus: Path, name: str, index: int):  # type: ignore[no-untyped-def]
    data = image_pdf([render(corpus / "pdf" / name, index, 200)])
    return read_bytes(data, ReadContext(path=Path(f"scan-of-{name}"), ocr=OcrOptions(use_cache=False)))


def test_a_scanned_bulleted_list_becomes_list_items(corpus: Path) -> None:
    """Page 6 of the Chelsea plan: three lists, 14 items with check-mark bullets."""
    doc = _scan(corpus, "chelsea_pdta.pdf", 5)
    items = [b for b in doc.blocks if b.role is Role.LIST_ITEM]
    assert len(items) >= 12 and all(b.text.startswith("• ") and b.ocr for b in items)
    assert any("pleine croissance" in b.text for b in items)
    assert any("Vélo sympathique" in b.text for b in items)
    assert not [b.text for b in doc.blocks if GLYPH_START.match(b.text)]
    # Items Tesseract ran into one paragraph are apart again: the sentence before a list ends there.
    assert any(b.text.rstrip().endswith(":") and "voici ce qui est inclus" in b.text for b in doc.blocks)
    digest = ExtractiveEngine().summarize([doc], length="long")
    texts = [p.text for p in digest.all_points()] + [s.summary for s in digest.sections] + [digest.overview]
    assert digest.points and not [t for t in texts if GLYPH_START.match(t) or t.startswith("•")]


def test_round_bullets_of_a_two_column_page_and_a_real_copyright_sign(corpus: Path) -> None:
    """The Federal Register's round bullets come back as "¢" and "e"; GeoBase's copyright line
    starts with a real "©", followed by an ordinary space: it is kept."""
    register = _scan(corpus, "federal-register-2020-17221.pdf", 0)
    items = [b.text for b in register.blocks if b.role is Role.LIST_ITEM]
    for start in ("• Federal eRulemaking Portal", "• Fax", "• Mail", "• Hand Delivery"):
        assert any(t.startswith(start) for t in items), (start, items)
    geobase = _scan(corpus, "GeoBase_NHNC1_Data_Model_UML_EN.pdf", 1)
    assert any(b.text.startswith("© Her Majesty the Queen") and b.role is Role.PARAGRAPH for b in geobase.blocks)

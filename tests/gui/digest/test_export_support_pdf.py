"""The PDF export carries the check's verdict like the other exports (tests/core/test_export_support.py)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from desktop.core.render import to_markdown
from tests.core.test_export_support import _checked_digest


def test_the_pdf_export_carries_the_verdict(tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    """The PDF is laid out from the same Markdown (gui/digest/export_pdf.py); its text has the marks."""
    from pypdf import PdfReader

    from desktop.gui.digest.export_pdf import export_pdf

    digest = _checked_digest()
    path = export_pdf(to_markdown(digest), tmp_path / "d.pdf", title=digest.title)
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(str(path)).pages)
    text = unicodedata.normalize("NFKC", text)  # the layout sets "fl" as a ligature
    assert "2 of 3 supported, 1 flagged" in text and "not 25 percent" in text

"""Exports carry the check's verdict: Markdown, text, JSON, Word and PDF show which points were
checked and which flagged, with the reason, and the header's counts."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.core.digest import Digest, Point
from desktop.core.export import export_digest
from desktop.core.ingest import read_document
from desktop.core.paths import resource
from desktop.core.render import to_markdown
from desktop.ml.check.stage import CheckStage
from desktop.ml.points.citations import cite

REPORT = resource("samples") / "quarterly-energy-report.md"
REASON = "the source says 18 percent, not 25 percent"


def _checked_digest(overview: str = "Electricity use fell by 18 percent.") -> Digest:
    doc = read_document(REPORT)
    blocks = tuple(range(len(doc.blocks)))
    stage = CheckStage()
    texts = ["Electricity use at the library fell by 25 percent in the third quarter.",
             "The contractor, Brightline Electrical, finished the work two weeks ahead of schedule."]
    points = [stage.add(Point(t, cite(t, doc, blocks)), doc, blocks) for t in texts]
    stage.finish_window()
    digest = Digest("Quarterly Energy Report", overview, points=points)
    stage.finish(digest)
    return digest


def test_the_check_flags_and_narrows_before_anything_is_exported() -> None:
    digest = _checked_digest()
    wrong, right = digest.points
    assert wrong.support is not None and wrong.support.flagged and wrong.support.reason() == REASON
    assert right.support is not None and not right.support.flagged
    assert right.sources[0].locator.sentence == 2 and right.sources[0].quote.startswith("The contractor, Brightline")
    assert digest.support is not None and (digest.support.checked, digest.support.flagged) == (2, 1)
    assert [p.text for p in digest.overview_points] == ["Electricity use fell by 18 percent."]


def test_markdown_text_json_and_word_carry_the_verdict(tmp_path: Path) -> None:
    import docx

    digest = _checked_digest()
    header = "Points checked with their sources (facts): 2 of 3 supported, 1 flagged."
    md = export_digest(digest, tmp_path / "d.md").read_text(encoding="utf-8")
    assert header in md and f"⚠ Not supported by its source: {REASON}." in md and "schedule. (quarterly-energy-report.md, ¶ 6) ✓" in md
    txt = export_digest(digest, tmp_path / "d.txt").read_text(encoding="utf-8")
    assert header in txt and REASON in txt and "*" not in txt
    data = json.loads(export_digest(digest, tmp_path / "d.json").read_text(encoding="utf-8"))
    assert [p["support"]["status"] for p in data["points"]] == ["flagged", "checked"]
    assert data["points"][0]["support"]["problems"] == [
        {"kind": "number", "words": "25 percent", "reason": REASON, "source_words": "18 percent"}]
    assert data["support"]["checked"] == 2 and data["support"]["flagged"] == 1
    assert data["points"][1]["sources"][0]["locator"]["sentence"] == 2
    paragraphs = [p.text for p in docx.Document(str(export_digest(digest, tmp_path / "d.docx"))).paragraphs]
    assert header in paragraphs
    assert any(REASON in p and "25 percent" in p for p in paragraphs) and any(p.endswith("✓") for p in paragraphs)


def test_an_unchecked_digest_renders_as_before() -> None:
    digest = Digest("T", "Overview.", points=[Point("A point.")])
    md = to_markdown(digest)
    assert "✓" not in md and "⚠" not in md and "checked" not in md
    assert "support" not in digest.to_dict() and "support" not in digest.points[0].to_dict()


def test_a_templated_digest_carries_the_header_and_the_flagged_overview_too() -> None:
    """A template's sections are rendered apart (core/render_layout.py): the count line and the
    flagged overview sentence's note are there as in the standard digest (the app's header too)."""
    digest = _checked_digest("Electricity use fell by 25 percent. The contractor finished two weeks early.")
    digest.layout = [{"id": "overview", "title": "Summary"}, {"id": "points", "title": "Key points"}]
    digest.template = "brief@1#test"
    md = to_markdown(digest)
    assert "*Points checked with their sources (facts): 2 of 4 supported, 2 flagged.*" in md.split("## Summary")[0]
    summary = md.split("## Summary")[1].split("## Key points")[0]
    assert f"> ⚠ “Electricity use fell by 25 percent.”: not supported by its source: {REASON}." in summary
    assert f"⚠ Not supported by its source: {REASON}." in md.split("## Key points")[1]


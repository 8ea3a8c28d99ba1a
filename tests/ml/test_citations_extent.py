"""A chunk's extent cited compactly for the new formats: one source per slide or chapter, one per
sheet with the smallest cell range holding the chunk's rows."""

from __future__ import annotations

from pathlib import Path

from desktop.core.document import Block, DocKind, Document, Locator, Role
from desktop.ml.points.citations import extent_sources


def _doc(locators: list[Locator]) -> Document:
    blocks = [Block(f"text {i}", Role.PARAGRAPH, loc) for i, loc in enumerate(locators)]
    return Document(path=Path("/d/x"), kind=DocKind.PRESENTATION, title="x", blocks=blocks)


def test_one_source_per_slide_keeping_its_first_paragraph() -> None:
    doc = _doc([Locator(slide=1, paragraph=1), Locator(slide=1, paragraph=2), Locator(slide=2, paragraph=3),
                Locator(slide=4, paragraph=4), Locator(slide=5, paragraph=5)])
    sources = extent_sources(doc, (0, 1, 2, 3, 4))
    assert [s.locator for s in sources] == [Locator(slide=1, paragraph=1), Locator(slide=2, paragraph=3),
                                           Locator(slide=4, paragraph=4)]  # at most three


def test_one_source_per_sheet_with_the_merged_cell_range() -> None:
    doc = _doc([Locator(sheet="Budget", paragraph=1), Locator(sheet="Budget", cells="A1:D40", paragraph=2),
                Locator(sheet="Budget", cells="A41:F80", paragraph=3), Locator(sheet="Notes", cells="A1:A5", paragraph=5)])
    sources = extent_sources(doc, (0, 1, 2, 3))
    assert [s.locator for s in sources] == [Locator(sheet="Budget", cells="A1:F80", paragraph=1),
                                           Locator(sheet="Notes", cells="A1:A5", paragraph=5)]
    assert sources[0].label() == "x, sheet Budget, A1:F80"


def test_chapters() -> None:
    doc = _doc([Locator(chapter=2, paragraph=9), Locator(chapter=2, paragraph=10), Locator(chapter=3, paragraph=11)])
    assert [s.locator.label() for s in extent_sources(doc, (0, 1, 2))] == ["chapter 2", "chapter 3"]

"""Checks shared by engine and CLI tests: every citation of a digest points into the job's documents."""

from __future__ import annotations

from desktop.core.digest import Digest, Source
from desktop.core.document import Document


def _job_docs(docs: list[Document], path: str) -> list[Document]:
    return [d for top in docs for d in top.walk() if str(d.path) == path]


def assert_valid_source(source: Source, docs: list[Document]) -> None:
    """The source names a job document, and its locator is one of that document's block locators or a
    compressed extent of them (a page, one time range, a message, a slide, a sheet's cells, a chapter)."""
    matches = _job_docs(docs, source.path)
    assert matches, f"{source.path} is not a document of the job"
    if source.document:
        assert source.document in {d.display_name for d in matches}
    blocks = [b for d in matches for b in d.blocks]
    loc = source.locator
    if source.excerpt:
        assert any(b.text.startswith(source.excerpt) for b in blocks), source.excerpt
    if any(b.locator == loc.without_sentences() for b in blocks):
        return
    if loc.page is not None:
        assert any(b.locator.page == loc.page for b in blocks), loc
    elif loc.start is not None:
        starts = {b.locator.start for b in blocks}
        ends = {b.locator.end if b.locator.end is not None else b.locator.start for b in blocks}
        assert loc.start in starts and (loc.end is None or loc.end in ends) and (loc.end or loc.start) >= loc.start, loc
        if loc.speaker:
            assert loc.speaker in {b.locator.speaker for b in blocks}
    elif loc.message is not None:
        assert any((b.locator.message, b.locator.sender, b.locator.date) == (loc.message, loc.sender, loc.date)
                   for b in blocks), loc
    elif loc.slide is not None or loc.chapter is not None:
        assert any((b.locator.slide, b.locator.chapter, b.locator.paragraph) == (loc.slide, loc.chapter, loc.paragraph)
                   for b in blocks), loc
    elif loc.sheet is not None:
        assert any(b.locator.sheet == loc.sheet and b.locator.paragraph == loc.paragraph for b in blocks), loc
    else:
        raise AssertionError(f"{loc} locates nothing in {source.path}")


def assert_valid_citations(digest: Digest, docs: list[Document], *, require_points: bool = True) -> int:
    """Every point of every section and every per-document summary cites valid sources; returns the count."""
    count = 0
    if require_points:
        assert digest.points, "the digest has no points"
    for point in digest.all_points():
        assert point.text and point.sources, point
        for source in point.sources:
            assert_valid_source(source, docs)
            count += 1
    for summary in digest.documents:
        assert _job_docs(docs, summary.path)
        for source in summary.sources:
            assert_valid_source(source, docs)
            count += 1
    return count

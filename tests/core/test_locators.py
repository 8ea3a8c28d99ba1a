"""Locators of the new formats: slide, sheet and cells, chapter; labelled, serialised and merged in
citations, and old digests (without these fields) still load."""

from __future__ import annotations

from desktop.core.digest import Source
from desktop.core.document import Locator
from desktop.core.render import citation_labels


def test_labels_of_slides_sheets_and_chapters() -> None:
    assert Locator(slide=4, paragraph=12, section="Budget").label() == "slide 4"
    assert Locator(sheet="Budget", cells="A1:F40", paragraph=2).label() == "sheet Budget, A1:F40"
    assert Locator(sheet="Notes").label() == "sheet Notes"
    assert Locator(chapter=3, section="The Pool Of Tears", paragraph=40).label() == "chapter 3"
    assert Locator(paragraph=7, section="Costs").label() == "¶ 7"  # unchanged for Word and text


def test_new_fields_round_trip_and_old_dicts_still_load() -> None:
    loc = Locator(sheet="Q1 2024", cells="B2:D9", paragraph=3)
    assert loc.to_dict() == {"paragraph": 3, "sheet": "Q1 2024", "cells": "B2:D9"}
    assert Locator.from_dict(loc.to_dict()) == loc
    assert Locator.from_dict({"page": 2, "slide": 5, "future_field": 1}) == Locator(page=2, slide=5)


def test_consecutive_slides_of_one_file_merge_like_pages() -> None:
    sources = [Source("/d/deck.pptx", Locator(slide=n, paragraph=n), "deck.pptx") for n in (3, 4, 5)]
    assert citation_labels(sources) == [(0, "deck.pptx, slides 3–5")]
    apart = [Source("/d/deck.pptx", Locator(slide=n), "deck.pptx") for n in (2, 7)]
    assert [label for _, label in citation_labels(apart)] == ["deck.pptx, slide 2", "slide 7"]
    chapters = [Source("/d/b.epub", Locator(chapter=1), "b.epub"), Source("/d/b.epub", Locator(chapter=2), "b.epub")]
    assert [label for _, label in citation_labels(chapters)] == ["b.epub, chapter 1", "chapter 2"]


def test_a_citation_locates_the_blocks_it_names() -> None:
    """The one rule (``Locator.locates``) the source view and the check stage share."""
    assert Locator(page=3).locates(Locator(page=3)) and not Locator(page=3).locates(Locator(page=4))
    assert Locator(start=9.5, end=20.0).locates(Locator(start=10.0, end=12.0))
    assert not Locator(start=9.5, end=20.0).locates(Locator(start=30.0))
    assert not Locator().locates(Locator(paragraph=2))
    # A narrowed citation (sentence 2 of the block) still locates its block.
    assert Locator(message=1, sentence=2, sentence_end=3).locates(Locator(message=1, sender="Maria"))


def test_sentence_spans_find_each_counted_sentence_in_the_text() -> None:
    from desktop.core.prompting.sentences import sentence_spans, split_sentences

    text = "Crates arrive on Monday.\r\n\r\n- Every team packs its own desks   by Thursday.\nIT  disconnects at 15:00."
    spans = sentence_spans(text)
    assert len(spans) == len(split_sentences(text)) == 3
    assert [" ".join(text[a:b].split()) for a, b in spans] == split_sentences(text)

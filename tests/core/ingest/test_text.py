"""The plain-text and Markdown reader, on the corpus's own Markdown and on texts written here."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.document import DocKind, Role
from desktop.core.errors import DocumentError, EmptyDocument
from desktop.core.ingest import read_bytes, read_document
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.detect import Format, sniff
from desktop.core.ingest.text import read as read_text
from desktop.core.limits import Limits


def _read(text: str | bytes, name: str = "notes.md", **kw):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_bytes(data, ReadContext(path=Path(name), **kw))


def _roles(doc) -> list[tuple[Role, int | None, str]]:
    return [(b.role, b.level, b.text) for b in doc.blocks]


# --- the corpus's Markdown -----------------------------------------------------------------------

def test_corpus_readme(corpus: Path) -> None:
    doc = read_document(corpus / "README.md")
    assert doc.kind is DocKind.TEXT
    assert doc.title == "The shared corpus: real documents, written by other people"
    table = next(b for b in doc.blocks if b.role is Role.TABLE)
    assert table.text.startswith("folder | what\npdf/ | government notices, a Supreme Court transcript")
    items = [b for b in doc.blocks if b.role is Role.LIST_ITEM]
    assert len(items) == 3 and all(b.locator.section == "How to use it" for b in items)
    assert items[0].text.startswith("Tests find it through the environment variable PRECIS_CORPUS")
    assert "`" not in doc.text()  # code spans reduced to their words
    assert [b.locator.paragraph for b in doc.blocks] == list(range(1, len(doc.blocks) + 1))


def test_corpus_sources_tables_by_section(corpus: Path) -> None:
    doc = read_document(corpus / "SOURCES.md")
    headings = [(b.level, b.text) for b in doc.blocks if b.role is Role.HEADING]
    assert headings[0] == (1, "Test corpus: real documents written by other people, with their provenance")
    assert (2, "pdf (19 files)") in headings
    tables = {b.locator.section: b.text for b in doc.blocks if b.role is Role.TABLE}
    assert "pdf/federal-register-2020-17221.pdf | jsvine/pdfplumber" in tables["pdf (19 files)"]
    assert tables["docx (11 files)"].count("\n") == 11  # header row + 11 files, separator row dropped
    licences = [b.text for b in doc.blocks if b.role is Role.LIST_ITEM]
    assert any(t.startswith("py-pdf/pypdf: BSD-3-Clause") for t in licences)


# --- plain text --------------------------------------------------------------------------------

def test_plain_paragraphs_wrapped_lines_and_lists() -> None:
    text = ("MEETING NOTES 4 MARCH\n\nWe agreed to move the launch\nto April because of testing.\n\n"
            "Actions:\n- Alice books the room\n  for Tuesday\n- Bob writes the memo\n\n# not a heading in a .txt\n")
    doc = _read(text, "notes.txt")
    assert doc.title == "MEETING NOTES 4 MARCH"
    assert _roles(doc) == [
        (Role.PARAGRAPH, None, "MEETING NOTES 4 MARCH"),
        (Role.PARAGRAPH, None, "We agreed to move the launch to April because of testing."),
        (Role.PARAGRAPH, None, "Actions:"),
        (Role.LIST_ITEM, 1, "Alice books the room for Tuesday"),
        (Role.LIST_ITEM, 1, "Bob writes the memo"),
        (Role.PARAGRAPH, None, "# not a heading in a .txt"),
    ]
    assert [b.locator.paragraph for b in doc.blocks] == [1, 2, 3, 4, 5, 6]


def test_title_falls_back_to_file_name() -> None:
    assert _read("Just one sentence, and that is all.", "memo.txt").title == "memo"


def test_encodings() -> None:
    assert _read("Résumé of the café visit.".encode("utf-16"), "a.txt").text() == "Résumé of the café visit."
    french = "Le café de Señor Müller est ouvert le dimanche, et la crème brûlée coûte cinq euros à la carte."
    assert _read(french.encode("cp1252"), "b.txt").text() == french
    assert _read(b"\xef\xbb\xbfWith a BOM.", "c.txt").text() == "With a BOM."


@pytest.mark.parametrize("data", [b"   \n\t\n", " \n \n".encode("utf-16"), b"\xef\xbb\xbf \n"])
def test_whitespace_only_is_empty(data: bytes) -> None:
    with pytest.raises(EmptyDocument):
        _read(data, "blank.txt")


def test_max_chars_truncates_with_warning() -> None:
    doc = _read("word " * 10_000, "long.txt", limits=Limits(max_chars=1000))
    assert sum(len(b.text) for b in doc.blocks) <= 1000
    assert any("1,000 characters" in w for w in doc.warnings)


def test_huge_paragraph_is_cut_into_citable_blocks() -> None:
    doc = _read("This sentence repeats. " * 2000, "wall.txt")
    assert len(doc.blocks) > 5 and all(len(b.text) <= 4000 for b in doc.blocks)
    assert all(b.text.endswith(".") for b in doc.blocks)


# --- Markdown ----------------------------------------------------------------------------------

def test_markdown_structure() -> None:
    text = """---
title: "Release plan"
tags: [x]
---
Overview
========

Read the [full spec](https://example.com/spec) and **do not** skip ![the chart](c.png).

## Steps

1. Freeze the branch
   - tag it
2. Build

> Ship it when it is ready.
> Not before.

```python
# a comment, not a heading
print("hi")
```

| Owner | Task |
|-------|------|
| Ann   | QA   |

Sub part
--------
Done.
"""
    doc = _read(text, "plan.md")
    assert doc.title == "Release plan"
    assert _roles(doc) == [
        (Role.HEADING, 1, "Overview"),
        (Role.PARAGRAPH, None, "Read the full spec and do not skip the chart."),
        (Role.HEADING, 2, "Steps"),
        (Role.LIST_ITEM, 1, "Freeze the branch"),
        (Role.LIST_ITEM, 2, "tag it"),
        (Role.LIST_ITEM, 1, "Build"),
        (Role.QUOTE, None, "Ship it when it is ready. Not before."),
        (Role.PARAGRAPH, None, '# a comment, not a heading\nprint("hi")'),
        (Role.TABLE, None, "Owner | Task\nAnn | QA"),
        (Role.HEADING, 2, "Sub part"),
        (Role.PARAGRAPH, None, "Done."),
    ]
    assert doc.blocks[3].locator.section == "Steps"
    assert doc.blocks[-1].locator.section == "Sub part"


def test_markdown_headings_in_a_txt_file_count_when_there_are_several() -> None:
    doc = _read("# Intro\n\nText.\n\n## Details\n\nMore.\n", "readme.txt")
    assert [(b.role, b.level) for b in doc.blocks][:2] == [(Role.HEADING, 1), (Role.PARAGRAPH, None)]
    log = _read("# started\n\nok\n\n# stopped\n", "service.log")
    assert all(b.role is Role.PARAGRAPH for b in log.blocks)


def test_markdown_that_looks_like_mail_or_pdf_stays_text() -> None:
    ctx = ReadContext(path=Path("notes.md"))
    assert sniff(b"From: Alice\nTo: Bob\nSubject: x\n\n# Notes\n", ctx) is Format.TEXT
    mention = b"PDF files start with %PDF-1.7 and a binary comment line.\n"
    assert sniff(mention, ReadContext(path=Path("pdf-notes.txt"))) is Format.TEXT


# --- hostile input -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_markdown(corpus: Path) -> list[bytes]:
    return [(corpus / name).read_bytes() for name in ("README.md", "SOURCES.md")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 1), cut=st.floats(0, 1),
       flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=10))
def test_damaged_corpus_markdown(corpus_markdown: list[bytes], which: int, cut: float,
                                 flips: list[tuple[float, int]]) -> None:
    data = bytearray(corpus_markdown[which][: int(len(corpus_markdown[which]) * cut)])
    for where, value in flips:
        if data:
            data[min(len(data) - 1, int(where * len(data)))] = value
    started = time.monotonic()
    try:
        _read(bytes(data), "damaged.md")
    except DocumentError:
        pass
    assert time.monotonic() - started < 5


@settings(max_examples=100, deadline=None)
@given(text=st.lists(st.sampled_from(list("ab #-*>|=`~1.\n\t ") + ["```", "---", "\r\n", "é", "\u2028"]),
                     max_size=200).map("".join), name=st.sampled_from(["x.md", "x.txt", "x.log"]))
def test_random_markdownish_text(text: str, name: str) -> None:
    try:
        doc = read_text(text.encode("utf-8"), ReadContext(path=Path(name)))
    except EmptyDocument:
        return
    assert doc.blocks and all(b.text for b in doc.blocks)
    assert [b.locator.paragraph for b in doc.blocks] == list(range(1, len(doc.blocks) + 1))


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    try:
        read_text(data, ReadContext(path=Path("random.txt")))
    except EmptyDocument:
        pass

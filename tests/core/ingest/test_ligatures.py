"""Typographic ligatures (U+FB00-FB06) are spelt out at read time, for every reader (issue 30).

The corpus's multicolumn PDF is set with ligatures: pypdf's own text of it holds "ﬁ" and "ﬃ".
The whole corpus is checked by ``tests/cli/test_summarize_cmd.py``'s extract test.
"""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader

from desktop.core.document import Block, DocKind, Document, Locator, Role, Section
from desktop.core.ingest import read_bytes, read_document
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.finish import expand_ligatures, finish

LIGATURE = re.compile("[\ufb00-\ufb06]")


def test_the_multicolumn_pdf_loses_its_ligatures_and_keeps_its_words(corpus: Path) -> None:
    path = corpus / "pdf/multicolumn.pdf"
    raw = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert {"ﬁ", "ﬃ"} <= set(LIGATURE.findall(raw))  # the file really has them
    doc = read_document(path)
    text = doc.text()
    assert not LIGATURE.search(text + doc.title)
    assert "filled" in text and "Official" in text  # "ﬁlled", "Oﬃcial" in the PDF


def test_only_the_seven_ligatures_change() -> None:
    assert expand_ligatures("ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ") == "ff fi fl ffi ffl st st"
    # No general normalisation: full-width letters, accents and other compatibility forms stay.
    assert expand_ligatures("Ｆｕｌｌ café ½ Ⅳ ﬁne") == "Ｆｕｌｌ café ½ Ⅳ fine"


def test_every_reader_passes_through_one_place() -> None:
    """Plain text, mail (with an attachment read inside it) and a Document built by any reader all
    go through ``finish``: titles, blocks, sections and metadata lose their ligatures."""
    doc = read_bytes("# The ﬁrst ﬂoor\n\nEﬀective from the ﬁrst of May.\n".encode(), ReadContext(path=Path("notes.md")))
    assert doc.title == "The first floor" and "Effective" in doc.text()
    mail = (b"From: a@example.org\r\nSubject: =?utf-8?q?O=EF=AC=83ce?=\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + "See the ﬁle.\r\n".encode() + b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Disposition: attachment; filename=a.txt\r\n\r\n" + "Attached ﬂyer.\r\n".encode() + b"--b--\r\n")
    parsed = read_bytes(mail, ReadContext(path=Path("mail.eml")))
    assert not any(LIGATURE.search(d.text() + d.title + str(d.metadata)) for d in parsed.walk())
    assert "flyer" in parsed.children[0].text() and "file" in parsed.text()
    built = Document(Path("x.pdf"), DocKind.PDF, "ﬁnal", {"author": "Oﬃce"},
                     [Block("Chapter ﬁve", Role.HEADING, Locator(page=1), 1)], sections=[Section("Chapter ﬁve", 1, 0)])
    finish(built)
    assert (built.title, built.metadata["author"], built.blocks[0].text, built.sections[0].title) == (
        "final", "Office", "Chapter five", "Chapter five")

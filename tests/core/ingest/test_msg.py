"""Outlook messages (.msg): real files from the corpus, read with python-oxmsg."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oxmsg import Message

from desktop.core.document import DocKind, Role
from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest import Format, msg, read_bytes, read_document, sniff
from desktop.core.ingest.context import ReadContext
from tests.core.ingest._mail_fuzz import check_fails_cleanly, damaged

E = "email"
MSG_FILES = ["html-body-war-and-peace.msg", "plain-text-with-pdf-attachment.msg", "embedded-msg-and-pdfs.msg",
             "accented-french-subject.msg", "strange-date.msg"]


@pytest.mark.parametrize("name", MSG_FILES)
def test_every_corpus_outlook_message_is_sniffed_as_msg(corpus: Path, name: str) -> None:
    path = corpus / E / name
    assert sniff(path.read_bytes(), ReadContext(path)) is Format.MSG


def test_war_and_peace_body_has_real_paragraphs(corpus: Path) -> None:
    doc = read_document(corpus / E / "html-body-war-and-peace.msg")
    assert doc.kind is DocKind.EMAIL and doc.title == "HtmlSampleEmail"
    assert doc.metadata["from"] == "Wilson, Chris <Chris.Wilson@leeds.gov.uk>"
    assert doc.metadata["to"] == ["Wilson, Chris <Chris.Wilson@leeds.gov.uk>"]
    assert doc.metadata["date"] == "2017-10-23T07:31:03+00:00"
    assert all(b.locator.message == 1 and b.locator.sender == "Wilson, Chris" for b in doc.blocks)
    body = [b for b in doc.blocks if b.role is not Role.HEADER]
    assert [b.text for b in body[:2]] == ["BOOK ONE: 1805", "CHAPTER I"]
    # Outlook's double-spaced plain text is undone: a paragraph holds all its lines.
    assert body[2].text.startswith("“Well, Prince, so Genoa and Lucca are now just family estates of the\nBuonapartes.")
    assert body[2].text.endswith("sit down and tell me all the news.”")
    assert body[-1].role is Role.SIGNATURE and "Leeds City Council" in body[-1].text


def test_plain_text_with_pdf_attachment(corpus: Path) -> None:
    doc = read_document(corpus / E / "plain-text-with-pdf-attachment.msg")
    assert doc.title == "TxtSampleEmailWithAttachment"
    body = [(b.role, b.text) for b in doc.blocks if b.role is not Role.HEADER]
    assert body[0] == (Role.PARAGRAPH, "This is a sample plain text email with an attachment")
    assert body[1][0] is Role.SIGNATURE and body[1][1].startswith("________________________________\nChris Wilson")
    assert doc.metadata["attachments"] == ["SampleAttachment.pdf"]
    (pdf,) = doc.children
    assert (pdf.kind, pdf.part) == (DocKind.PDF, "SampleAttachment.pdf")
    assert "BOOK ONE: 1805" in pdf.text()


def test_embedded_message_and_pdfs(corpus: Path) -> None:
    doc = read_document(corpus / E / "embedded-msg-and-pdfs.msg")
    assert doc.title == "Outer mail"
    assert "from" not in doc.metadata and doc.blocks[0].locator.sender is None
    assert doc.metadata["attachments"] == ["OUTER 1.pdf", "OUTER 2.pdf", "Inner mail.msg"]
    assert [(c.kind, c.part) for c in doc.children] == [
        (DocKind.PDF, "OUTER 1.pdf"), (DocKind.PDF, "OUTER 2.pdf"), (DocKind.EMAIL, "Inner mail.msg"),
    ]
    inner = doc.children[2]
    assert inner.title == "Inner mail" and inner.blocks[-1].text == "Inner mail"
    assert inner.metadata["attachments"] == ["INNER 1.pdf", "INNER 2.pdf"]
    assert [c.part for c in inner.children] == ["Inner mail.msg/INNER 1.pdf", "Inner mail.msg/INNER 2.pdf"]
    assert inner.children[0].text() == "INNER 1"


def test_accented_french_subject(corpus: Path) -> None:
    doc = read_document(corpus / E / "accented-french-subject.msg")
    assert doc.title == "Un sujet bien défini Àéroport mañana être ouïe électricité così próxima à Ô"
    assert doc.metadata["from"] == "Julie Clarebots <Julie.Clarebots@qbere.com>"
    assert doc.metadata["date"] == "2024-03-27T09:14:48+00:00"
    roles = [(b.role, b.text) for b in doc.blocks if b.role is not Role.HEADER]
    assert roles == [(Role.PARAGRAPH, "Testing .msg subject encoding"),
                     (Role.SIGNATURE, "________________________\n\nJulie Clarebots")]


def test_strange_date_has_no_date_or_sender(corpus: Path) -> None:
    doc = read_document(corpus / E / "strange-date.msg")
    assert doc.title == "MSG Test File"
    assert "date" not in doc.metadata and "from" not in doc.metadata
    assert doc.metadata["to"] == ["time2talk@online-convert.com"]
    assert doc.blocks[1].text.startswith("MSG test file\nPurpose: Provide example of this file type")
    assert doc.blocks[1].locator.date is None


def test_rich_text_body_when_nothing_else(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outlook may keep only the compressed RTF body; it is decompressed and read as text."""
    pytest.importorskip("compressed_rtf")
    pytest.importorskip("striprtf")
    monkeypatch.setattr(Message, "body", property(lambda self: None))
    doc = read_document(corpus / E / "strange-date.msg")
    assert "The names \"John Doe\" for males" in doc.text()
    monkeypatch.setitem(sys.modules, "compressed_rtf", None)  # as if the library were not installed
    with pytest.raises(EmptyDocument) as err:
        read_document(corpus / E / "accented-french-subject.msg")
    assert err.value.message == (
        "The text of accented-french-subject.msg is stored only as rich text, which this installation cannot read."
    )


def test_not_an_outlook_message() -> None:
    with pytest.raises(CorruptFile, match="damaged Outlook message"):
        msg.read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ReadContext(Path("x.msg")))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_damaged_outlook_messages_fail_cleanly(corpus: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["strange-date.msg", "accented-french-subject.msg", "embedded-msg-and-pdfs.msg"]))
    damaged_bytes = data.draw(damaged((corpus / E / name).read_bytes()))
    check_fails_cleanly(msg.read, damaged_bytes, name)


def test_truncated_outlook_message_reads_or_fails_cleanly(corpus: Path) -> None:
    data = (corpus / E / "embedded-msg-and-pdfs.msg").read_bytes()
    for cut in (512, 4096, len(data) // 2, len(data) - 100):
        check_fails_cleanly(read_bytes, data[:cut], "embedded-msg-and-pdfs.msg")

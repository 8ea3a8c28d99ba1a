"""Furniture is marked at read time and never becomes a point, an item or model input (issue 29):
reference lists, tables of contents, legal notices, mailing-list footers and robots' instructions,
and meeting procedure; it stays in the Document (the source view shows it) and a document that is
all furniture says so. Real corpus files, plus a generated paper (the corpus has none with a
reference list)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop.core.document import Block, DocKind, Document, Locator, Role
from desktop.core.ingest import read_bytes, read_document
from desktop.core.ingest.context import ReadContext
from desktop.core.prompting.chunking import chunk_document, content_blocks
from desktop.core.structure.furniture import furniture_note, mark_furniture, sentence_is_furniture
from desktop.core.structure.furniture_meetings import is_procedure
from desktop.ml.extractive.engine import ExtractiveEngine
from tests.core.ingest._pdf_factory import Page, make_pdf

ENTRIES = [
    "[1] A. Smith and B. Jones, “Ranking sentences by centrality,” in Proc. Conf. Text Summarization, 2015, pp. 11–20.",
    "[2] C. Nguyen et al., “Hierarchical merging of summaries,” Journal of Language Systems, vol. 12, no. 3, pp. 45–61, 2018.",
    "[3] D. Okafor, Local Models for Document Understanding. Cambridge, MA: Example Press, 2020. doi:10.1000/xyz123",
    "[4] E. Rossi and F. Weber, “Citation matching in practice,” arXiv:2101.01234, 2021. Available: https://arxiv.org/abs/2101.01234",
]
BODY = [
    "Long reports are hard to read on a small screen, so readers skim the first page and miss the rest.",
    "We summarize each chapter on its own and cite the page every sentence comes from, so readers can check it.",
    "Our method ranks sentences by centrality and keeps the ones that carry the most information about the text.",
    "On forty reports the summaries were judged faithful by three readers, who found no invented facts in them.",
]


def _paper() -> bytes:
    """A two-page paper: a title, two numbered sections of body text and a reference list; every
    paragraph and entry is set on two lines, 14 points apart, with wider gaps between them."""

    def set_(runs: list[tuple[float, float, str]], size: float, text: str, y: float) -> float:
        words = text.split()
        runs += [(y, size, " ".join(words[: len(words) // 2])), (y - 14, size, " ".join(words[len(words) // 2:]))]
        return y - 14 - 24

    first: list[tuple[float, float, str]] = [(740, 16, "Summaries that Follow the Document")]
    y = 700.0
    for heading, sentences in (("1 Introduction", BODY[:2]), ("2 Method", BODY[2:])):
        first.append((y, 14, heading))
        y -= 26
        for sentence in sentences:
            y = set_(first, 11, sentence, y)
    second: list[tuple[float, float, str]] = [(740, 14, "References")]
    y = 714.0
    for entry in ENTRIES:
        y = set_(second, 10, entry, y)
    return make_pdf([Page([(72, yy, size, text) for yy, size, text in runs]) for runs in (first, second)])


def _points(doc: Document) -> list[str]:
    digest = ExtractiveEngine().summarize([doc], length="long")
    return [p.text for p in digest.all_points()] + [digest.overview] + [s.summary for s in digest.sections]


def test_a_papers_reference_list_is_furniture() -> None:
    doc = read_bytes(_paper(), ReadContext(path=Path("paper.pdf")))
    refs = [b for b in doc.blocks if b.furniture == "references"]
    assert refs[0].text == "References" and refs[0].role is Role.HEADING
    assert sum(b.text.startswith("[") for b in refs) == 4  # every entry, and nothing else
    assert all(b.furniture is None for b in doc.blocks if any(s[:30] in b.text for s in BODY))
    # Kept for the source view, never a point or model input.
    assert "Citation matching in practice" in doc.text()
    points = _points(doc)
    assert points and not [p for p in points if re.search(r"\[\d\]|et al\.|arXiv|Proc\.", p)]
    chunked = " ".join(c.text for c in chunk_document(doc, lambda t: len(t.split()) + 1, 200))
    assert "Smith" not in chunked and "Okafor" not in chunked and "centrality" in chunked


def test_a_reference_list_without_a_heading_is_found_by_its_entries() -> None:
    text = "\n\n".join(["Notes on ranking", *BODY, *ENTRIES])
    doc = read_bytes(text.encode(), ReadContext(path=Path("notes.txt")))
    assert [b.furniture for b in doc.blocks if b.text in ENTRIES] == ["references"] * 4
    assert all(b.furniture is None for b in doc.blocks if b.text in BODY)


def test_tables_of_contents_and_legal_notices_of_corpus_reports(corpus: Path) -> None:
    chelsea = read_document(corpus / "pdf/chelsea_pdta.pdf")
    toc = [b for b in chelsea.blocks if b.furniture == "contents"]
    assert toc[0].text == "Table des matières" and {b.locator.page for b in toc} == {3} and len(toc) == 5
    geobase = read_document(corpus / "pdf/GeoBase_NHNC1_Data_Model_UML_EN.pdf")
    assert [b.text for b in geobase.blocks if b.furniture == "legal"] == [
        "Copyright Notice", "© Her Majesty the Queen in Right of Canada, Department of Natural Resources.",
        "All rights reserved."]
    assert [b.locator.page for b in geobase.blocks if b.furniture == "contents"] == [4] * 6
    for doc in (chelsea, geobase):
        furniture = {i for i, b in enumerate(doc.blocks) if b.furniture}
        assert furniture and not furniture & set(content_blocks(doc))
        assert not [p for p in _points(doc) if "…" in p or "rights reserved" in p]


def test_mailing_list_footers_and_robot_instructions(corpus: Path) -> None:
    thread = read_document(corpus / "email/metrics-grimoire-thread-2015-11.mbox")
    footers = [b for b in thread.blocks if b.furniture == "list footer"]
    assert len(footers) == 3 and all("attachment was scrubbed" in b.text for b in footers)
    announcement = read_document(corpus / "email/ietf-id-announcement-external-body.eml")
    marked = {b.text[:30]: b.furniture for b in announcement.blocks}
    assert marked["Internet-Drafts are available "] == marked["Internet-Drafts are also avail"] == "list footer"
    assert marked["Send a message to:\tmailserv@ds"] == "list footer"
    assert marked["---------- Forwarded message -"] == "mail client"
    # The draft's own abstract is content.
    assert any(b.furniture is None and "Digest Access Authentication" in b.text for b in announcement.blocks)
    for doc in (thread, announcement):
        points = _points(doc)
        assert points and not [p for p in points if re.search(r"scrubbed|anonymous FTP|In the body type|Forwarded message", p)]


def test_meeting_procedure_is_never_a_point_or_an_item(corpus: Path) -> None:
    for name in ("oakland-council-2022-08-09.vtt", "oakland-council-2022-08-09.cdp-transcript.json",
                 "qmsum-covid_7-canada-committee.txt"):
        doc = read_document(corpus / "transcript" / name)
        assert any(b.furniture == "procedure" for b in doc.blocks), name
        digest = ExtractiveEngine().summarize([doc])
        said = [p.text for p in digest.all_points()]
        assert digest.points and not [t for t in said if any(is_procedure(s) for s in re.split(r"(?<=[.!?])\s+", t))], name
        assert not [t for t in said if re.search(r"press star|raise your hand|unmute|call the roll|English channel|televised",
                                                 t, re.IGNORECASE)], name


def test_an_agendas_rules_for_public_comment_are_procedure(corpus: Path) -> None:
    doc = read_document(corpus / "pdf/cupertino_usd_4-6-16.pdf")
    rules = [b.text for b in doc.blocks if b.furniture == "procedure"]
    assert len(rules) == 2 and all("address the Board" in t for t in rules)
    # The agenda's own items are content: the closed session's evaluation, the governance discussion.
    assert any(b.furniture is None and "Performance Evaluation" in b.text for b in doc.blocks)
    assert not [p for p in _points(doc) if re.search(r"comment card|address the Board|three \(3\) minutes", p)]


def test_a_meeting_that_is_all_procedure_says_so(corpus: Path) -> None:
    """Seattle's briefing clip is the call to order, a note on who is absent, and the roll call."""
    doc = read_document(corpus / "transcript/seattle-council-briefing-2021-08-02.vtt")
    assert all(b.furniture == "procedure" for b in doc.blocks)
    assert doc.warnings == [furniture_note(doc)]
    assert "holds only meeting procedure, nothing to summarize" in doc.warnings[0]
    assert "WILL COME TO ORDER" in doc.text()  # still all there for the source view
    digest = ExtractiveEngine().summarize([doc])
    assert not digest.points and not digest.decisions and not digest.action_items
    assert digest.documents[0].warnings == doc.warnings and not digest.documents[0].summary


def test_a_word_forms_privacy_footer_is_legal_furniture(corpus: Path) -> None:
    doc = read_document(corpus / "docx/elder-abuse-referral-form.docx")
    notice = [b for b in doc.blocks if b.text.startswith("Privacy Notice:")]
    assert notice and notice[0].furniture == "legal"


@pytest.mark.parametrize(("kind", "sentence", "furniture"), [
    (DocKind.TRANSCRIPT, "Mr. Chair, you have thirty seconds left.", True),
    (DocKind.TRANSCRIPT, "Can you hear me now?", True),
    (DocKind.TRANSCRIPT, "We will raise the budget for parks by ten percent.", False),
    (DocKind.TRANSCRIPT, "The time is 9:31 A.M.", True),
    (DocKind.EMAIL, "Sent from my iPhone", True),
    (DocKind.EMAIL, "To unsubscribe, send a message to the list owner.", True),
    (DocKind.EMAIL, "We decided to opt out of the pilot.", False),
    (DocKind.PDF, "This document contains confidential information intended only for the use of the addressee.", True),
    (DocKind.PDF, "Patient privacy and confidentiality shall be maintained at all times.", False),
])
def test_single_sentences(kind: DocKind, sentence: str, furniture: bool) -> None:
    assert sentence_is_furniture(sentence, kind) is furniture


def test_a_turn_that_mixes_procedure_and_content_keeps_its_content() -> None:
    doc = Document(Path("m.vtt"), DocKind.TRANSCRIPT, "m", blocks=[
        Block("Please unmute. Thank you.", Role.UTTERANCE, Locator(start=0.0, speaker="Chair")),
        Block("Can you hear me? We approved the parks budget of two million dollars.", Role.UTTERANCE,
              Locator(start=5.0, speaker="Ana")),
    ])
    mark_furniture(doc)
    assert [b.furniture for b in doc.blocks] == ["procedure", None]
    points = ExtractiveEngine().summarize([doc]).points
    assert [p.text for p in points] == ["Ana: We approved the parks budget of two million dollars."]

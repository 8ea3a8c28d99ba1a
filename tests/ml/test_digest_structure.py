"""Digests that follow their documents, through both engines (issues 29 and 30).

Several files: each one is represented in the key points (in proportion, one point at least) and
the extractive overview, however much longer one is; the sample digest `make run` opens shows it.
Long documents: a summary per top-level section, in order, with titles and page ranges, in every
rendering. Furniture: never in what the model is given. The tiny random model writes nonsense,
so its tests check structure (which document each point cites, section order, prompts), never wording.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import docx
import pytest

from desktop.core.digest import Digest
from desktop.core.document import DocKind, Document
from desktop.core.export import to_docx
from desktop.core.ingest import read_document
from desktop.core.render import parse_section_href, to_json, to_markdown, to_text
from desktop.core.structure.sections import summarized, top_level
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.engine.job_state import Node
from desktop.ml.engine.loader import load_text_model
from desktop.ml.engine.quality import clean_output
from desktop.ml.engine.summarizer import Summarizer
from desktop.ml.extractive.engine import ExtractiveEngine
from desktop.ml.models.store import ModelStore
from tests.ml._digest_checks import assert_valid_citations
from tests.ml.test_summarizer import RecordingModel

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
#: An email, a meeting transcript 20 times its length and a Word file, as a user drops them together.
THREE = ["email/apache-new-httpd-1997-latin1-from.eml", "transcript/qmsum-TS3003c-product-meeting.txt",
         "docx/va-notice-of-intent-pws.docx"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path):  # -> TextModel
    root = tmp_path_factory.mktemp("store")
    ModelStore(root).import_folder(tiny_model_dir, "tiny")
    model = load_text_model("tiny", backend="torch", quantization="float32", threads=1, store_root=root)
    yield model
    model.close()


def _cited_files(digest: Digest) -> list[str]:
    return sorted({Path(s.path).name for p in digest.points for s in p.sources})


def _overview_files(digest: Digest, docs: list[Document]) -> set[str]:
    """Files one of whose block texts holds a sentence of the overview (the extractive overview quotes)."""
    found = set()
    for point in digest.points:
        body = re.sub(r"^[^:]{1,60}: ", "", point.text)
        if body and body in digest.overview:
            found |= {Path(s.path).name for s in point.sources}
    return found


def test_three_documents_each_get_key_points_and_a_place_in_the_overview(corpus: Path) -> None:
    docs = [read_document(corpus / n) for n in THREE]
    words = [len(d.text().split()) for d in docs]
    assert words[1] > 20 * words[0]  # the meeting dwarfs the email
    digest = ExtractiveEngine().summarize(docs)
    names = [Path(n).name for n in THREE]
    assert _cited_files(digest) == sorted(names)
    assert _overview_files(digest, docs) == set(names)
    per_file = {n: sum(1 for p in digest.points if Path(p.sources[0].path).name == n) for n in names}
    assert per_file[names[1]] > per_file[names[0]] >= 1  # in proportion, at least one each
    assert [Path(d.path).name for d in digest.documents] == names and all(d.summary for d in digest.documents)


def test_one_file_is_summarized_as_before(corpus: Path) -> None:
    """A single file (with its attachments) keeps the ranking of before: points by score across its parts."""
    doc = read_document(corpus / "email/embedded-msg-and-pdfs.msg")
    digest = ExtractiveEngine().summarize([doc])
    assert len(digest.documents) > 1 and digest.points


def test_the_sample_digest_covers_every_sample_and_the_reports_sections() -> None:
    docs = [read_document(p) for p in sorted(SAMPLES.iterdir())]
    digest = ExtractiveEngine().summarize(docs)
    names = sorted(p.name for p in SAMPLES.iterdir())
    assert _cited_files(digest) == names and _overview_files(digest, docs) == set(names)
    assert [s.title for s in digest.sections] == ["Summary", "Lighting", "Heating and ventilation", "Solar panels",
                                                  "Recommendations"]
    markdown = to_markdown(digest)
    assert "## Sections of quarterly-energy-report.md" in markdown and "### Lighting (¶ 5–6)" in markdown


def test_three_documents_with_the_tiny_model(corpus: Path, tiny: TextModel) -> None:
    docs = [read_document(corpus / n) for n in THREE]
    digest = Summarizer(tiny).summarize(docs, length="short")
    assert _cited_files(digest) == sorted(Path(n).name for n in THREE)
    assert_valid_citations(digest, docs)


def test_a_long_documents_sections_in_every_rendering(corpus: Path, tmp_path: Path) -> None:
    doc = read_document(corpus / "pdf/chelsea_pdta.pdf")
    digest = ExtractiveEngine().summarize([doc])
    tops = [doc.sections[i] for i in top_level(doc.sections)]
    assert [s.title for s in digest.sections] == [s.title for s in tops]
    pages = [(doc.blocks[s.block].locator.page) for s in tops]
    assert [s.start.page for s in digest.sections] == pages
    assert all(s.end.page is not None and s.start.page <= s.end.page < n
               for s, n in zip(digest.sections, [*pages[1:], 66]))
    assert all(s.summary and s.sources[0].locator.page == s.start.page for s in digest.sections)
    first = digest.sections[0]
    assert (first.title, first.span()) == ("1. Mise en contexte", "pp. 5–6")
    markdown = to_markdown(digest)
    assert "## Sections\n\n### 1. Mise en contexte (pp. 5–6)\n" in markdown
    assert markdown.index("## Key points") < markdown.index("## Sections")
    linked = to_markdown(digest, links=True)
    assert "### 1. Mise en contexte ([pp. 5–6](section:0))" in linked
    assert digest.sections[parse_section_href("section:0")].sources[0].locator.page == 5
    assert "1. Mise en contexte (pp. 5–6)" in to_text(digest)
    data = json.loads(to_json(digest))
    assert [s["title"] for s in data["sections"]] == [s.title for s in tops]
    assert data["sections"][0]["range"] == "pp. 5–6" and data["sections"][0]["start"] == {"page": 5}
    assert Digest.from_dict(data).sections == digest.sections
    word = docx.Document(io.BytesIO(to_docx(digest)))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert "Sections" in headings and "1. Mise en contexte (pp. 5–6)" in headings


def test_short_documents_stay_as_they_were(corpus: Path) -> None:
    for name in ("pdf/scotus-transcript-p1.pdf", "email/metrics-grimoire-thread-2015-11.mbox",
                 "transcript/qmsum-TS3003c-product-meeting.txt"):
        digest = ExtractiveEngine().summarize([read_document(corpus / name)])
        assert not digest.sections and "## Sections" not in to_markdown(digest) and "sections" not in json.loads(to_json(digest))


def test_the_model_summarizes_each_section_and_merges_inside_sections_first(tiny: TextModel) -> None:
    """The sample report has five sections; with chunks of 48 tokens each has several, so merges run
    inside sections first: a merge prompt never joins two sections until each has one summary."""
    doc = read_document(SAMPLES / "quarterly-energy-report.md")
    recording = RecordingModel.of(tiny)
    summarizer = Summarizer(recording, input_budget=96)
    chunks = summarizer.chunk(doc)
    assert len(chunks) > len(summarized(doc)) and all(c.section is not None for c in chunks if c.section is not None)
    digest = summarizer.summarize([doc], length="short", classify=False)
    assert [s.title for s in digest.sections] == ["Summary", "Lighting", "Heating and ventilation", "Solar panels",
                                                  "Recommendations"]
    assert all(s.summary and s.sources[0].locator.paragraph is not None for s in digest.sections)
    # Each section's summary is a chunk's or a merge's own output (degenerate ones are replaced by
    # extracted sentences): no generation is spent on sections beyond the document's merges.
    outputs = {clean_output(out) for _, out in recording.prompts}
    assert sum(s.summary in outputs for s in digest.sections) >= 3
    # While a section has two summaries, a merge joins summaries of one section only; then across.
    nodes = [Node(f"Summary {i} says what part {i} of the report is about.", 0, (i,), 0, section)
             for i, section in enumerate([0, 0, 0, 1, 2, 2])]
    spans, _ = summarizer._plan(nodes, DocKind.TEXT, None, "final")
    assert all(len({n.section for n in nodes[a:b]}) == 1 for a, b in spans) and len(spans) == 3
    one_each = [Node(f"Section {k} in one summary.", 0, (k,), 1, k) for k in range(3)]
    assert summarizer._plan(one_each, DocKind.TEXT, None, "final")[0] == [(0, 3)]
    assert_valid_citations(digest, [doc])


def test_furniture_never_reaches_the_model(corpus: Path, tiny: TextModel) -> None:
    doc = read_document(corpus / "pdf/GeoBase_NHNC1_Data_Model_UML_EN.pdf")
    recording = RecordingModel.of(tiny)
    Summarizer(recording).summarize([doc], length="short")
    prompts = " ".join(p for p, _ in recording.prompts) + " ".join(recording.scored)
    assert "rights reserved" not in prompts and "Her Majesty" not in prompts and "TABLE OF CONTENTS" not in prompts
    assert "Linear Reference System" in prompts

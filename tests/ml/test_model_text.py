"""What the model sees: normalised text, no <unk> where meaning can be kept, every prompt in budget.

Counted with the real FLAN-T5 tokenizer over the whole shared corpus, through our own readers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.digest import DocumentSummary
from desktop.core.document import Document
from desktop.core.errors import DocumentError
from desktop.core.ingest import read_document
from desktop.core.prompting.mojibake import repair
from desktop.core.prompting.normalize import normalize
from desktop.core.prompting.prompts import KIND_FOR_DOC, PromptLibrary
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.engine.language_gate import readable_part
from desktop.ml.engine.loader import load_text_model
from desktop.ml.engine.summarizer import Summarizer
from desktop.ml.models.store import ModelStore

#: The item stages the map step renders beside the summary, per template set.
ITEM_STAGES = {"meeting": ("decisions", "actions"), "email": ("asks", "deadlines")}


@pytest.fixture(scope="module")
def counter(flan_t5_files: Path) -> TokenCounter:
    return TokenCounter.from_file(flan_t5_files / "tokenizer.json")


def _corpus_documents(corpus: Path) -> list[Document]:
    docs: list[Document] = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.suffix in (".md", ".jsonl") or path.name == "manifest.json":
            continue
        try:
            top = read_document(path)
        except DocumentError:
            continue
        docs += [d for d in top.walk() if d.blocks]
    return docs


@pytest.fixture(scope="module")
def documents(corpus: Path) -> list[Document]:
    return _corpus_documents(corpus)


@pytest.mark.parametrize(("text", "expected"), [
    ("Write to <alice@example.com> today", "Write to (alice@example.com) today"),
    ("about ~5 km away", "about about 5 km away"),
    ("if x < 3 and y <= 4", "if x less than 3 and y at most 4"),
    ("f(x) = {a: 1} ^ `b`", "f(x) = (a: 1) ** 'b'"),
    ("© 2020 José Müller, ±3 × 4", "(c) 2020 José Müller, +/-3 x 4"),
])
def test_normalise_keeps_meaning(counter: TokenCounter, text: str, expected: str) -> None:
    out = normalize(text, counter.is_unknown)
    assert out == expected
    assert counter.unk_id not in counter.encode(out)


def test_plain_english_is_untouched(counter: TokenCounter) -> None:
    text = "The committee met on Tuesday.\nAlice will send the figures by Friday (as agreed)."
    assert normalize(text, counter.is_unknown) is text


def test_unknown_share_of_english_corpus_documents_falls_to_near_zero(documents: list[Document], counter: TokenCounter) -> None:
    before = after = tokens = 0
    for doc in documents:
        summary = DocumentSummary(str(doc.path), doc.display_name, doc.kind.value, doc.title, "")
        part = readable_part(doc, summary, lambda _e: None)
        if part is None:
            continue
        raw = counter.encode(part.text())
        before += raw.count(counter.unk_id)
        tokens += len(raw)
        after += counter.encode(normalize(part.text(), counter.is_unknown)).count(counter.unk_id)
    print(f"<unk> share of the text sent to the model: {before / tokens:.5f} before, {after / tokens:.5f} after "
          f"({before} -> {after} of {tokens} tokens)")
    assert before > 50  # the corpus does hold what the vocabulary lacks
    assert after / tokens < 0.00005 and after < before / 20


def test_mojibake_is_repaired_or_reported(corpus: Path) -> None:
    doc = read_document(corpus / "pdf/chelsea_pdta.pdf")
    assert not repair(doc).notes(doc.display_name)  # one odd block in 65 pages changes nothing
    text = "Le conseil municipal a adopté le plan de mobilité active."
    import dataclasses

    garbled = dataclasses.replace(doc, blocks=[dataclasses.replace(b, text=text.encode("utf-8").decode("latin-1"))
                                               for b in doc.blocks[:5]], children=[])
    fixed = repair(garbled)
    assert fixed.document.blocks[0].text == text and not fixed.garbled and fixed.notes("x")
    gb = "会议决定推迟预算投票，并要求提交风险摘要。".encode("gb18030").decode("latin-1")
    hopeless = dataclasses.replace(garbled, blocks=[dataclasses.replace(b, text=gb) for b in garbled.blocks])
    summary = DocumentSummary("x", "x", "pdf", "x", "")
    assert repair(hopeless).garbled and readable_part(hopeless, summary, lambda _e: None) is None
    assert "wrong character set" in summary.warnings[0] and summary.summary == ""


def test_no_prompt_of_the_corpus_exceeds_the_input_budget(tmp_path: Path, tiny_model_dir: Path,
                                                          documents: list[Document]) -> None:
    """Every prompt the map step would render (map, a question, and decisions/actions or
    asks/deadlines when items are listed per chunk instead of scored), after template and
    normalisation, counted with the real tokenizer."""
    ModelStore(tmp_path).import_folder(tiny_model_dir, "tiny")
    model = load_text_model("tiny", backend="torch", quantization="float32", threads=1, store_root=tmp_path)
    try:
        summarizer = Summarizer(model)
        prompts = PromptLibrary.load()
        counted = 0
        for i, doc in enumerate(documents):
            summary = DocumentSummary(str(doc.path), doc.display_name, doc.kind.value, doc.title, "")
            part = readable_part(doc, summary, lambda _e: None, model.tokenizer.is_unknown)
            if part is None:
                continue
            kind = KIND_FOR_DOC.get(part.kind, "generic")
            for query, by_scoring in ((None, True), (None, False), ("What was decided about the budget?", True)):
                summarizer.items_by_scoring = by_scoring
                listed = () if by_scoring else ITEM_STAGES.get(kind, ())
                stages = ("query_map",) if query else ("map", *listed)
                fields = {"query": query} if query else {}
                for chunk in summarizer.chunk(part, i, query):
                    for stage in stages:
                        text = prompts.for_doc(part.kind, stage).render(chunk.text, **fields).text
                        assert model.count(text) <= summarizer.budget, (doc.display_name, stage)
                        assert model.tokenizer.unk_ratio(text) < 0.02, (doc.display_name, text[:200])
                        counted += 1
        assert counted > 500
    finally:
        model.close()

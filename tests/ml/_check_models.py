"""Tiny models taught, in seconds, to say what the check tests need: a summary of a corpus file
with a wrong number in it, and FLAN's NLI answers. Real generation and real scoring: the model
says it; nothing of ours is patched."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

from desktop.core.digest import DocumentSummary
from desktop.core.document import Document
from desktop.core.events import ignore_events
from desktop.core.prompting.chunking import Chunk
from desktop.core.prompting.prompts import PromptLibrary
from desktop.core.prompting.sentences import split_sentences
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.check.facts import facts_of
from desktop.ml.check.matcher import matches
from desktop.ml.engine.language_gate import readable_part
from desktop.ml.engine.summarizer import Summarizer
from desktop.ml.models.random_model import TOKENIZER_FILES
from desktop.ml.points.sentence_pool import document_sentences

#: The corpus agenda the wrong-number digest is made of. What the model is taught to say of it is
#: picked at run time from its content (``wrong_number_lesson``): its rules for public comment are
#: furniture (issue 29), never model input, so no point can come from them.
AGENDA = "pdf/cupertino_usd_4-6-16.pdf"


def map_chunks(model: TextModel, doc: Document) -> tuple[Document, list[tuple[Chunk, str]]]:
    """The part of ``doc`` the summarizer gives the model, and its chunks with their map prompts,
    made the way it makes them."""
    summarizer = Summarizer(model)
    part = readable_part(doc, DocumentSummary(str(doc.path), doc.display_name, doc.kind.value, doc.title, ""),
                         ignore_events, model.tokenizer.is_unknown)
    assert part is not None
    template = PromptLibrary.load().for_doc(doc.kind, "map")
    return part, [(chunk, template.render(chunk.text).text) for chunk in summarizer.chunk(part)]


@dataclass(frozen=True, slots=True)
class WrongNumber:
    """What the wrong-number model is taught to say of a document: one content sentence as it is
    (``right``) and another with one number changed (``wrong``), each in its chunk's summary."""

    pairs: tuple[tuple[str, str], ...]
    right: str
    #: ``right`` as the document says it (its full stop may be the lesson's).
    right_source: str
    wrong: str
    #: The sentence ``wrong`` misquotes, as the document says it, and the block it is in.
    source: str
    block: int
    said: str
    changed: str
    #: The chunk that holds it (its index, and its blocks: the passage the point is made from).
    chunk: int
    scope: tuple[int, ...]


def wrong_number_lesson(model: TextModel, doc: Document) -> WrongNumber:
    """Picked from what the model is given (content, never furniture): the first sentence with a
    plain whole number becomes ``wrong`` (that number made one the document never states), and
    the shortest other sentence holding a fact is ``right``. Each chunk is taught its sentences
    (a chunk holding neither, its first sentence as it is)."""
    part, chunks = map_chunks(model, doc)
    where = {b: k for k, (chunk, _) in enumerate(chunks) for b in chunk.blocks}
    pool = [s for s in document_sentences(part, 0) if s.eligible and s.block in where]
    assert all(part.blocks[s.block].furniture is None for s in pool)
    for source in pool:
        number = next((f for f in facts_of(source.text) if f.key[0] == "num" and f.key[2] == "" and f.text.isdigit()), None)
        if number is not None:
            break
    else:
        raise AssertionError(f"no content sentence of {doc.display_name} states a whole number: {[s.text for s in pool]}")
    stated = [f for block in doc.blocks for f in facts_of(block.text)]
    # A plain number too (1909 would be read as a year), stated nowhere in the document.
    changed = next(str(v) for v in range(int(number.text) + 15, int(number.text) + 1000, 15)
                   if [f.key[0] for f in facts_of(str(v))] == ["num"]
                   and not any(matches(facts_of(str(v))[0], f) for f in stated))
    wrong = _finished(source.text[:number.start] + changed + source.text[number.end:])
    others = sorted((s for s in pool if s.text != source.text), key=lambda s: (not facts_of(s.text), len(s.text)))
    assert others, f"{doc.display_name} has one content sentence only"
    right = others[0]
    said: dict[int, list[str]] = {}
    for block, text in sorted([(right.block, _finished(right.text)), (source.block, wrong)]):
        said.setdefault(where[block], []).append(text)
    pairs = []
    for k, (_, prompt) in enumerate(chunks):
        sentences = said.get(k) or [_finished(next(s.text for s in pool if where[s.block] == k))]
        summary = " ".join(sentences)
        # Each sentence comes back as a point of its own: the summary splits where it was joined.
        assert split_sentences(summary) == sentences, split_sentences(summary)
        pairs.append((prompt, summary))
    k = where[source.block]
    return WrongNumber(tuple(pairs), _finished(right.text), right.text, wrong, source.text, source.block, number.text, changed, k,
                       chunks[k][0].blocks)


def _finished(sentence: str) -> str:
    """A sentence with its full stop (an agenda's lines have none): the summarizer drops an
    unfinished last sentence of a generation (``engine/quality.py``)."""
    return sentence if sentence[-1] in ".!?" else sentence + "."


def teach(base: Path, out: Path, pairs: list[tuple[str, str]], *, steps: int = 160, lr: float = 3e-3,
          seed: int = 0, batch: int = 8) -> Path:
    """The model of ``base`` trained on (prompt, answer) pairs, saved to ``out`` as a model folder."""
    import torch
    from transformers import T5ForConditionalGeneration

    tok = TokenCounter.for_model(base)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    model = T5ForConditionalGeneration.from_pretrained(base)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    rng = random.Random(seed)
    encoded = [(tok.encode(p), tok.encode(a)) for p, a in pairs]
    for _ in range(steps):
        chosen = [rng.choice(encoded) for _ in range(min(batch, max(1, len(encoded))))]
        src_w = max(len(s) for s, _ in chosen)
        tgt_w = max(len(t) for _, t in chosen)
        ids = torch.tensor([s + [0] * (src_w - len(s)) for s, _ in chosen])
        labels = torch.tensor([t + [-100] * (tgt_w - len(t)) for _, t in chosen])
        loss = model(input_ids=ids, attention_mask=(ids != 0).long(), labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    out.mkdir(parents=True, exist_ok=True)
    model.eval().save_pretrained(out, safe_serialization=True)
    for name in TOKENIZER_FILES:
        shutil.copyfile(base / name, out / name)
    for name in ("generation_config.json",):
        if (base / name).is_file():
            shutil.copyfile(base / name, out / name)
    return out


#: NLI lessons come from these files' content (never from the reference pairs the benchmark
#: measures on; never from furniture, which ``document_sentences`` leaves out).
NLI_SOURCES = ("pdf/federal-register-2020-17221.pdf", "docx/va-notice-of-intent-pws.docx")
#: What a tiny model can learn in seconds is a keyword, not entailment: it is taught to answer
#: "no" when a hypothesis puts one of these made-up names in place of a word of the premise, and
#: "yes" to the premise itself. Enough to test the layer's mechanics (the score is the model's,
#: the threshold decides); the benchmark's changed names are others, so it learns nothing there.
STRANGERS = ("Zorblat", "Quixley", "Vantrobe", "Mordekai")
#: The NLI lesson (the tests and ``benchmarks/faithfulness.py`` teach the same model). Measured
#: over seeds 0-3 on 16 sentences of a file it never saw (google-doc-document.pdf): itself
#: scored above the threshold for 15-16, a copy with a stranger (first word or another) below
#: it for all 16, and 177-179 of the 180 taught answers right. At 200 steps a stranger still
#: passed in up to 5 of 16 and 25 taught answers were wrong; taught one copy per sentence (at a
#: random word, and a random half of the pairs), up to 10 of 16 passed.
NLI_TEACHING = {"steps": 300, "lr": 5e-3, "batch": 8}


def nli_lessons(corpus: Path, limit: int = 60, seed: int = 0) -> list[tuple[str, str, str]]:
    """Short corpus sentences, each with two copies that have a word replaced by a made-up name:
    its first word (where a subject's name stands) and another; the sources take turns, so that
    no file fills the lesson."""
    from desktop.core.ingest import read_document

    rng = random.Random(seed)
    sources = []
    for rel in NLI_SOURCES:
        texts = [s.text for s in document_sentences(read_document(corpus / rel), 0) if s.eligible and len(s.text) <= 160]
        rng.shuffle(texts)
        sources.append(texts)
    out = []
    for text in [t for turn in zip_longest(*sources) for t in turn if t is not None][:limit]:
        words = text.split()
        k = rng.randrange(1, len(words))
        first, other = rng.sample(STRANGERS, 2)
        out.append((text, " ".join([first] + words[1:]), " ".join(words[:k] + [other] + words[k + 1:])))
    return out


def nli_pairs(corpus: Path, limit: int = 180, seed: int = 0) -> list[tuple[str, str]]:
    """FLAN's NLI prompt over ``nli_lessons``: each sentence as itself ("yes") and its copies with
    a stranger ("no"). All three are taught, so only the stranger tells them apart (a sentence
    seen with one answer only is learnt by heart instead)."""
    template = PromptLibrary.load().get("check", "entailment")
    out: list[tuple[str, str]] = []
    for text, *changed in nli_lessons(corpus, limit // 3, seed):
        out.append((template.render(text, hypothesis=text).text, "yes"))
        out += [(template.render(text, hypothesis=c).text, "no") for c in changed]
    random.Random(seed).shuffle(out)
    return out

"""Tiny models taught, in seconds, to say what the check tests need: a summary of a corpus file
with a wrong number in it, and FLAN's NLI answers. Real generation and real scoring: the model
says it; nothing of ours is patched."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from desktop.core.digest import DocumentSummary
from desktop.core.document import Document
from desktop.core.events import ignore_events
from desktop.core.prompting.prompts import PromptLibrary
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.engine.language_gate import readable_part
from desktop.ml.engine.summarizer import Summarizer
from desktop.ml.models.random_model import TOKENIZER_FILES

#: The corpus agenda the wrong-number digest is made of, and what the model is taught to say of
#: each of its two chunks: the first is true ("three (3) minutes" each), the second is not (the
#: agenda says the Board limits the total time to 30 minutes).
AGENDA = "pdf/cupertino_usd_4-6-16.pdf"
AGENDA_SUMMARIES = ("Speakers at the Board of Education meeting may comment for three minutes each.",
                    "The Board limits public comment to 45 minutes in total.")


def map_prompts(model: TextModel, doc: Document) -> list[str]:
    """The map prompts the summarizer gives the model for ``doc``, made the way it makes them."""
    summarizer = Summarizer(model)
    part = readable_part(doc, DocumentSummary(str(doc.path), doc.display_name, doc.kind.value, doc.title, ""),
                         ignore_events, model.tokenizer.is_unknown)
    assert part is not None
    template = PromptLibrary.load().for_doc(doc.kind, "map")
    return [template.render(chunk.text).text for chunk in summarizer.chunk(part)]


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


#: NLI lessons come from these files (never from the reference pairs the benchmark measures on).
NLI_SOURCES = ("pdf/federal-register-2020-17221.pdf", "pdf/cupertino_usd_4-6-16.pdf", "docx/va-notice-of-intent-pws.docx")
#: What a tiny model can learn in seconds is a keyword, not entailment: it is taught to answer
#: "no" when a hypothesis puts one of these made-up names in place of a word of the premise, and
#: "yes" to the premise itself. Enough to test the layer's mechanics (the score is the model's,
#: the threshold decides); the benchmark's changed names are others, so it learns nothing there.
STRANGERS = ("Zorblat", "Quixley", "Vantrobe", "Mordekai")


def nli_pairs(corpus: Path, limit: int = 160, seed: int = 0) -> list[tuple[str, str]]:
    """FLAN's NLI prompt over short corpus sentences: the sentence itself ("yes"), or the sentence
    with a word replaced by a made-up name ("no")."""
    from desktop.core.ingest import read_document
    from desktop.ml.points.sentence_pool import document_sentences

    template = PromptLibrary.load().get("check", "entailment")
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for rel in NLI_SOURCES:
        for s in document_sentences(read_document(corpus / rel), 0):
            if not s.eligible or len(s.text) > 160:
                continue
            out.append((template.render(s.text, hypothesis=s.text).text, "yes"))
            words = s.text.split()
            k = rng.randrange(len(words))
            changed = " ".join(words[:k] + [rng.choice(STRANGERS)] + words[k + 1:])
            out.append((template.render(s.text, hypothesis=changed).text, "no"))
    rng.shuffle(out)
    return out[:limit]

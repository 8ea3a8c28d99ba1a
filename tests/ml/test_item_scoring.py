"""Items by likelihood: a tiny model trained here to answer "yes" exactly for sentences that say
"please" keeps exactly those candidates as action items, each cited to its own sentence."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from desktop.core.cache import SummaryCache
from desktop.core.ingest import read_document
from desktop.core.paths import resource
from desktop.core.prompting.prompts import PromptLibrary
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.engine.item_scoring import ItemScorer
from desktop.ml.engine.loader import load_text_model
from desktop.ml.engine.summarizer import Summarizer
from desktop.ml.models.random_model import TOKENIZER_FILES
from desktop.ml.models.store import ModelStore
from desktop.ml.points.sentence_pool import document_sentences

MEETING = resource("samples") / "product-sync-meeting.vtt"
_NAMES = ["Anna", "Ben", "Chloe", "Dev", "Omar", "Sara", "Yuki", "Leo"]
_TASKS = ["send the figures", "book the room", "review the draft", "call the vendor", "update the plan",
          "write the notes", "fix the build", "share the slides", "check the invoice", "test the release"]
_WHEN = ["by Friday", "tomorrow", "next week", "before the sync", "by Monday", "today"]


def _sentence(rng: random.Random, please: bool) -> str:
    name, task, when = rng.choice(_NAMES), rng.choice(_TASKS), rng.choice(_WHEN)
    if please:
        return rng.choice([f"{name}, please {task} {when}.", f"Please {task} {when}, {name}.",
                           f"Could you please {task} {when}?", f"I'd like you to please {task} {when}."])
    return rng.choice([f"{name}, can you {task} {when}?", f"I'll {task} {when}.", f"{name} will {task} {when}.",
                       f"We need to {task} {when}.", f"Will do, I'll {task}."])


@pytest.fixture(scope="module")
def please_model(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> TextModel:
    """The tiny model after 150 steps on the action-item question: yes iff the sentence says please."""
    import torch
    from transformers import T5ForConditionalGeneration

    from desktop.ml.backends.tokenizer import TokenCounter

    tok = TokenCounter.for_model(tiny_model_dir)
    template = PromptLibrary.load().get("common", "action_item")
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = T5ForConditionalGeneration.from_pretrained(tiny_model_dir)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    rng = random.Random(0)
    yes, no = tok.encode("yes"), tok.encode("no")
    for _ in range(150):
        batch = [(p := rng.random() < 0.5, template.render(_sentence(rng, p)).text) for _ in range(16)]
        src = [tok.encode(text) for _, text in batch]
        width = max(map(len, src))
        ids = torch.tensor([s + [0] * (width - len(s)) for s in src])
        labels = torch.tensor([yes if p else no for p, _ in batch])
        loss = model(input_ids=ids, attention_mask=(ids != 0).long(), labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    folder = tmp_path_factory.mktemp("please") / "please-t5"
    model.eval().save_pretrained(folder, safe_serialization=True)
    for name in TOKENIZER_FILES:
        shutil.copyfile(tiny_model_dir / name, folder / name)
    store = tmp_path_factory.mktemp("please-store")
    ModelStore(store).import_folder(folder, "please")
    loaded = load_text_model("please", backend="torch", quantization="float32", threads=1, store_root=store)
    yield loaded
    loaded.close()


def test_the_model_answers_yes_exactly_for_the_pattern(please_model: TextModel) -> None:
    doc = read_document(MEETING)
    scored = ItemScorer(please_model, PromptLibrary.load()).scored(document_sentences(doc, 0), "actions")
    assert len(scored) >= 5  # the cue finder's candidates: "can you", "I'll", "please"...
    for s in scored:
        assert (s.p_yes >= 0.5) == ("please" in s.text.lower()), (s.text, s.p_yes)


def test_candidates_are_scored_in_groups_small_enough_to_cancel(please_model: TextModel,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Several candidates per backend call (both workers busy), but few enough tokens that Cancel,
    checked between calls, acts within about a second; a set Cancel stops before the next call."""
    from desktop.ml.engine import item_scoring

    calls: list[list[str]] = []
    real = please_model.submit_scores

    def recording(requests):  # type: ignore[no-untyped-def]
        calls.append([prompt for prompt, _ in requests])
        return real(requests)

    monkeypatch.setattr(please_model, "submit_scores", recording)
    monkeypatch.setattr(item_scoring, "SCORE_GROUP_TOKENS", 128)
    pool = document_sentences(read_document(MEETING), 0)
    scored = ItemScorer(please_model, PromptLibrary.load()).scored(pool, "actions")
    assert len(calls) >= 2 and sum(map(len, calls)) == len(scored)
    assert all(len(c) == 1 or sum(please_model.count(p) for p in c) <= 128 for c in calls)
    assert any(len(c) > 1 for c in calls)
    calls.clear()
    assert ItemScorer(please_model, PromptLibrary.load()).scored(pool, "actions", lambda: True) == [] and not calls


def test_kept_action_items_are_the_candidates_it_says_yes_to_each_cited(please_model: TextModel) -> None:
    doc = read_document(MEETING)
    digest = Summarizer(please_model, cache=SummaryCache(None), input_budget=512).summarize([doc], classify=False)
    texts = [a.text for a in digest.action_items]
    assert len(texts) == 2 and all("please" in t.lower() for t in texts), texts
    article = next(a for a in digest.action_items if "help article" in a.text)
    assert article.owner == "Aiko Tanaka" and article.due == "Friday" and article.requester == "Priya Shah"
    # Cited to the exact block that says it, not to the chunk's extent.
    [source] = article.sources
    block = next(b for b in doc.blocks if b.locator == source.locator.without_sentences())
    assert "help article" in block.text and block.locator.speaker == "Priya Shah"

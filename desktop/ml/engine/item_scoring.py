"""Decisions, action items, asks and deadlines by scoring candidate sentences, not by free lists.

A base-size FLAN-T5 writes poor semicolon-separated lists, and a listed item has to be matched
back to a source. Instead the cue tests the extractive engine uses pick candidate sentences from
the document, the model answers a per-item yes/no question about each one (scored by likelihood,
as classification is, so the answer is always yes or no), and the sentences it says yes to are
kept with their exact citation. Answers are cached like summaries.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from desktop.core.cache import SummaryCache, cache_key
from desktop.core.digest import Digest, Point
from desktop.core.document import Document
from desktop.core.events import CancelToken
from desktop.core.prompting.prompts import KIND_FOR_DOC, PromptLibrary
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.engine.score_groups import cached_float, groups
from desktop.ml.extractive.engine import CUE_TESTS
from desktop.ml.points.citations import source_for
from desktop.ml.points.items import dedupe
from desktop.ml.points.owners import ItemContext, item_point
from desktop.ml.points.sentence_pool import Sentence, document_sentences

#: Item sections per template set, and the yes/no question (common.toml) each one asks.
SECTIONS = {"meeting": ("decisions", "actions"), "email": ("asks", "deadlines")}
QUESTIONS = {"decisions": "decision_item", "actions": "action_item", "asks": "ask_item", "deadlines": "deadline_item"}
DIGEST_FIELD = {"decisions": "decisions", "actions": "action_items", "asks": "asks", "deadlines": "deadlines"}
FROM_FIELD = {field: section for section, field in DIGEST_FIELD.items()}
#: A sentence is kept when the model's probability of "yes" (against "no") reaches this.
THRESHOLD = 0.5
#: Candidates scored per section and document: bounds the cost on a long meeting (one encoder
#: pass per candidate), taken in document order.
MAX_CANDIDATES = 32
MAX_ITEMS = 8
#: Prompt tokens scored per backend call (each with both options; Cancel is checked between
#: calls): about a second of work on two cores at flan-t5-base size (0.5 s per 512 tokens per
#: option on one core), and at most 8 candidates.
SCORE_GROUP_TOKENS = 1024
SCORE_GROUP = 8
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    sentence: Sentence
    text: str
    p_yes: float


class ItemScorer:
    """Score a document's candidate sentences for each item section of its kind."""

    def __init__(self, model: TextModel, prompts: PromptLibrary, cache: SummaryCache | None = None,
                 budget: int = 512, threshold: float = THRESHOLD) -> None:
        self.model = model
        self.prompts = prompts
        self.cache = cache
        self.budget = budget
        self.threshold = threshold

    def items(self, doc: Document, kind: str, should_stop: Callable[[], bool] = lambda: False,
              sections: tuple[str, ...] | None = None) -> dict[str, list[Point]]:
        """Digest field name -> the kept points, for the sections of ``kind`` ("meeting", "email"),
        or ``sections`` (digest field names: a template's) for a meeting or mail."""
        pool = document_sentences(doc, 0)
        ctx = ItemContext.of(doc)
        out: dict[str, list[Point]] = {}
        names = SECTIONS.get(kind, ()) if sections is None else tuple(FROM_FIELD[f] for f in sections if f in FROM_FIELD)
        for section in names:
            kept: list[Point] = []
            for scored in self.scored(pool, section, should_stop):
                if scored.p_yes >= self.threshold:
                    kept.append(self._point(ctx, section, scored))
            texts = set(dedupe([p.text for p in kept])[:MAX_ITEMS])
            out[DIGEST_FIELD[section]] = [p for p in kept if p.text in texts]
        return out

    def scored(self, pool: list[Sentence], section: str, should_stop: Callable[[], bool] = lambda: False) -> list[ScoredSentence]:
        """Every candidate of ``section`` with its probability of "yes"."""
        cue = CUE_TESTS[section]
        template = self.prompts.get("common", QUESTIONS[section])
        room = max(16, self.budget - template.overhead(self.model.count))
        candidates: list[tuple[Sentence, str]] = []
        for s in pool:
            if len(candidates) >= MAX_CANDIDATES:
                break
            if not s.eligible or not cue(s.text):
                continue
            text = f"{s.speaker}: {s.text}" if s.speaker else s.text
            candidates.append((s, template.render(self.model.truncate(text, room)).text))
        out: list[ScoredSentence] = []
        # A few candidates per backend call: each call keeps both workers busy, and Cancel is
        # checked between calls.
        for group in _groups(candidates, [self.model.count(prompt) for _, prompt in candidates]):
            if should_stop():
                break
            probs = self._p_yes([prompt for _, prompt in group], template.id, template.options)
            out += [ScoredSentence(s, s.text, p) for (s, _), p in zip(group, probs)]
        return out

    def _p_yes(self, prompts: list[str], template_id: str, options: tuple[str, ...]) -> list[float]:
        """The probability of "yes" for each prompt; cached answers are not scored again."""
        keys = [cache_key(self.model.identity, template_id, "p_yes", prompt) for prompt in prompts]
        out: list[float | None] = [cached_float(self.cache, key) for key in keys]
        todo = [i for i, p in enumerate(out) if p is None]
        if todo:
            scores = self.model.submit_scores([(prompts[i], list(options)) for i in todo])()
            for i, (yes, no) in zip(todo, scores):
                # Mean per-token log-likelihoods of "yes" and "no" -> the probability of yes between the two.
                p = 1.0 / (1.0 + math.exp(no - yes))
                out[i] = p
                if self.cache is not None:
                    self.cache.put(keys[i], f"{p:.6f}", template_id)
        return [p if p is not None else 0.0 for p in out]

    def _point(self, ctx: ItemContext, section: str, scored: ScoredSentence) -> Point:
        s = scored.sentence
        return item_point(ctx, section, scored.text, s.block, [source_for(ctx.doc, s.block)])


def _groups(items: list[T], sizes: list[int]) -> list[list[T]]:
    """Consecutive groups of at most SCORE_GROUP items and SCORE_GROUP_TOKENS tokens."""
    return groups(items, sizes, SCORE_GROUP, SCORE_GROUP_TOKENS)


def add_scored_items(scorer: ItemScorer, digest: Digest, documents: Iterable[Document], cancel: CancelToken,
                     sections: tuple[str, ...] | None = None) -> None:
    """Score every document's candidates and add the kept ones to the digest's item sections
    (near-duplicates across documents dropped, order kept)."""
    for doc in documents:
        kind = KIND_FOR_DOC.get(doc.kind, "")
        if kind not in SECTIONS:
            continue
        cancel.raise_if_cancelled()
        for name, points in scorer.items(doc, kind, lambda: cancel.cancelled, sections).items():
            getattr(digest, name).extend(points)
    cancel.raise_if_cancelled()
    for name in DIGEST_FIELD.values():
        section: list[Point] = getattr(digest, name)
        kept = set(dedupe([p.text for p in section]))
        setattr(digest, name, [p for p in section if p.text in kept])

"""Check free-standing claims against a whole document (``precis-cli verify``, the benchmark).

The same check as a digest's points, with the whole document as the cited passage: the facts
of the claim must be in it, the citation narrows to the sentences that hold them, and with a
model FLAN-T5 is asked whether those sentences entail the claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.core.digest import Source
from desktop.core.document import Document
from desktop.core.prompting.chunking import content_blocks
from desktop.core.support import Problem
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.check.entailment import EntailmentScorer
from desktop.ml.check.matcher import check_claim
from desktop.ml.check.passage import DocIndex, Sentence, merge_sources
from desktop.ml.points.citations import content_words

WHERE = "the document never"


@dataclass(slots=True)
class ClaimResult:
    """One claim's verdict: supported or not, the problems, and the sentences it rests on."""

    id: str
    supported: bool
    problems: list[Problem] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    entailment: float | None = None
    #: The premise the model was (or would be) asked about: the supporting sentences.
    premise: str = ""
    quoted: bool = False
    claim: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "supported": self.supported,
                               "problems": [p.to_dict() for p in self.problems],
                               "sources": [s.to_dict() for s in self.sources]}
        if self.entailment is not None:
            out["entailment"] = round(self.entailment, 4)
        return out


def check_document_claim(claim_id: str, claim: str, doc: Document, index: DocIndex | None = None) -> ClaimResult:
    """The model-free verdict on ``claim`` against every content block of ``doc``."""
    index = index or DocIndex(doc)
    sentences = [s for d_index in _blocks(doc) for s in index.block(d_index)]
    verdict = check_claim(claim, sentences, where=WHERE)
    support = verdict.support or _nearest(claim, sentences)
    return ClaimResult(claim_id, not verdict.problems, list(verdict.problems), merge_sources(verdict.support),
                       premise=" ".join(s.text for s in support), quoted=verdict.quoted, claim=claim)


def entail(results: list[ClaimResult], model: TextModel, scorer: EntailmentScorer | None = None) -> None:
    """The model's layer: claims the facts passed are asked about against their supporting sentences."""
    scorer = scorer or EntailmentScorer(model)
    todo = [r for r in results if r.supported and not r.quoted]
    for result, p_yes in zip(todo, scorer.p_yes([(r.premise, r.claim) for r in todo])):
        result.entailment = p_yes
        if p_yes is not None and p_yes < scorer.threshold:
            result.supported = False
            result.problems.append(Problem("entailment", result.claim[:80],
                                           f"the model does not read this in the document's nearest sentences "
                                           f"(it gives {p_yes:.0%} to “yes, it follows”)"))


def _nearest(claim: str, sentences: list[Sentence], k: int = 3) -> list[Sentence]:
    """The sentences sharing most words with the claim, when none shares enough to support it:
    what the model is asked about."""
    words = content_words(claim)
    ranked = sorted(sentences, key=lambda s: -len(words & s.content))
    return [s for s in ranked[:k] if words & s.content]


def _blocks(doc: Document) -> list[int]:
    blocks = content_blocks(doc)
    return blocks or list(range(len(doc.blocks)))

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
from desktop.ml.check.matcher import check_claim
from desktop.ml.check.passage import DocIndex, merge_sources

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
    return ClaimResult(claim_id, not verdict.problems, list(verdict.problems), merge_sources(verdict.support),
                       premise=" ".join(s.text for s in verdict.support), quoted=verdict.quoted)


def _blocks(doc: Document) -> list[int]:
    blocks = content_blocks(doc)
    return blocks or list(range(len(doc.blocks)))

"""The evaluation card: ROUGE before vs after on the validation pairs and on held-out replay
instructions (the forgetting check), plus side-by-side samples.

Scores are of single prompts generated greedily with the settings inference uses for a chunk
summary, on exactly the prompts training used: a document longer than one prompt is judged on
its first chunk, as it was trained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop.ml.engine.evaluate import METRICS, score
from desktop.ml.finetune.examples import Example

#: Characters of a document shown in a side-by-side sample.
SAMPLE_CHARS = 300


@dataclass(frozen=True, slots=True)
class Sample:
    document_start: str
    reference: str
    before: str
    after: str
    origin: str


def rouge(candidates: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Mean ROUGE-1/2/L F-measures (rouge-score, stemmed); zeros when there is nothing to score."""
    report = score((str(i), c, r) for i, (c, r) in enumerate(zip(candidates, references)))
    return {m: round(getattr(report, m), 4) for m in METRICS}


@dataclass(slots=True)
class EvaluationCard:
    val_before: dict[str, float]
    val_after: dict[str, float]
    replay_before: dict[str, float]
    replay_after: dict[str, float]
    #: How close the adapter's answers to held-out replay prompts stay to the base model's
    #: (ROUGE of after against before; 1.0 means nothing changed).
    replay_agreement: dict[str, float]
    val_pairs: int
    replay_items: int
    samples: list[Sample] = field(default_factory=list)

    @classmethod
    def build(cls, val: Sequence[Example], val_before: Sequence[str], val_after: Sequence[str],
              heldout: Sequence[Example], held_before: Sequence[str], held_after: Sequence[str],
              n_samples: int = 3) -> EvaluationCard:
        scored = [i for i, e in enumerate(heldout) if e.reference]
        refs = [heldout[i].reference or "" for i in scored]
        samples = [Sample(_document_start(e.source), e.target, b, a, e.origin)
                   for e, b, a in list(zip(val, val_before, val_after))[:n_samples]]
        return cls(
            val_before=rouge(val_before, [e.target for e in val]),
            val_after=rouge(val_after, [e.target for e in val]),
            replay_before=rouge([held_before[i] for i in scored], refs),
            replay_after=rouge([held_after[i] for i in scored], refs),
            replay_agreement=rouge(held_after, held_before),
            val_pairs=len(val),
            replay_items=len(scored),
            samples=samples,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvaluationCard:
        values = dict(data)
        values["samples"] = [Sample(**s) for s in data.get("samples", [])]
        return cls(**values)

    def table(self) -> str:
        """The card as plain text for a terminal."""
        lines = [f"{'':<32}{'ROUGE-1':>9}{'ROUGE-2':>9}{'ROUGE-L':>9}"]
        rows = [
            (f"your pairs, before ({self.val_pairs})", self.val_before),
            (f"your pairs, after ({self.val_pairs})", self.val_after),
            (f"other skills, before ({self.replay_items})", self.replay_before),
            (f"other skills, after ({self.replay_items})", self.replay_after),
        ]
        for label, values in rows:
            lines.append(f"{label:<32}" + "".join(f"{values[m]:>9.3f}" for m in METRICS))
        if not self.val_pairs:
            lines.append("(fewer than 4 pairs: none could be held out to validate on)")
        for i, s in enumerate(self.samples, 1):
            lines += ["", f"Sample {i} ({s.origin}): {s.document_start}", f"  reference: {s.reference}",
                      f"  before:    {s.before}", f"  after:     {s.after}"]
        return "\n".join(lines)


def _document_start(prompt: str) -> str:
    """The document part of a rendered prompt (the instruction comes first, then a blank line)."""
    text = prompt.split("\n\n", 1)[-1]
    text = " ".join(text.split())
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS].rsplit(" ", 1)[0] + " …"

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
from desktop.ml.finetune.tasks import accuracy, task_is_text, task_label

Scores = dict[str, float]

#: Characters of a document shown in a side-by-side sample.
SAMPLE_CHARS = 300


@dataclass(frozen=True, slots=True)
class Sample:
    document_start: str
    reference: str
    before: str
    after: str
    origin: str


@dataclass(frozen=True, slots=True)
class TaskScore:
    """One of the user's tasks on the card: ROUGE for free text, accuracy for fixed answers."""

    task: str
    kind: str  # "text" or "choice"
    items: int
    before: Scores
    after: Scores
    previous: Scores | None = None

    def metric_names(self) -> tuple[str, ...]:
        return METRICS if self.kind == "text" else ("accuracy",)


def task_scores(examples: Sequence[Example], outputs: dict[str, Sequence[str]], kinds: dict[str, str]) -> list[TaskScore]:
    """Per task of ``examples`` (validation pairs), scores of each named output list
    ("before", "after", optionally "previous"), in order of first appearance."""
    order = list(dict.fromkeys(e.task for e in examples))
    out = []
    for task in order:
        idx = [i for i, e in enumerate(examples) if e.task == task]
        refs = [examples[i].target for i in idx]
        kind = kinds.get(task) or ("text" if task_is_text(refs) else "choice")

        def measure(texts: Sequence[str], idx: list[int] = idx, refs: list[str] = refs, kind: str = kind) -> Scores:
            got = [texts[i] for i in idx]
            return rouge(got, refs) if kind == "text" else {"accuracy": accuracy(got, refs)}

        prev = outputs.get("previous")
        out.append(TaskScore(task_label(task), kind, len(idx), measure(outputs["before"]), measure(outputs["after"]),
                             measure(prev) if prev is not None else None))
    return out


def task_kinds(examples: Sequence[Example]) -> dict[str, str]:
    """"text" or "choice" for each task, judged from all of its answers (training ones included)."""
    answers: dict[str, list[str]] = {}
    for e in examples:
        if not e.reference:  # replay examples carry references; the user's pairs do not
            answers.setdefault(e.task, []).append(e.target)
    return {t: "text" if task_is_text(a) else "choice" for t, a in answers.items()}


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
    #: Each of the user's tasks separately (summaries, and each instruction of the pairs file).
    tasks: list[TaskScore] = field(default_factory=list)
    #: A continued adapter: the version it continued, and that version's scores on the same items.
    previous_version: int | None = None
    val_previous: Scores | None = None
    replay_previous: Scores | None = None
    #: Pairs earlier versions were trained on and this run did not replay: forgetting of them.
    earlier_items: int = 0
    earlier_before: Scores | None = None
    earlier_previous: Scores | None = None
    earlier_after: Scores | None = None
    #: ROUGE-L of the new answers against the base model's, per held-out kind ("general",
    #: "replay:title"...): which of the model's other skills moved, and how far.
    replay_kinds: Scores = field(default_factory=dict)

    @classmethod
    def build(cls, val: Sequence[Example], val_before: Sequence[str], val_after: Sequence[str],
              heldout: Sequence[Example], held_before: Sequence[str], held_after: Sequence[str],
              n_samples: int = 3, *, kinds: dict[str, str] | None = None, previous: Previous | None = None,
              ) -> EvaluationCard:
        scored = [i for i, e in enumerate(heldout) if e.reference]
        refs = [heldout[i].reference or "" for i in scored]
        samples = [Sample(_document_start(e.source), e.target, b, a, e.origin)
                   for e, b, a in list(zip(val, val_before, val_after))[:n_samples]]
        outputs: dict[str, Sequence[str]] = {"before": val_before, "after": val_after}
        if previous is not None:
            outputs["previous"] = previous.val
        card = cls(
            val_before=rouge(val_before, [e.target for e in val]),
            val_after=rouge(val_after, [e.target for e in val]),
            replay_before=rouge([held_before[i] for i in scored], refs),
            replay_after=rouge([held_after[i] for i in scored], refs),
            replay_agreement=rouge(held_after, held_before),
            val_pairs=len(val),
            replay_items=len(scored),
            samples=samples,
            tasks=task_scores(val, outputs, kinds or {}),
            replay_kinds=_agreement_by_kind(heldout, held_before, held_after),
        )
        if previous is not None:
            card.previous_version = previous.version
            card.val_previous = rouge(previous.val, [e.target for e in val])
            card.replay_previous = rouge([previous.held[i] for i in scored], refs)
            earlier_refs = [e.target for e in previous.earlier]
            card.earlier_items = len(earlier_refs)
            card.earlier_before = rouge(previous.earlier_before, earlier_refs)
            card.earlier_previous = rouge(previous.earlier_previous, earlier_refs)
            card.earlier_after = rouge(previous.earlier_after, earlier_refs)
        return card

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvaluationCard:
        values = dict(data)
        values["samples"] = [Sample(**s) for s in data.get("samples", [])]
        values["tasks"] = [TaskScore(**t) for t in data.get("tasks", [])]
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
        if self.previous_version is not None:
            v = self.previous_version
            rows.insert(1, (f"your pairs, version {v} ({self.val_pairs})", self.val_previous or {}))
            rows.insert(4, (f"other skills, version {v} ({self.replay_items})", self.replay_previous or {}))
            rows += [(f"earlier pairs, base ({self.earlier_items})", self.earlier_before or {}),
                     (f"earlier pairs, version {v} ({self.earlier_items})", self.earlier_previous or {}),
                     (f"earlier pairs, after ({self.earlier_items})", self.earlier_after or {})]
        for label, values in rows:
            lines.append(f"{label:<32}" + "".join(f"{values.get(m, 0.0):>9.3f}" for m in METRICS))
        if len(self.tasks) > 1 or any(t.kind == "choice" for t in self.tasks):
            lines += ["", "Each task (before -> after):"]
            for t in self.tasks:
                names = t.metric_names()
                shown = "  ".join(f"{m} {t.before[m]:.3f} -> {t.after[m]:.3f}" for m in names)
                lines.append(f"  {t.task} ({t.items}): {shown}")
        if not self.val_pairs:
            lines.append("(fewer than 4 pairs: none could be held out to validate on)")
        for i, s in enumerate(self.samples, 1):
            lines += ["", f"Sample {i} ({s.origin}): {s.document_start}", f"  reference: {s.reference}",
                      f"  before:    {s.before}", f"  after:     {s.after}"]
        return "\n".join(lines)


def _agreement_by_kind(heldout: Sequence[Example], before: Sequence[str], after: Sequence[str]) -> Scores:
    out = {}
    for kind in dict.fromkeys(e.task for e in heldout):
        idx = [i for i, e in enumerate(heldout) if e.task == kind]
        out[kind] = rouge([after[i] for i in idx], [before[i] for i in idx])["rougeL"]
    return out


@dataclass(frozen=True, slots=True)
class Previous:
    """Outputs of the version a continued run started from, and of earlier pairs by each model."""

    version: int
    val: Sequence[str]
    held: Sequence[str]
    earlier: Sequence[Example]
    earlier_before: Sequence[str]
    earlier_previous: Sequence[str]
    earlier_after: Sequence[str]


def _document_start(prompt: str) -> str:
    """The document part of a rendered prompt (the instruction comes first, then a blank line)."""
    text = prompt.split("\n\n", 1)[-1]
    text = " ".join(text.split())
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS].rsplit(" ", 1)[0] + " …"

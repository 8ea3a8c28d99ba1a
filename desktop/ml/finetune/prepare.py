"""Everything decided before the first training step, saved so a resumed run trains on exactly
the same data: the split, the examples, the replay answers and the base model's outputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.core.events import EventCallback, Notice, ignore_events
from desktop.core.prompting.prompts import PromptLibrary
from desktop.ml.backends.base import GenerationSettings
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.engine.presets import preset
from desktop.ml.finetune.continual import Earlier
from desktop.ml.finetune.examples import Example, dump_examples, load_examples, summary_examples
from desktop.ml.finetune.pairset import PairSet
from desktop.ml.finetune.replay import GeneralItem, answer, generate_answers, plan_replay
from desktop.ml.finetune.settings import FinetuneSettings

#: generate(prompts, settings, stage) -> outputs; ``stage`` is the phrase shown while it runs.
StageGenerate = Callable[[list[str], GenerationSettings, str], list[str]]


def card_settings(settings: FinetuneSettings) -> GenerationSettings:
    """What inference generates for a chunk summary (medium length), capped at the target length."""
    return preset("medium").map_settings(settings.max_target_len)


@dataclass(slots=True)
class Prepared:
    #: The user's pairs first, then replay examples.
    train: list[Example]
    val: list[Example]
    #: Held-out replay prompts: ``target`` is the base model's answer, ``reference`` the written one.
    heldout: list[Example]
    val_before: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: A continued adapter: earlier pairs held out of training, the base model's outputs on them,
    #: and the previous version's outputs ("val", "held", "earlier") once the adapter is loaded.
    earlier: list[Example] = field(default_factory=list)
    earlier_before: list[str] = field(default_factory=list)
    previous: dict[str, list[str]] | None = None

    @property
    def held_before(self) -> list[str]:
        return [e.target for e in self.heldout]

    def to_dict(self) -> dict[str, Any]:
        return {"train": dump_examples(self.train), "val": dump_examples(self.val), "heldout": dump_examples(self.heldout),
                "val_before": self.val_before, "counts": self.counts, "notes": self.notes,
                "earlier": dump_examples(self.earlier), "earlier_before": self.earlier_before, "previous": self.previous}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Prepared:
        return cls(load_examples(data["train"]), load_examples(data["val"]), load_examples(data["heldout"]),
                   list(data["val_before"]), dict(data.get("counts", {})), list(data.get("notes", [])),
                   load_examples(data.get("earlier", [])), list(data.get("earlier_before", [])), data.get("previous"))


def prepare(pairs: PairSet, settings: FinetuneSettings, counter: TokenCounter, generate: StageGenerate, *,
            library: PromptLibrary | None = None, on_event: EventCallback = ignore_events,
            earlier: Earlier | None = None, general: Sequence[GeneralItem] | None = None) -> Prepared:
    library = library or PromptLibrary.load()
    notes: list[str] = []
    train_items, val_items = pairs.split(settings.val_share, settings.seed)
    train = summary_examples(train_items, library, counter.count, settings.max_source_len)
    val = summary_examples(val_items, library, counter.count, settings.max_source_len)
    cut = train.cut + val.cut
    if cut:
        notes.append(f"{cut} of the documents are longer than one model input ({settings.max_source_len} tokens); "
                     "training uses their first part only.")
    counts = pairs.counts()
    if counts["usable"] < counts["total"]:
        notes.append(f"{counts['total'] - counts['usable']} of {counts['total']} pairs are left out "
                     "(empty, duplicate or unreadable).")
    long_summaries = sum(1 for i in train_items + val_items if i.summary_tokens > settings.max_target_len)
    if long_summaries:
        notes.append(f"{long_summaries} summaries are longer than {settings.max_target_len} tokens and are cut there.")
    plan = plan_replay(library, counter, train_docs=train.chunks, val_docs=val.chunks, n_summary=len(train.examples),
                       share=settings.replay, max_source_len=settings.max_source_len, seed=settings.seed,
                       general=general)

    def stage(name: str) -> Callable[[list[str], GenerationSettings], list[str]]:
        return lambda prompts, s: generate(prompts, s, name)

    replay = answer(plan.train, stage("preparing replay examples"), settings.max_target_len)
    if len(replay) < len(plan.train):
        notes.append(f"{len(plan.train) - len(replay)} replay answers of the base model were unusable and left out.")
    held_answers = generate_answers(plan.heldout, stage("testing the base model on other instructions"),
                                    settings.max_target_len)
    heldout = [Example(p.source, a, p.task, p.template_id, p.origin, p.reference) for p, a in zip(plan.heldout, held_answers)]
    val_before = generate([e.source for e in val.examples], card_settings(settings), "testing the base model on your pairs")
    earlier = earlier or Earlier()
    notes += earlier.notes
    earlier_before = generate([e.source for e in earlier.held], card_settings(settings),
                              "testing the base model on earlier pairs")
    for note in notes:
        on_event(Notice(note))
    counts.update(train=len(train.examples), val=len(val.examples), replay=len(replay), heldout=len(heldout),
                  truncated=cut, earlier_replay=len(earlier.replay), earlier_held=len(earlier.held))
    return Prepared(train.examples + earlier.replay + replay, val.examples, heldout, [str(t) for t in val_before], counts,
                    notes, earlier.held, [str(t) for t in earlier_before])

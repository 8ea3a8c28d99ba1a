"""Replay examples against catastrophic forgetting: the base model's own answers as targets.

Before training, the base model answers other instructions (key points, a title, action
items, a question: ``resources/prompts/replay.toml``) about the user's documents, and the
general instructions shipped in ``resources/instructions/general.jsonl``. Training on its own
answers alongside the user's pairs anchors everything the pairs do not cover. Some general
instructions are held out: their written answers score the base model and the adapter
before and after (the forgetting check on the evaluation card).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop.core import paths
from desktop.core.document import Document
from desktop.core.prompting.prompts import KIND_FOR_DOC, PromptLibrary
from desktop.ml.backends.base import GenerationSettings
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.engine.quality import clean_output, is_degenerate
from desktop.ml.finetune.examples import Example

REPLAY_KIND = "replay"
DOC_STAGES = ("key_points", "title", "question")
#: Documents with people doing things also get the action-items instruction.
ACTION_KINDS = ("meeting", "email")
GENERAL_TASK = "general"
#: Longest replay answer generated (key points are the longest kind).
ANSWER_TOKENS = 64

#: Generate(prompts, settings) -> answers, in order; the pipeline binds the loaded base model.
Generate = Callable[[list[str], GenerationSettings], list[str]]


@dataclass(frozen=True, slots=True)
class GeneralItem:
    id: str
    instruction: str
    input: str
    answer: str


def general_file() -> Path:
    return paths.resource("instructions", "general.jsonl")


def load_general(path: Path | None = None) -> list[GeneralItem]:
    path = path or general_file()
    if not path.is_file():
        return []
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            items.append(GeneralItem(str(rec["id"]), rec["instruction"], rec.get("input", ""), rec["answer"]))
    return items


@dataclass(frozen=True, slots=True)
class ReplayPrompt:
    source: str
    task: str
    template_id: str
    origin: str
    reference: str | None = None


@dataclass(slots=True)
class ReplayPlan:
    """The prompts to answer: ``train`` joins the training mix, ``heldout`` is only evaluated."""

    train: list[ReplayPrompt]
    heldout: list[ReplayPrompt]


def plan_replay(library: PromptLibrary, counter: TokenCounter, *, train_docs: Sequence[tuple[Document, str]],
                val_docs: Sequence[tuple[Document, str]], n_summary: int, share: float, max_source_len: int,
                seed: int, general: Sequence[GeneralItem] | None = None) -> ReplayPlan:
    """``*_docs`` are (document, first-chunk text). ``share`` of the training mix is replay:
    half general instructions, half instructions about the user's documents (each side fills
    in for the other when it runs short)."""
    items = list(general if general is not None else load_general())
    random.Random(seed).shuffle(items)
    n_held = min(10, max(3, len(items) // 3)) if len(items) >= 6 else 0
    held_general, train_general = items[:n_held], items[n_held:]
    heldout = [_general_prompt(library, counter, g, max_source_len) for g in held_general]
    heldout += [_doc_prompt(library, counter, doc, text, i, max_source_len) for i, (doc, text) in enumerate(val_docs)]
    n_replay = round(n_summary * share / (1 - share)) if 0 < share < 1 else 0
    if n_replay == 0:
        return ReplayPlan([], heldout)
    doc_pool = [_doc_prompt(library, counter, doc, text, i + rnd, max_source_len)
                for rnd in range(len(DOC_STAGES) + 1) for i, (doc, text) in enumerate(train_docs)]
    doc_pool = list(dict.fromkeys(doc_pool))  # the rounds repeat a stage for a one-stage kind
    general_pool = [_general_prompt(library, counter, g, max_source_len) for g in train_general]
    n_general = min(len(general_pool), math.ceil(n_replay / 2))
    n_doc = min(len(doc_pool), n_replay - n_general)
    n_general = min(len(general_pool), n_replay - n_doc)
    return ReplayPlan(general_pool[:n_general] + doc_pool[:n_doc], heldout)


def _doc_prompt(library: PromptLibrary, counter: TokenCounter, doc: Document, text: str, rotation: int,
                max_source_len: int) -> ReplayPrompt:
    """One replay instruction about ``text``; ``rotation`` picks which, so neighbours differ."""
    kind = KIND_FOR_DOC.get(doc.kind, "generic")
    stages = DOC_STAGES + (("action_items",) if kind in ACTION_KINDS else ())
    template = library.get(REPLAY_KIND, stages[rotation % len(stages)])
    room = max_source_len - template.overhead(counter.count) + counter.count("")
    prompt = template.render(counter.truncate(text, room))
    return ReplayPrompt(prompt.text, f"replay:{template.stage}", prompt.template_id, doc.display_name)


def _general_prompt(library: PromptLibrary, counter: TokenCounter, item: GeneralItem, max_source_len: int) -> ReplayPrompt:
    template = library.get(REPLAY_KIND, GENERAL_TASK)
    prompt = template.render(item.input, instruction=item.instruction)
    return ReplayPrompt(counter.truncate(prompt.text.strip(), max_source_len), GENERAL_TASK, prompt.template_id,
                        f"general:{item.id}", reference=item.answer)


def answer(prompts: Sequence[ReplayPrompt], generate: Generate, max_target_len: int) -> list[Example]:
    """The base model's answers as targets. An unusable answer (empty, looping) is replaced by
    the written answer where there is one, else the prompt is dropped: never teach garbage."""
    answers = generate_answers(prompts, generate, max_target_len)
    examples = []
    for p, text in zip(prompts, answers):
        target = text if not is_degenerate(text, min_words=1) else p.reference
        if target:
            examples.append(Example(p.source, target, p.task, p.template_id, p.origin, p.reference))
    return examples


def generate_answers(prompts: Sequence[ReplayPrompt], generate: Generate, max_target_len: int) -> list[str]:
    """Answers in order, in one ``generate`` call (the backend batches by length). Greedy output
    stops at its end-of-text, so short answers (a title) cost no more under a shared limit."""
    settings = GenerationSettings(max_new_tokens=min(ANSWER_TOKENS, max_target_len), no_repeat_ngram_size=3)
    return [clean_output(t) for t in generate([p.source for p in prompts], settings)] if prompts else []

"""Several instructed tasks in one run: how a pair's task is named, and how each task is scored
on the evaluation card (ROUGE for free text, accuracy for tasks with a fixed set of answers)."""

from __future__ import annotations

import re
from collections.abc import Sequence

SUMMARY_TASK = "summary"
#: The task of a pair with its own instruction is this prefix plus the instruction.
INSTRUCTION_PREFIX = "instruction:"
#: Prompt template of an instructed pair: the instruction, a blank line, the document's text.
INSTRUCTION_TEMPLATE = ("replay", "general")
#: A task is a choice (scored by accuracy) when its answers are at most this many distinct short
#: phrases, each of at most ``CHOICE_WORDS`` words, and some answer repeats.
MAX_CHOICES = 8
CHOICE_WORDS = 4


def task_of(instruction: str | None) -> str:
    """The task a pair trains: its instruction (whitespace collapsed), or the summary."""
    text = " ".join((instruction or "").split())
    return f"{INSTRUCTION_PREFIX}{text}" if text else SUMMARY_TASK


def task_label(task: str) -> str:
    """How a task is named on the card: the instruction itself, or "summary"."""
    return task.removeprefix(INSTRUCTION_PREFIX)


def is_pair_task(task: str) -> bool:
    """True for the user's own tasks (summaries and instructions), False for replay kinds."""
    return task == SUMMARY_TASK or task.startswith(INSTRUCTION_PREFIX)


def normalize_answer(text: str) -> str:
    """An answer as compared for accuracy: case, punctuation and spacing do not count."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def choices(answers: Sequence[str]) -> list[str] | None:
    """The fixed answers of a task ("yes", "no"), or None when its answers are free text."""
    if task_is_text(answers):
        return None
    seen: dict[str, str] = {}
    for a in answers:
        seen.setdefault(normalize_answer(a), a.strip())
    return list(seen.values())


def task_is_text(answers: Sequence[str]) -> bool:
    norm = [normalize_answer(a) for a in answers if a.strip()]
    distinct = set(norm)
    if not norm or len(distinct) > MAX_CHOICES or len(distinct) == len(norm):
        return True
    return any(len(a.split()) > CHOICE_WORDS for a in distinct)


def accuracy(outputs: Sequence[str], references: Sequence[str]) -> float:
    """Share of outputs that give the reference answer (normalized); 0 when there is none."""
    pairs = list(zip(outputs, references))
    if not pairs:
        return 0.0
    return round(sum(normalize_answer(o) == normalize_answer(r) for o, r in pairs) / len(pairs), 4)

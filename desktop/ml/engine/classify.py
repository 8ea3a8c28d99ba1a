"""Zero-shot labels by likelihood: each fixed option is scored as the answer to an instruction
prompt and the most likely one wins, so the label is always one of the options (free
generation could answer anything)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from desktop.core.cache import SummaryCache, cache_key
from desktop.core.document import DocKind, Document
from desktop.core.prompting.chunking import content_blocks, render_block
from desktop.core.prompting.prompts import PromptLibrary, PromptTemplate
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.models.adapters import LabelTask, label_tasks

#: label name -> template stage in common.toml; email-only labels listed separately.
_ALL = {"type": "doc_type"}
_EMAIL = {"urgency": "urgency", "asks_reader": "asks_reader"}
_SAMPLE_CHARS = 6000


def classify_document(model: TextModel, prompts: PromptLibrary, doc: Document, budget: int,
                      cache: SummaryCache | None = None) -> dict[str, str]:
    """The most likely option of each label; answers are cached like summaries (scoring runs the
    encoder once per option: about 5 s at flan-t5-base size, most of a cached rerun)."""
    return start_labels(model, prompts, doc, budget, cache).result()


def start_labels(model: TextModel, prompts: PromptLibrary, doc: Document, budget: int,
                 cache: SummaryCache | None = None) -> PendingLabels:
    """Start scoring ``doc``'s labels; ``result()`` on the answer waits for them.

    The scoring is queued on the backend (``TextModel.submit_scores``), so the summarizer starts
    the labels just before a document's final merge and both run side by side on a two-core CPU.
    Cache reads happen here and writes in ``result()``, both on the calling thread.
    """
    text = _opening(doc)
    stages = dict(_ALL)
    if doc.kind in (DocKind.EMAIL, DocKind.MAILBOX):
        stages.update(_EMAIL)
    # A fine-tuned adapter that learned one of these labels as its own task answers it instead.
    own = label_tasks(model.model.adapter_path)
    pending = PendingLabels(cache)
    for label, stage in stages.items():
        task = own.get(label)
        template = _task_template(task) if task is not None else prompts.get("common", stage)
        room = budget - template.overhead(model.count)
        prompt = template.render(model.truncate(text, max(16, room)))
        key = cache_key(model.identity, prompt.template_id, "score", "\x1f".join(template.options), prompt.text)
        cached = cache.get(key) if cache is not None else None
        pending.labels.append(_Label(label, task, template.options, prompt.text, prompt.template_id, key,
                                     cached if cached in template.options else None))
    todo = [item for item in pending.labels if item.answer is None]
    pending.collect = model.submit_scores([(item.prompt, list(item.options)) for item in todo]) if todo else None
    return pending


@dataclass(slots=True)
class _Label:
    name: str
    task: LabelTask | None
    options: tuple[str, ...]
    prompt: str
    template_id: str
    key: str
    answer: str | None


@dataclass(slots=True)
class PendingLabels:
    """Labels being scored by the backend; ``result()`` waits for them (once)."""

    cache: SummaryCache | None
    labels: list[_Label] = field(default_factory=list)
    collect: Callable[[], list[list[float]]] | None = None

    def result(self) -> dict[str, str]:
        todo = [item for item in self.labels if item.answer is None]
        if todo and self.collect is not None:
            for item, scores in zip(todo, self.collect()):
                item.answer = item.options[max(range(len(scores)), key=lambda i: scores[i])]
                if self.cache is not None:
                    self.cache.put(item.key, item.answer, item.template_id)
            self.collect = None
        return {item.name: item.task.label_value(item.answer) if item.task is not None else item.answer
                for item in self.labels if item.answer is not None}


def _task_template(task: LabelTask) -> PromptTemplate:
    """The adapter's own task as a template, worded as it was trained (instruction, blank line, text)."""
    return PromptTemplate("adapter", task.label, 1, task.instruction.replace("{", "{{").replace("}", "}}") + "\n\n{text}",
                          task.choices)


def _opening(doc: Document) -> str:
    """The start of the document's main text (and the subject, for mail): what a reader skims."""
    parts: list[str] = []
    if doc.kind in (DocKind.EMAIL, DocKind.MAILBOX) and doc.metadata.get("subject"):
        parts.append(f"Subject: {doc.metadata['subject']}")
    size = 0
    for i in content_blocks(doc):
        piece = render_block(doc.blocks[i])
        parts.append(piece)
        size += len(piece)
        if size > _SAMPLE_CHARS:
            break
    return "\n".join(parts)

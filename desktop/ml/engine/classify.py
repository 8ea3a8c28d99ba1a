"""Zero-shot labels by likelihood: each fixed option is scored as the answer to an instruction
prompt and the most likely one wins, so the label is always one of the options (free
generation could answer anything)."""

from __future__ import annotations

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
    encoder once per option: about 4 s at flan-t5-base size on two cores, most of a cached rerun)."""
    text = _opening(doc)
    labels: dict[str, str] = {}
    stages = dict(_ALL)
    if doc.kind in (DocKind.EMAIL, DocKind.MAILBOX):
        stages.update(_EMAIL)
    # A fine-tuned adapter that learned one of these labels as its own task answers it instead.
    own = label_tasks(model.model.adapter_path)
    for label, stage in stages.items():
        task = own.get(label)
        template = _task_template(task) if task is not None else prompts.get("common", stage)
        room = budget - template.overhead(model.count)
        prompt = template.render(model.truncate(text, max(16, room)))
        key = cache_key(model.identity, prompt.template_id, "score", "\x1f".join(template.options), prompt.text)
        cached = cache.get(key) if cache is not None else None
        if cached in template.options:
            answer = cached
        else:
            scores = model.score(prompt.text, list(template.options))
            answer = template.options[max(range(len(scores)), key=lambda i: scores[i])]
            if cache is not None:
                cache.put(key, answer, prompt.template_id)
        labels[label] = task.label_value(answer) if task is not None else answer
    return labels


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

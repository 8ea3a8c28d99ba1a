"""Training examples: the exact prompts inference renders, paired with the text to learn.

A pair's document is chunked the way ``Summarizer._chunk`` chunks it (the kind's map template,
the same token budget) and rendered with the same template, so the model learns the prompts it
will see. A document longer than one prompt is trained on its first chunk; the pair's summary
still describes the whole document, which is why the caller reports how many were cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from desktop.core.document import Document
from desktop.core.prompting.prompt_chunks import fit_chunks
from desktop.core.prompting.prompts import KIND_FOR_DOC, PromptLibrary, PromptTemplate
from desktop.core.prompting.sentences import TokenCount
from desktop.ml.finetune.pairset import PairItem
from desktop.ml.finetune.tasks import INSTRUCTION_TEMPLATE, SUMMARY_TASK, is_pair_task, task_of

__all__ = ["SUMMARY_TASK", "Example", "SummaryExamples", "summary_examples"]

#: Stages whose prompts inference renders from every chunk of a document of that kind; a chunk
#: must fit the longest of them (mirrors ``desktop.ml.engine.summarizer._ITEM_STAGES``).
CHUNK_STAGES = {"meeting": ("map", "decisions", "actions"), "email": ("map", "asks", "deadlines")}



@dataclass(frozen=True, slots=True)
class Example:
    """One prompt and its target. ``reference`` is a written answer where one exists (the
    shipped general instructions), used to score the forgetting check."""

    source: str
    target: str
    task: str
    template_id: str
    origin: str
    reference: str | None = None
    #: Content hash of the user's pair it came from (``PairItem.key``); "" for replay examples.
    key: str = ""
    #: A pair an earlier version of a continued adapter was trained on (replayed, not new).
    earlier: bool = False

    @property
    def is_new(self) -> bool:
        """One of the user's new pairs: what a progressive schedule brings in gradually."""
        return is_pair_task(self.task) and not self.earlier

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Example:
        return cls(**data)


def chunk_templates(library: PromptLibrary, doc: Document) -> list[PromptTemplate]:
    kind = KIND_FOR_DOC.get(doc.kind, "generic")
    return [library.for_doc(doc.kind, stage) for stage in CHUNK_STAGES.get(kind, ("map",))]


def first_chunk(doc: Document, templates: Sequence[PromptTemplate], count: TokenCount, budget: int,
                fields: dict[str, str] | None = None) -> tuple[str, int]:
    """The text of the document's first chunk and the number of chunks inference would make."""
    chunks = fit_chunks(doc, templates, count, budget, fields=fields)
    return (chunks[0].text, len(chunks)) if chunks else ("", 0)


@dataclass(slots=True)
class SummaryExamples:
    examples: list[Example]
    #: (document, its first chunk's text) for each example: what replay instructions are asked about.
    chunks: list[tuple[Document, str]]
    #: How many documents were longer than one prompt and cut to their first chunk.
    cut: int


def summary_examples(items: Sequence[PairItem], library: PromptLibrary, count: TokenCount,
                     max_source_len: int) -> SummaryExamples:
    examples: list[Example] = []
    chunks: list[tuple[Document, str]] = []
    cut = 0
    for item in items:
        doc = item.document
        if doc is None:
            continue
        instruction = " ".join((item.record.instruction or "").split())
        if instruction:
            text, n_chunks = first_chunk(doc, [library.get(*INSTRUCTION_TEMPLATE)], count, max_source_len,
                                         {"instruction": instruction})
        else:
            text, n_chunks = first_chunk(doc, chunk_templates(library, doc), count, max_source_len)
        if not text:
            continue
        cut += n_chunks > 1
        if instruction:
            prompt = library.get(*INSTRUCTION_TEMPLATE).render(text, instruction=instruction)
        else:
            prompt = library.for_doc(doc.kind, "map").render(text)
        examples.append(Example(prompt.text, item.record.summary.strip(), task_of(instruction), prompt.template_id,
                                item.record.origin, key=item.key))
        chunks.append((doc, text))
    return SummaryExamples(examples, chunks, cut)


def dump_examples(examples: Sequence[Example]) -> list[dict[str, Any]]:
    return [e.to_dict() for e in examples]


def load_examples(rows: Sequence[dict[str, Any]]) -> list[Example]:
    return [Example.from_dict(r) for r in rows]



"""Chunks that fit every prompt made from them: the one rule inference and fine-tuning share.

A chunk feeds the map prompt and, when item lists are generated per chunk (not scored, the
summarizer's ``items_by_scoring``), the longer decisions/actions or asks/deadlines prompts too;
it must fit the input budget inside the longest of the templates it is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop.core.document import Document
from desktop.core.prompting.chunking import Chunk, chunk_document
from desktop.core.prompting.prompts import PromptTemplate
from desktop.core.prompting.sentences import TokenCount


def fit_chunks(
    doc: Document,
    templates: Sequence[PromptTemplate],
    count: TokenCount,
    budget: int,
    *,
    document_index: int = 0,
    fields: dict[str, str] | None = None,
) -> list[Chunk]:
    fields = fields or {}
    eos = count("")
    room = budget - max(t.overhead(count, **fields) for t in templates) + eos
    chunks: list[Chunk] = []
    for _attempt in range(4):
        chunks = chunk_document(doc, count, max(8, room), document_index=document_index)
        if all(count(t.render(c.text, **fields).text) <= budget for t in templates for c in chunks):
            break
        room -= 8  # joining text can tokenize differently from its pieces; shrink and retry
    return chunks

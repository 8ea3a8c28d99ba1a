"""The gate before the model: repair mojibake, send what FLAN-T5 reads, quote what it cannot.

``desktop/core/prompting/language.py`` decides, line by line, what the model can read. This
module applies the decision to one document of a job: it returns the part to summarize (all of
it, its readable lines, or nothing), tells the reader what was left out in one sentence, and
gives a document the model cannot read at all the extractive summary in its own language
(quoting needs no model), so it is never silently missing from the digest. The part sent is
normalised for the vocabulary (``core/prompting/normalize.py``) before anything counts or
encodes it, so chunk sizes, prompts and cache keys all see the same text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from desktop.core.digest import DocumentSummary
from desktop.core.document import Document
from desktop.core.events import EventCallback, Notice
from desktop.core.prompting.language import plan
from desktop.core.prompting.mojibake import repair
from desktop.core.prompting.normalize import normalize
from desktop.ml.points.citations import source_for
from desktop.ml.points.sentence_pool import document_sentences
from desktop.ml.points.textrank import rank, select


def readable_part(
    doc: Document,
    summary: DocumentSummary,
    on_event: EventCallback,
    unknown: Callable[[str], bool] | None = None,
    quote_sentences: int = 3,
) -> Document | None:
    """The part of ``doc`` to give the model, or None when none of it is readable (``summary``
    then holds quoted sentences, unless the text is garbled). Notes go to ``summary.warnings``
    and out as Notice events. ``unknown`` (the tokenizer's ``is_unknown``) turns on the
    normaliser, so what the vocabulary lacks is rewritten before it is encoded."""
    repaired = repair(doc)
    decision = None if repaired.garbled else plan(repaired.document)
    notes = repaired.notes(doc.display_name) + (decision.notes(doc.display_name) if decision else [])
    for note in notes:
        summary.warnings.append(note)
        on_event(Notice(note, str(doc.path)))
    if decision is None:
        return None
    if decision.readable is None:
        _quote(repaired.document, summary, decision.language, quote_sentences)
        return None
    if unknown is None:
        return decision.readable
    return normalized(decision.readable, unknown)


def normalized(doc: Document, unknown: Callable[[str], bool]) -> Document:
    """``doc`` with every block's text normalised for the vocabulary (locators unchanged)."""
    blocks = [dataclasses.replace(b, text=normalize(b.text, unknown)) for b in doc.blocks]
    return dataclasses.replace(doc, blocks=blocks)


def _quote(doc: Document, summary: DocumentSummary, language: str, k: int) -> None:
    """The most central sentences of ``doc``, split by the rules of its own language."""
    pool = [s for s in document_sentences(doc, 0, language) if not s.furniture]
    if not pool:
        return
    texts = [s.text for s in pool]
    chosen = select(texts, rank(texts), k) if len(texts) > k else list(range(len(texts)))
    summary.summary = " ".join(pool[i].display for i in chosen)
    summary.sources = [source_for(doc, pool[i].block) for i in chosen]

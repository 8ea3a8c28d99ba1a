"""Section summaries without a model: each summarized section's most central sentences.

The sentences keep the scores they have within the whole document (a section's sentences are
ranked against the document, not only each other), and a section gets as many words as a
document of its length gets for its own summary (half its key points' length).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from desktop.core.digest import SectionSummary
from desktop.core.document import Document
from desktop.core.structure.sections import summarized
from desktop.ml.points.citations import source_for
from desktop.ml.points.section_points import section_summary
from desktop.ml.points.sentence_pool import Sentence
from desktop.ml.points.textrank import select_words


def extractive_sections(doc: Document, pool: list[Sentence], scores: np.ndarray, length: str,
                        point_words: Callable[[int, str], int]) -> list[SectionSummary]:
    out: list[SectionSummary] = []
    for section in summarized(doc):
        members = [k for k, s in enumerate(pool) if doc.blocks[s.block].section == section]
        if not members:
            continue
        texts = [pool[k].text for k in members]
        eligible = [pool[k].eligible for k in members]
        if not any(eligible):
            eligible = [pool[k].usable for k in members]
        words = point_words(sum(len(t.split()) for t in texts), length) // 2
        chosen = [members[j] for j in select_words(texts, scores[members], max(1, words), eligible=eligible)]
        text = " ".join(pool[k].display for k in chosen)
        summary = section_summary(doc, section, text, [source_for(doc, pool[k].block) for k in chosen])
        if summary is not None:
            out.append(summary)
    return out

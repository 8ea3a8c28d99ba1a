"""Merging inside sections first, and each section's summary from the merge tree (issue 29).

A long document's chunks each lie in one top-level section (``Chunk.section``). While any section
still has more than one summary, a merge never joins two sections (the boundary is ``HARD``) and
a section already down to one summary is carried up a level as it is, not summarized again; then
merges run across sections as before. A section's summary is its one node at the first level
where it has one: no generation is spent on it beyond the merges the document needed anyway.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from desktop.core.digest import SectionSummary
from desktop.core.document import Document
from desktop.core.prompting.chunking import HARD, Chunk
from desktop.ml.engine.job_state import Node
from desktop.ml.points.citations import extent_sources
from desktop.ml.points.section_points import section_summary


def within_sections(current: list[Node]) -> bool:
    """Are there still two neighbouring summaries of one section (of a sectioned document) to merge?"""
    if not any(n.section is not None for n in current):
        return False
    return any(a.doc == b.doc and a.section == b.section for a, b in pairwise(current))


def strengths(current: list[Node], inside: bool) -> list[int]:
    """Boundary strengths before each node for ``partition``: a new document 3, a new section
    ``HARD`` while merging inside sections (2 afterwards), else 1."""
    out = []
    for i, node in enumerate(current):
        if i and node.doc != current[i - 1].doc:
            out.append(3)
        elif i and node.section != current[i - 1].section:
            out.append(HARD if inside else 2)
        else:
            out.append(1)
    return out


def pairs(current: list[Node], inside: bool) -> list[tuple[int, int]]:
    """Spans of two neighbours (the last resort when no span fits two nodes), within a section
    while merging inside sections, so the tree always shrinks."""
    spans: list[tuple[int, int]] = []
    a = 0
    while a < len(current):
        b = min(a + 2, len(current))
        if inside and b - a == 2 and current[a].section != current[a + 1].section:
            b = a + 1
        spans.append((a, b))
        a = b
    return spans


def section_summaries(doc: Document, chunks: list[Chunk], levels: list[list[Node]]) -> list[SectionSummary]:
    """Each section's summary: its node at the first level where it has only one."""
    found: dict[int, Node] = {}
    for level in levels:
        counts = Counter(n.section for n in level if n.section is not None)
        for node in level:
            if node.section is not None and counts[node.section] == 1:
                found.setdefault(node.section, node)
    out: list[SectionSummary] = []
    for section in sorted(found):
        node = found[section]
        blocks = tuple(b for c in node.chunks for b in chunks[c].blocks)
        summary = section_summary(doc, section, node.text, extent_sources(doc, blocks))
        if summary is not None:
            out.append(summary)
    return out

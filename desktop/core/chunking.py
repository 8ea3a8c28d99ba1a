"""Split documents into chunks that fit the model's input budget, keeping every block's locator.

Structure first (messages, headings, speaker turns, paragraphs), then sentences, then words:
a block is only cut when it alone exceeds the budget. Chunk boundaries are chosen by dynamic
programming over the units: fewest chunks first, then sizes close to the average (no tiny tail
chunk), then breaks at strong structural boundaries (a new message or heading) rather than
between two paragraphs of one section.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop.core.document import SECONDARY_ROLES, Block, Document, Locator, Role
from desktop.core.sentences import TokenCount, split_sentences, split_words

#: Cost of breaking a chunk before a unit, by the strength of the boundary there.
_BREAK_COST = {3: 0.0, 2: 4.0, 1: 12.0, 0: 60.0}
_BALANCE_WEIGHT = 100.0
_CHUNK_COST = 1e6


@dataclass(frozen=True, slots=True)
class Unit:
    """The smallest piece the chunker moves: a block, or a sentence span of a long block."""

    text: str
    tokens: int
    block: int
    locator: Locator
    #: How strong a boundary lies *before* this unit: 3 message/major heading, 2 heading,
    #: 1 another block, 0 the next sentence of the same block.
    strength: int


@dataclass(frozen=True, slots=True)
class Chunk:
    document: int
    index: int
    text: str
    tokens: int
    blocks: tuple[int, ...]
    locators: tuple[Locator, ...]


def render_block(block: Block) -> str:
    """The block as the model reads it: speakers named, list items marked."""
    text = block.text.strip()
    if block.role is Role.UTTERANCE and block.locator.speaker:
        return f"{block.locator.speaker}: {text}"
    if block.role is Role.LIST_ITEM:
        return f"- {text}"
    return text


def content_blocks(doc: Document) -> list[int]:
    """Indices of the blocks a summary is built from: quotes, signatures, headers and footers are
    left out so a thread is not summarized three times; if nothing else is left, all blocks."""
    main = [i for i, b in enumerate(doc.blocks) if b.role not in SECONDARY_ROLES and b.text.strip()]
    return main or [i for i, b in enumerate(doc.blocks) if b.text.strip()]


def make_units(doc: Document, count: TokenCount, budget: int) -> list[Unit]:
    eos = count("")  # the tokenizer's end-of-sequence mark, counted once per chunk
    units: list[Unit] = []
    prev: Block | None = None
    for i in content_blocks(doc):
        block = doc.blocks[i]
        strength = _strength(prev, block)
        prev = block
        text = render_block(block)
        tokens = count(text) - eos
        if tokens <= budget - eos:
            units.append(Unit(text, tokens, i, block.locator, strength))
            continue
        first = True
        for sentence in split_sentences(text):
            for piece in _fit(sentence, budget - eos, count, eos):
                units.append(Unit(piece, count(piece) - eos, i, block.locator, strength if first else 0))
                first = False
    return units


def _fit(sentence: str, limit: int, count: TokenCount, eos: int) -> list[str]:
    if count(sentence) - eos <= limit:
        return [sentence]
    return split_words(sentence, limit, lambda t: count(t) - eos)


def _strength(prev: Block | None, block: Block) -> int:
    if prev is None:
        return 3
    if block.locator.message is not None and block.locator.message != prev.locator.message:
        return 3
    if block.role is Role.HEADING:
        return 3 if (block.level or 1) <= 2 else 2
    return 1


def chunk_document(doc: Document, count: TokenCount, budget: int, *, document_index: int = 0) -> list[Chunk]:
    """Chunks of ``doc`` whose text counts at most ``budget`` tokens each (EOS included)."""
    if budget < 8:
        raise ValueError("the chunk budget is too small to hold any text")
    units = make_units(doc, count, budget)
    if not units:
        return []
    spans = partition([u.tokens for u in units], [u.strength for u in units], budget - count(""))
    chunks: list[Chunk] = []
    for start, end in spans:
        chunks.extend(_build(units[start:end], count, budget, document_index, len(chunks)))
    return [Chunk(c.document, i, c.text, c.tokens, c.blocks, c.locators) for i, c in enumerate(chunks)]


def _build(units: list[Unit], count: TokenCount, budget: int, doc_index: int, index: int) -> list[Chunk]:
    """Join units; in the rare case joining changes the token count past the budget, split."""
    text = "\n".join(u.text for u in units)
    tokens = count(text)
    if tokens > budget and len(units) > 1:
        mid = len(units) // 2
        return _build(units[:mid], count, budget, doc_index, index) + _build(units[mid:], count, budget, doc_index, index + 1)
    blocks = tuple(dict.fromkeys(u.block for u in units))
    locators = tuple(dict.fromkeys(u.locator for u in units))
    return [Chunk(doc_index, index, text, tokens, blocks, locators)]


def partition(sizes: list[int], strengths: list[int], budget: int) -> list[tuple[int, int]]:
    """Best split of units [0, n) into consecutive spans each summing to <= budget.

    best[i] is the cheapest partition of the first i units; a span (j, i) is allowed while its
    tokens fit. The window of j is bounded by the budget, so this is linear in n in practice.
    """
    n = len(sizes)
    total = sum(sizes)
    target = max(1.0, total / max(1, math.ceil(total / budget)))
    best = [math.inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for i in range(1, n + 1):
        size = 0
        for j in range(i - 1, -1, -1):
            size += sizes[j]
            if size > budget and j < i - 1:
                break
            if best[j] == math.inf:
                continue
            cost = _CHUNK_COST + _BALANCE_WEIGHT * ((size - target) / target) ** 2
            if i < n:
                cost += _BREAK_COST[strengths[i]]
            if best[j] + cost < best[i]:
                best[i] = best[j] + cost
                back[i] = j
    spans: list[tuple[int, int]] = []
    i = n
    while i > 0:
        spans.append((back[i], i))
        i = back[i]
    return spans[::-1]

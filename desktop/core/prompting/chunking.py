"""Split documents into chunks that fit the model's input budget, keeping every block's locator.

Structure first (messages, headings, speaker turns, paragraphs), then sentences, then words:
a block is only cut when it alone exceeds the budget. Chunk boundaries are chosen by dynamic
programming over the units: fewest chunks first, then sizes close to the average (no tiny tail
chunk), then breaks at strong structural boundaries (a new message or heading) rather than
between two paragraphs of one section. A document whose digest summarizes its sections one by
one (``core/structure/sections.py``) is never chunked across a top-level section. Furniture
(``Block.furniture``: references, contents, footers, procedure) is never chunked at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop.core.document import SECONDARY_ROLES, Block, Document, Locator, Role
from desktop.core.prompting.sentences import TokenCount, split_sentences, split_words
from desktop.core.structure.sections import summarized

#: A boundary no chunk may cross: the start of a top-level section whose summary the digest shows.
HARD = 4
#: Cost of breaking a chunk before a unit, by the strength of the boundary there.
_BREAK_COST = {HARD: 0.0, 3: 0.0, 2: 4.0, 1: 12.0, 0: 60.0}
_BALANCE_WEIGHT = 100.0
#: A chunk under half the average is "tiny": avoided even at the price of a weaker boundary.
_TINY_SHARE = 0.5
_TINY_COST = 1000.0
_CHUNK_COST = 1e6


@dataclass(frozen=True, slots=True)
class Unit:
    """The smallest piece the chunker moves: a block, or a sentence span of a long block."""

    text: str
    tokens: int
    block: int
    locator: Locator
    #: How strong a boundary lies *before* this unit: 4 (``HARD``) a new top-level section, 3
    #: message/major heading, 2 heading, 1 another block, 0 the next sentence of the same block.
    strength: int
    #: Tokens when the unit opens a chunk. ``tokens`` counts it after a line break, where its first
    #: word can tokenize differently (SentencePiece's word-initial pieces).
    alone: int = 0


@dataclass(frozen=True, slots=True)
class Chunk:
    document: int
    index: int
    text: str
    tokens: int
    blocks: tuple[int, ...]
    locators: tuple[Locator, ...]
    #: The top-level section (``Document.sections`` index) the chunk lies in, when the digest
    #: summarizes sections; None otherwise.
    section: int | None = None


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
    left out so a thread is not summarized three times; if nothing else is left, all blocks but
    furniture, which is never summarized."""
    text = [i for i, b in enumerate(doc.blocks) if b.text.strip() and b.furniture is None]
    return [i for i in text if doc.blocks[i].role not in SECONDARY_ROLES] or text


def make_units(doc: Document, count: TokenCount, budget: int) -> list[Unit]:
    eos = count("")  # the tokenizer's end-of-sequence mark, counted once per chunk
    units: list[Unit] = []
    prev: Block | None = None
    sectioned = bool(summarized(doc))
    for i in content_blocks(doc):
        block = doc.blocks[i]
        strength = HARD if sectioned and prev is not None and block.section != prev.section else _strength(prev, block)
        prev = block
        text = render_block(block)
        tokens = count(text) - eos
        if tokens <= budget - eos:
            units.append(Unit(text, _after_break(text, count), i, block.locator, strength, tokens))
            continue
        first = True
        for sentence in split_sentences(text):
            for piece in _fit(sentence, budget - eos, count, eos):
                units.append(Unit(piece, _after_break(piece, count), i, block.locator, strength if first else 0,
                                  count(piece) - eos))
                first = False
    return units


def _after_break(text: str, count: TokenCount) -> int:
    """Tokens ``text`` adds to a chunk after a line break. Exact sizes keep joined chunks within the
    budget without a global correction, so an edit moves only nearby chunk boundaries."""
    return count(".\n" + text) - count(".")


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
    sizes, strengths, first = [u.tokens for u in units], [u.strength for u in units], [u.alone for u in units]
    limit = budget - count("")
    for _attempt in range(4):
        # Should a joined chunk still count past the budget (tokenization at a join is not exactly
        # additive), re-partition with a budget lowered by the overflow rather than halving the
        # overfull chunk, which would leave two small ones.
        spans = partition(sizes, strengths, limit, first)
        over = max(count("\n".join(u.text for u in units[a:b])) - budget for a, b in spans)
        if over <= 0:
            break
        limit -= over
    chunks: list[Chunk] = []
    for start, end in spans:
        chunks.extend(_build(units[start:end], count, budget, document_index, len(chunks)))
    sectioned = any(u.strength >= HARD for u in units)
    section = [doc.blocks[c.blocks[0]].section if sectioned else None for c in chunks]
    return [Chunk(c.document, i, c.text, c.tokens, c.blocks, c.locators, section[i]) for i, c in enumerate(chunks)]


def _build(units: list[Unit], count: TokenCount, budget: int, doc_index: int, index: int) -> list[Chunk]:
    """Join units; should joining still count past the budget, split (the last resort)."""
    text = "\n".join(u.text for u in units)
    tokens = count(text)
    if tokens > budget and len(units) > 1:
        mid = len(units) // 2
        return _build(units[:mid], count, budget, doc_index, index) + _build(units[mid:], count, budget, doc_index, index + 1)
    blocks = tuple(dict.fromkeys(u.block for u in units))
    locators = tuple(dict.fromkeys(u.locator for u in units))
    return [Chunk(doc_index, index, text, tokens, blocks, locators)]


def partition(sizes: list[int], strengths: list[int], budget: int, first: list[int] | None = None) -> list[tuple[int, int]]:
    """Best split of units [0, n) into consecutive spans each summing to <= budget.

    ``first[j]``, when given, is unit j's size when it opens a span (instead of ``sizes[j]``).
    best[i] is the cheapest partition of the first i units; a span (j, i) is allowed while its
    tokens fit and no ``HARD`` boundary lies inside it. The window of j is bounded by the budget,
    so this is linear in n in practice.
    """
    n = len(sizes)
    first = first if first is not None else sizes
    total = sum(sizes)
    # Balance towards the average of the fewest chunks that can hold the units (greedy packing finds
    # that number); total / ceil(total / budget) is smaller when units do not pack exactly, and aiming
    # at it leaves one chunk short: a tiny tail.
    target = max(1.0, total / _fewest_chunks(sizes, first, budget, strengths))
    best = [math.inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for i in range(1, n + 1):
        rest = 0  # units j+1..i-1
        for j in range(i - 1, -1, -1):
            if rest > budget:
                break
            size = first[j] + rest
            rest += sizes[j]
            if j < i - 1 and strengths[j + 1] >= HARD:
                break  # the span would hold a boundary no chunk may cross
            if (size > budget and j < i - 1) or best[j] == math.inf:
                continue
            cost = _CHUNK_COST + _BALANCE_WEIGHT * ((size - target) / target) ** 2
            if size < _TINY_SHARE * target:
                cost += _TINY_COST
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


def _fewest_chunks(sizes: list[int], first: list[int], budget: int, strengths: list[int]) -> int:
    """Greedy packing: optimal for the number of consecutive spans under a size limit."""
    count, size = 0, 0
    for s, f, hard in zip(sizes, first, strengths):
        if count == 0 or size + s > budget or hard >= HARD:
            count, size = count + 1, f
        else:
            size += s
    return max(1, count)

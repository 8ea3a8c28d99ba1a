"""The sentences a point can rest on: a document's blocks split into sentences, each read once.

A ``DocIndex`` splits a block into sentences and reads their facts only when a check first
looks at that block, and keeps the result, so a document's hundred points cost one pass over
the blocks they cite. Each sentence carries the ``Source`` that cites exactly it (the block's
locator plus the sentence span, and the sentence as ``quote``) and the names that go with it
without being written in it: the speaker of a turn, the sender and recipients of a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from desktop.core.digest import Source
from desktop.core.document import DocKind, Document
from desktop.core.prompting.sentences import split_sentences
from desktop.ml.check.facts import Fact, facts_of
from desktop.ml.check.names import name_words
from desktop.ml.check.negation import negated_words, negations, stems
from desktop.ml.check.numbers import number_facts
from desktop.ml.points.citations import content_words

#: A passage sentence's quote is cut here (a table row or run-on caption can be a page long).
QUOTE_CHARS = 400


@dataclass(slots=True)
class Sentence:
    """One sentence of a passage, read: its facts, words, and what it negates."""

    text: str
    source: Source
    block: int = -1
    index: int = 0
    #: Names that go with the sentence without being in it (speaker, sender, recipients).
    people: str = ""
    facts: list[Fact] = field(default_factory=list)
    words: set[str] = field(default_factory=set)
    content: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)
    negated: bool = False
    negated_words: set[str] = field(default_factory=set)
    lower: str = ""


def read_sentence(text: str, source: Source, *, block: int = -1, index: int = 0, people: str = "") -> Sentence:
    """A sentence with its facts read (ordinal words too: a passage's "third" supports a "3rd")."""
    facts = facts_of(text)
    taken = [(f.start, f.end) for f in facts]
    facts += list(number_facts(text, taken, ordinal_words=True))
    return Sentence(text, source, block, index, people, facts, name_words(text + " " + people), content_words(text),
                    stems(text), bool(negations(text)), negated_words(text), " ".join(text.lower().split()))


class DocIndex:
    """The sentences of one document's blocks, read on first use."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._blocks: dict[int, list[Sentence]] = {}
        self._people = _participants(doc)

    def block(self, i: int) -> list[Sentence]:
        cached = self._blocks.get(i)
        if cached is None:
            cached = self._blocks[i] = self._read(i)
        return cached

    def sentences(self, blocks: tuple[int, ...] | list[int]) -> list[Sentence]:
        return [s for i in blocks for s in self.block(i)]

    def raw(self, i: int) -> str:
        """The block's text, lower-cased, for a cheap look before reading it sentence by sentence."""
        return self.doc.blocks[i].text.lower()

    def _read(self, i: int) -> list[Sentence]:
        doc = self.doc
        b = doc.blocks[i]
        people = " ".join(x for x in (b.locator.speaker, b.locator.sender, self._people) if x)
        out = []
        for k, text in enumerate(split_sentences(b.text), 1):
            locator = replace(b.locator, sentence=k, sentence_end=k)
            source = Source(str(doc.path), locator, doc.display_name, b.text[:240], text[:QUOTE_CHARS])
            out.append(read_sentence(text, source, block=i, index=k, people=people))
        return out


def _participants(doc: Document) -> str:
    """A message's sender and recipients, whose names a point about the mail may use."""
    if doc.kind not in (DocKind.EMAIL, DocKind.MAILBOX):
        return ""
    parts: list[str] = []
    for key in ("from", "to", "cc"):
        value = doc.metadata.get(key)
        values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        parts += [re.sub(r"<[^>]*>", " ", v) for v in values if isinstance(v, str)]
    return " ".join(parts)


def merge_sources(sentences: list[Sentence]) -> list[Source]:
    """One source per block for the chosen sentences: consecutive sentences of a block become
    one span (sentence..sentence_end) with their text as the quote."""
    out: list[Source] = []
    for s in sorted(sentences, key=lambda s: (s.source.path, s.source.document, s.block, s.index)):
        last = out[-1] if out else None
        if (last is not None and s.block >= 0 and last.path == s.source.path and last.document == s.source.document
                and last.locator.without_sentences() == s.source.locator.without_sentences()
                and last.locator.sentence_end == s.index - 1):
            quote = (last.quote + " " + s.text)[:QUOTE_CHARS]
            out[-1] = replace(last, locator=replace(last.locator, sentence_end=s.index), quote=quote)
        else:
            out.append(s.source)
    return out

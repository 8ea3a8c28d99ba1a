"""The extractive preview: something cited on screen within seconds, replaced as the model works.

The model's first output takes seconds to minutes (a long PDF on two cores), but the model-free
engine ranks the first document's sentences in well under a second. So a job first shows that
digest as a ``Preview`` event; then each time the model finishes the chunk a quoted point was
taken from, the point is replaced by the model's summary of that chunk (cited to the chunk's
extent) and the preview is sent again. The finished digest replaces it all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import chain
from typing import Any

from desktop.core.digest import Digest, Point
from desktop.core.document import Document, Locator
from desktop.core.events import EventCallback, Preview, TranscriptSoFar
from desktop.ml.extractive.engine import ExtractiveEngine
from desktop.ml.points.citations import extent_sources

log = logging.getLogger(__name__)


class PreviewFeed:
    """Makes the preview of a job's first document and swaps in model output point by point."""

    def __init__(self, on_event: EventCallback, *, length: str = "medium", query: str | None = None) -> None:
        self.on_event = on_event
        self.length = length
        self.query = query
        self.digest: Digest | None = None
        self.replaced: list[int] = []
        #: preview point -> (file, document name, locator of the quoted block). By locator, not
        #: block index: the model may be given a normalised or partial copy of the document.
        self._origin: list[tuple[str, str, Locator] | None] = []

    def first(self, top: Document) -> Digest | None:
        """Rank ``top`` (and its attachments) without the model and send the preview."""
        try:
            digest = ExtractiveEngine().summarize([top], length=self.length, query=self.query, classify=True)
        except Exception:  # a preview is a courtesy: whatever it meets, the job itself goes on
            log.exception("the extractive preview failed")
            return None
        if not digest.points:
            return None
        self._origin = [(p.sources[0].path, p.sources[0].document, p.sources[0].locator.without_sentences())
                        if p.sources else None for p in digest.points]
        digest.engine = "extractive preview"
        self.digest = digest
        self.on_event(Preview(digest, ()))
        return digest

    def chunk_done(self, doc: Document, blocks: tuple[int, ...], text: str) -> None:
        """The model summarized ``blocks`` of ``doc``: replace the first preview point quoted from them."""
        if self.digest is None or not text.strip():
            return
        inside = {doc.blocks[b].locator for b in blocks}
        for i, origin in enumerate(self._origin):
            if i in self.replaced or origin is None:
                continue
            path, name, locator = origin
            if path != str(doc.path) or name != doc.display_name or locator not in inside:
                continue
            points = list(self.digest.points)
            points[i] = Point(text.strip(), extent_sources(doc, blocks))
            self.digest = replace(self.digest, points=points)
            self.replaced.append(i)
            self.on_event(Preview(self.digest, tuple(self.replaced)))
            return


def preview_first(documents: Iterable[Document], feed: PreviewFeed) -> Iterator[Document]:
    """Reads the first document now (before the model loads) and previews it; returns the
    whole stream again, that document first."""
    it = iter(documents)
    first = next(it, None)
    if first is None:
        return it
    feed.first(first)
    return chain([first], it)


def partial_preview(stream: Any, feed: PreviewFeed) -> Callable[[TranscriptSoFar], None]:
    """While the job's first file is a recording still being transcribed, preview its transcript so
    far (the first minutes at once, then again every few minutes of sound)."""

    def on_transcript(event: TranscriptSoFar) -> None:
        if stream.read == 0:  # the first document only, as the preview itself
            feed.first(event.document)

    return on_transcript

"""The check stage: after *cite*, before the digest is final, each point meets the passage it cites.

Engines hand every candidate point to ``add`` while its document is still in memory (a job keeps
only a window of documents): the facts are checked at once and the citation narrows to the
supporting sentences. ``finish_window`` then asks the model about the points the facts passed
(one batch per window, Cancel checked between groups) and, with the setting "retry", writes a
flagged point again once from its chunk. ``finish`` checks the overview's sentences, drops
flagged points with the setting "drop", and puts the counts on the digest.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from desktop.core.cache import SummaryCache
from desktop.core.digest import Digest, Point
from desktop.core.document import Document
from desktop.core.prompting.prompts import PromptLibrary
from desktop.core.prompting.sentences import split_sentences
from desktop.core.support import CHECKED, FLAGGED, UNSUPPORTED, Problem, Support, SupportCounts
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.check.entailment import EntailmentScorer
from desktop.ml.check.matcher import Verdict, check_claim
from desktop.ml.check.passage import DocIndex, Sentence, merge_sources, read_sentence
from desktop.ml.check.scope import cited_blocks, hinted_blocks

MODES = UNSUPPORTED
#: Benchmarks only (``benchmarks/faithfulness.py --e2e``): "1" asks the model about every point,
#: flagged by the facts or not, so a random-weight model's run costs what a real model's would
#: (its noise fails the facts, which would leave the model nothing to read). Never set by the app.
ENTAIL_ALL_ENV = "PRECIS_BENCH_ENTAIL_ALL"
#: Sources a narrowed citation keeps, as the citations of before.
MAX_SOURCES = 3
#: (origin chunks, cited block indices) -> (new text, the blocks it was written from), or None.
Regenerate = Callable[[tuple[int, ...], set[int]], tuple[str, tuple[int, ...]] | None]


@dataclass(slots=True)
class _Entry:
    point: Point
    doc: Document
    scope: tuple[int, ...]
    origin: tuple[int, ...]
    verdict: Verdict
    premise: str


@dataclass(slots=True)
class CheckStage:
    mode: str = "flag"
    scorer: EntailmentScorer | None = None
    seconds: float = 0.0
    #: CPU seconds of the facts layer (this thread's): what it costs on a machine busy with other work.
    cpu_seconds: float = 0.0
    regenerated: int = 0
    _entries: list[_Entry] = field(default_factory=list)
    _indexes: dict[int, DocIndex] = field(default_factory=dict)
    _seen: set[int] = field(default_factory=set)
    #: Each document's summary sentences as checked points (the overview of a one-document job).
    _summaries: dict[int, list[Point]] = field(default_factory=dict)

    # ------------------------------------------------------------------ per window
    def add(self, point: Point, doc: Document, scope: tuple[int, ...] = (), origin: tuple[int, ...] = ()) -> Point:
        """Check ``point`` against the blocks it cites (then ``scope``, the passage it was made
        from); narrow its citation to the supporting sentences. Returns the point."""
        if id(point) in self._seen:
            return point
        started, cpu = time.monotonic(), time.thread_time()
        self._seen.add(id(point))
        index = self._index(doc)
        cited = cited_blocks(point.sources, doc) or list(scope)
        rest = [b for b in scope if b not in set(cited)]

        def wider(missing: list) -> list[Sentence]:
            return index.sentences(hinted_blocks(index, rest, missing))

        verdict = check_claim(point.text, index.sentences(cited), wider if rest else None)
        if not verdict.support:
            verdict.support = []
        self._apply(point, verdict)
        premise = " ".join(s.text for s in verdict.support) or " ".join(s.text for s in index.sentences(cited[:3]))
        self._entries.append(_Entry(point, doc, tuple(scope) or tuple(cited), origin, verdict, premise))
        self.seconds += time.monotonic() - started
        self.cpu_seconds += time.thread_time() - cpu
        return point

    def add_all(self, points: list[Point], doc: Document) -> None:
        """Check points of ``doc`` not checked yet, each against the blocks it cites."""
        for point in points:
            if point.support is None and point.sources and _from(point, doc):
                self.add(point, doc)

    def add_summary(self, doc_index: int, text: str, doc: Document, scope: tuple[int, ...]) -> None:
        """A document's summary, sentence by sentence, checked against the whole of it (its overview)."""
        from desktop.ml.points.citations import cite

        # The root's sentences are often the candidates of its top level already: checked once.
        known = {(e.point.text, id(e.doc)): e.point for e in self._entries}
        self._summaries[doc_index] = [known.get((s, id(doc))) or self.add(Point(s, cite(s, doc, scope)), doc, scope)
                                      for s in split_sentences(text)]

    def finish_window(self, regenerate: Regenerate | None = None, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Ask the model about this window's points, rewrite flagged ones ("retry"), let the documents go."""
        if self.mode == "retry" and regenerate is not None:
            for entry in self._entries:  # (generation time is the map stage's, not the check's)
                if entry.point.support is not None and entry.point.support.flagged and entry.origin and not should_stop():
                    self._retry(entry, regenerate)
        everything = os.environ.get(ENTAIL_ALL_ENV) == "1"
        self._entail([e for e in self._entries if everything or not e.verdict.problems and not e.verdict.quoted],
                     should_stop)
        self._entries.clear()
        self._indexes.clear()
        self._seen.clear()

    # ------------------------------------------------------------------ end of job
    def finish(self, digest: Digest, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Check the overview's sentences, apply "drop", and count."""
        started = time.monotonic()
        scoring = self.scorer.seconds if self.scorer is not None else 0.0
        digest.overview_points = self._overview(digest, should_stop)
        dropped = 0
        if self.mode == "drop":
            for name in digest.SECTIONS:
                kept = [p for p in getattr(digest, name) if p.support is None or not p.support.flagged]
                dropped += len(getattr(digest, name)) - len(kept)
                setattr(digest, name, kept)
        counted: dict[str, bool] = {}
        for p in [*digest.all_points(), *digest.overview_points]:
            if p.support is not None:
                counted[p.text] = counted.get(p.text, False) or p.support.flagged
        flagged = sum(counted.values())
        self.seconds += time.monotonic() - started - ((self.scorer.seconds - scoring) if self.scorer is not None else 0.0)
        digest.support = SupportCounts(len(counted) - flagged, flagged, dropped, self.regenerated, self.mode,
                                       self.scorer is not None)
        # Time of the facts layer, and of the model's layer, beside the other stages' times.
        digest.stats["check_seconds"] = round(self.seconds, 3)
        digest.stats["check_cpu_seconds"] = round(self.cpu_seconds, 3)
        if self.scorer is not None:
            digest.stats["entailment_seconds"] = round(self.scorer.seconds, 3)

    def _overview(self, digest: Digest, should_stop: Callable[[], bool]) -> list[Point]:
        sentences = split_sentences(digest.overview) if digest.overview else []
        if not sentences:
            return []
        for points in self._summaries.values():
            if [p.text for p in points] == sentences:
                return [_copy(p) for p in points]
        known = {p.text: p for p in [*digest.all_points(), *(p for ps in self._summaries.values() for p in ps)]}
        evidence = [p for ps in self._summaries.values() for p in ps] or digest.all_points()
        pool = _evidence(evidence)
        out: list[Point] = []
        todo: list[tuple[Point, str]] = []
        for s in sentences:
            if s in known:
                out.append(_copy(known[s]))
                continue
            verdict = check_claim(s, pool)
            point = Point(s, merge_sources(verdict.support)[:MAX_SOURCES])
            self._apply(point, verdict)
            out.append(point)
            if not verdict.problems and not verdict.quoted:
                todo.append((point, " ".join(x.text for x in verdict.support)))
        self._score(todo, should_stop)
        return out

    # ------------------------------------------------------------------ helpers
    def _index(self, doc: Document) -> DocIndex:
        index = self._indexes.get(id(doc))
        if index is None or index.doc is not doc:
            index = self._indexes[id(doc)] = DocIndex(doc)
        return index

    def _apply(self, point: Point, verdict: Verdict, regenerated: bool = False) -> None:
        if verdict.support:
            point.sources = merge_sources(verdict.support)[:MAX_SOURCES]
        point.support = Support(FLAGGED if verdict.problems else CHECKED, tuple(verdict.problems),
                                layers=("facts",), regenerated=regenerated)

    def _entail(self, entries: list[_Entry], should_stop: Callable[[], bool]) -> None:
        self._score([(e.point, e.premise) for e in entries], should_stop)

    def _score(self, todo: list[tuple[Point, str]], should_stop: Callable[[], bool]) -> None:
        if self.scorer is None or not todo:
            return
        scores = self.scorer.p_yes([(premise or "", p.text) for p, premise in todo], should_stop)
        for (point, premise), p_yes in zip(todo, scores):
            if p_yes is None or point.support is None:
                continue
            problems = point.support.problems
            if p_yes < self.scorer.threshold:
                reason = (f"the model does not read this in the passage it cites (it gives {p_yes:.0%} "
                          f"to “yes, it follows”)")
                problems += (Problem("entailment", point.text[:80], reason),)
            point.support = Support(FLAGGED if problems else CHECKED, problems, p_yes, ("facts", "entailment"),
                                    point.support.regenerated)

    def _retry(self, entry: _Entry, regenerate: Regenerate) -> None:
        """Write the point again once from its chunk; keep the new version if the check passes it."""
        from desktop.ml.points.citations import cite, content_words

        result = regenerate(entry.origin, set(cited_blocks(entry.point.sources, entry.doc)))
        if result is None:
            return
        text, blocks = result
        words = content_words(entry.point.text)
        candidates = split_sentences(text)
        if not candidates:
            return
        best = max(candidates, key=lambda s: len(words & content_words(s)))
        index = self._index(entry.doc)
        trial = Point(best, cite(best, entry.doc, blocks))
        cited = cited_blocks(trial.sources, entry.doc) or list(blocks)
        verdict = check_claim(best, index.sentences(cited), lambda missing: index.sentences(
            hinted_blocks(index, [b for b in entry.scope if b not in set(cited)], missing)))
        if verdict.problems:
            return
        entry.point.text = best
        entry.point.sources = trial.sources
        self._apply(entry.point, verdict, regenerated=True)
        entry.verdict = verdict
        entry.premise = " ".join(s.text for s in verdict.support)
        self.regenerated += 1


def stage_for(mode: str, model: TextModel | None = None, prompts: PromptLibrary | None = None,
              cache: SummaryCache | None = None) -> CheckStage:
    """The check stage of a job: the facts always, the model's entailment when there is a model."""
    if mode not in MODES:
        raise ValueError(f"unknown setting {mode!r} for unsupported points; choose one of {', '.join(MODES)}")
    return CheckStage(mode, EntailmentScorer(model, prompts, cache) if model is not None else None)


def _from(point: Point, doc: Document) -> bool:
    return any(s.path == str(doc.path) and (not s.document or s.document == doc.display_name) for s in point.sources)


def _copy(point: Point) -> Point:
    return dataclasses.replace(point, sources=list(point.sources))


def _evidence(points: list[Point]) -> list[Sentence]:
    """The sentences the given points rest on, read again from their citations' quotes."""
    out: list[Sentence] = []
    seen: set[tuple[str, str]] = set()
    for p in points:
        for s in p.sources:
            text = s.quote or s.excerpt
            if text and (s.path, text) not in seen:
                seen.add((s.path, text))
                people = " ".join(x for x in (s.locator.speaker, s.locator.sender) if x)
                out.append(read_sentence(text, s, people=people))
    return out

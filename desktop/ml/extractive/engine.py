"""The extractive engine: no model, no download, the same Digest with exact citations.

Used when no FLAN-T5 model is installed and as the quality baseline in ``precis-cli eval``.
Sentences are ranked by TextRank; each point is a sentence of the source, so its citation is
exact. Meetings get decisions and action items, emails asks and deadlines, found by cue
phrases rather than generation.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from desktop.core.dates import day_of
from desktop.core.digest import Digest, DocumentSummary, Point
from desktop.core.document import DocKind, Document
from desktop.core.events import CancelToken, EventCallback, Partial, Progress, ignore_events
from desktop.ml.check.stage import stage_for
from desktop.ml.engine.presets import preset
from desktop.ml.extractive.labels import heuristic_labels
from desktop.ml.extractive.sections import extractive_sections
from desktop.ml.points.citations import content_words, source_for
from desktop.ml.points.items import dedupe, find_due
from desktop.ml.points.owners import ItemContext, item_point
from desktop.ml.points.sentence_pool import Sentence, document_sentences
from desktop.ml.points.textrank import informative_words, rank, relevance, select, select_words, substance

_DECISION = re.compile(r"\b(agreed|we agree|decided|approved?|let'?s (do|go|ship|move)|we('ll| will) (ship|go with)|resolved|concluded)\b", re.IGNORECASE)
#: Talk about deciding is not a decision: "we have to come to a decision", "what are the decision
#: variables", "once we've made the decision", what has not been agreed, and questions.
_NOT_DECIDED = re.compile(r"\?\s*$|\b(have to|need to|going to|gonna|should|will|once|if|when|whether|before)\b[^.]*\b(decide|agree|approve)"
                          r"|\b(not|never|no)\b[^.]{0,30}\b(decided|agreed|approved|resolved)\b", re.IGNORECASE)
_ACTION = re.compile(r"\b(i'?ll|i will|will do|can you|could you|please|action item|take (it|that|care)|own (that|it)|follow up|send (me|you|us)|write|prepare)\b", re.IGNORECASE)
_ASK = re.compile(r"\?|\b(please|could you|can you|would you|let me know|tell me|send me|need (a|your|you)|kindly|i('d| would) appreciate)\b", re.IGNORECASE)
_ADDRESSED = re.compile(r"^\s*(?P<name>[A-Z][a-z]+)\s*,\s*(can|could|would|please)\b")


#: A date that frees people from something is not a deadline: "Nobody needs to come in on Saturday."
_NO_OBLIGATION = re.compile(r"\b(nobody|no one|no need|(do|does|did)n'?t (need|have) to|(need|have) not)\b", re.IGNORECASE)


def _is_deadline(text: str) -> bool:
    return find_due(text) is not None and not _NO_OBLIGATION.search(text)


def _is_decision(text: str) -> bool:
    return bool(_DECISION.search(text)) and not _NOT_DECIDED.search(text)


#: The cue test of each item section. The model engine takes its candidate sentences from the
#: same tests (``ml/engine/item_scoring.py``) and lets the model decide which ones really are.
CUE_TESTS: dict[str, Callable[[str], object]] = {
    "decisions": _is_decision, "actions": _ACTION.search, "asks": _ASK.search, "deadlines": _is_deadline,
}


class ExtractiveEngine:
    name = "extractive"
    #: A template's item sections (digest field names) for meetings and mail; None: by kind.
    item_sections: tuple[str, ...] | None = None
    #: What the check stage does with a flagged point (``ml/check/``): "flag", "drop" or "retry"
    #: (a quote cannot be written again, so "retry" flags).
    unsupported = "flag"

    def summarize(
        self,
        documents: Iterable[Document],
        *,
        length: str = "medium",
        query: str | None = None,
        classify: bool = True,
        on_event: EventCallback = ignore_events,
        cancel: CancelToken | None = None,
        total: int | None = None,
    ) -> Digest:
        """Documents are ranked one at a time and only their best sentences are kept, so a job of
        hundreds of files holds one document in memory, not all of them (``documents`` may be a
        lazy iterator; ``total`` is how many files it will yield, for progress)."""
        started = time.monotonic()
        cancel = cancel or CancelToken()
        p = preset(length)
        digest = Digest(title="", overview="", query=query, engine=self.name)
        candidates: list[_Candidate] = []
        roots: set[str] = set()
        first: Document | None = None
        sentences = words = 0
        check = stage_for(self.unsupported)
        #: The words of each file the user gave (its attachments included) and which file each
        #: document belongs to: a file's share of the key points is the length its own digest would have.
        file_words: dict[int, int] = {}
        file_of: dict[int, int] = {}
        for top in documents:
            roots.add(str(top.path))
            number = len(file_words)
            file_words[number] = 0
            for doc in top.walk():
                if not doc.blocks:
                    continue
                cancel.raise_if_cancelled()
                index = len(digest.documents)
                on_event(Progress(f"ranking sentences of {doc.display_name}", index, max(total or 0, index + 1)))
                first = first or doc
                pool = document_sentences(doc, index)
                sentences += len(pool)
                scores = self._scores(pool, query)
                doc_words = sum(len(s.text.split()) for s in pool)
                words += doc_words
                file_words[number] += doc_words
                file_of[index] = number
                if not query:
                    digest.sections += extractive_sections(doc, pool, scores, length, point_words)
                # A document's own summary is half as long as its key points: it grows with the input too.
                chosen = (self._pick(pool, scores, p.extractive_doc_sentences, query) if query
                          else self._pick_words(pool, scores, point_words(doc_words, length) // 2))
                summary = " ".join(pool[i].display for i in chosen)
                digest.documents.append(
                    DocumentSummary(
                        path=str(doc.path), document=doc.display_name, kind=doc.kind.value, title=doc.title,
                        summary=summary, labels=heuristic_labels(doc) if classify else {}, warnings=list(doc.warnings),
                        sources=[source_for(doc, pool[i].block) for i in chosen], date=day_of(doc),
                    )
                )
                if summary:
                    on_event(Partial(summary, doc.display_name))
                picked = (self._pick(pool, scores, p.max_points, query) if query
                          else self._pick_words(pool, scores, point_words(doc_words, length)))
                new = [_Candidate(float(scores[i]), (index, i), Point(pool[i].display, [source_for(doc, pool[i].block)]))
                       for i in picked]
                candidates += new
                if doc.kind in (DocKind.TRANSCRIPT, DocKind.EMAIL, DocKind.MAILBOX) and not query:
                    by_kind = ("decisions", "action_items") if doc.kind is DocKind.TRANSCRIPT else ("asks", "deadlines")
                    for name in by_kind if self.item_sections is None else self.item_sections:
                        getattr(digest, name).extend(self._section(doc, pool, name))
                # The check stage (ml/check/): each quote against its block, citation narrowed to its sentence.
                check.add_all([c.point for c in new] + [p for name in digest.SECTIONS[1:] for p in getattr(digest, name)], doc)
                check.finish_window()
        chosen_points = _best(candidates, p.max_points) if query else _shared(candidates, file_of, {f: point_words(w, length) for f, w in file_words.items()},
                                                                          point_words(words, length))
        digest.points = [c.point for c in chosen_points]
        top_k = _overview(chosen_points, p.extractive_overview_sentences if query else None, point_words(words, length) // 3,
                          file_of if not query else None)
        digest.overview = " ".join(c.point.text for c in sorted(top_k, key=lambda c: c.order))
        if query and not chosen_points:
            digest.overview = f"The documents do not appear to say anything about “{query}”."
        digest.title = _title(first, len(roots), len(digest.documents), query)
        check.finish(digest)
        digest.stats |= {"chunks": 0, "sentences": sentences, "seconds": round(time.monotonic() - started, 3), "cache_hits": 0}
        on_event(Progress("done", len(digest.documents), len(digest.documents)))
        return digest

    def _scores(self, sentences: list[Sentence], query: str | None) -> np.ndarray:
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        texts = [s.text for s in sentences]
        if query:
            central = rank(texts)
            central = central / (central.max() or 1.0)
            rel = relevance(texts, query)
            return np.where(rel > 0, 0.3 * central + 0.7 * rel / (rel.max() or 1.0), -1.0)
        # Centrality among what the sentences say (spoken fillers left out), times how much each
        # can carry (benchmarks/README.md: why meetings need both), with a slight lead bias.
        words = [informative_words(t) for t in texts]
        central = rank([" ".join(w) for w in words])
        central = central / (central.max() or 1.0)
        lead = np.array([1.0 + 0.15 * (1.0 - s.position) for s in sentences], dtype=np.float32)
        return central * substance(np.array([len(w) for w in words]), len(sentences)) * lead

    def _pick(self, pool: list[Sentence], scores: np.ndarray, k: int, query: str | None) -> list[int]:
        eligible = [s.eligible and (query is None or float(scores[i]) >= 0) for i, s in enumerate(pool)]
        if not any(eligible) and query is None:
            eligible = [s.usable for s in pool]
        return select([s.text for s in pool], scores, k, eligible=eligible)

    def _pick_words(self, pool: list[Sentence], scores: np.ndarray, words: int) -> list[int]:
        """The best sentences until they reach ``words`` words (``point_words``: the preview's length)."""
        eligible = [s.eligible for s in pool]
        if not any(eligible):
            eligible = [s.usable for s in pool]
        return select_words([s.text for s in pool], scores, words, eligible=eligible)

    def _section(self, doc: Document, pool: list[Sentence], name: str) -> list[Point]:
        if name == "action_items":
            return self._actions(doc, pool)
        if name == "decisions":
            return self._cued(doc, pool, _is_decision)
        return self._cued(doc, pool, _ASK.search if name == "asks" else _is_deadline, name)

    def _cued(self, doc: Document, pool: list[Sentence], keep: Callable[[str], object], section: str = "decisions",
              limit: int = 8) -> list[Point]:
        """Sentences ``keep`` accepts; the limit applies after the test, so late ones are not lost.
        Asks and deadlines carry their owner and due date (``points/owners.py``)."""
        hits: dict[str, tuple[Sentence, str]] = {}
        for k, s in enumerate(pool):
            text = _standalone(pool, k)
            if text is not None and keep(text):
                hits.setdefault(f"{s.speaker}: {text}" if s.speaker else text, (s, text))
        texts = dedupe(list(hits))[:limit]
        if section == "decisions":
            return [Point(t, [source_for(doc, hits[t][0].block)]) for t in texts]
        ctx = ItemContext.of(doc)
        out = []
        for t in texts:
            s, text = hits[t]
            # The owner is said beside the item and the citation names the speaker: no "Priya Shah:" prefix.
            out.append(item_point(ctx, section, text, s.block, [source_for(doc, s.block)]))
        return out

    def _actions(self, doc: Document, pool: list[Sentence], limit: int = 8) -> list[Point]:
        out: list[Point] = []
        ctx = ItemContext.of(doc)
        for k, s in enumerate(pool):
            text = _standalone(pool, k)
            if text is None or not _ACTION.search(text) or text.rstrip().endswith("?") and not _ADDRESSED.match(text):
                continue
            out.append(item_point(ctx, "actions", text, s.block, [source_for(doc, s.block)]))
        kept = dedupe([p.text for p in out])
        return [p for p in out if p.text in kept][:limit]


def _standalone(pool: list[Sentence], k: int) -> str | None:
    """The sentence as a point; a cue too short to stand alone ("Agreed.", "Yes, I'll take it.") brings
    the next sentence of its block along, where the substance is. None when it cannot be a point."""
    s = pool[k]
    nxt = pool[k + 1] if k + 1 < len(pool) else None
    if s.furniture:
        return None
    if len(content_words(s.text)) < 2 and nxt is not None and nxt.block == s.block and nxt.eligible:
        return f"{s.text} {nxt.text}"
    return s.text if s.eligible else None


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A sentence that may become a key point: its score within its document, and where it stands."""

    score: float
    order: tuple[int, int]
    point: Point


def point_words(input_words: int, length: str = "medium") -> int:
    """How many words of key points an input of ``input_words`` words gets.

    Grows as ``input_words ** 0.625``: a 130-word dialogue gets about 30 words (two or three
    sentences, where its human summaries have 18), an hour-long meeting of 10,000 words about 440
    (its QMSum summaries have 110, but a preview quotes rather than condenses), and a 100-page
    report stops at 600, still a page. Short and long scale it by 0.6 and 1.6.
    """
    scale = {"short": 0.6, "long": 1.6}.get(length, 1.0)
    return max(1, round(min(600.0, 1.4 * max(0, input_words) ** 0.625) * scale))


def _best(candidates: list[_Candidate], k: int, words: int | None = None,
          taken: list[set[str]] | None = None) -> list[_Candidate]:
    """The ``k`` best candidates across documents (or, with ``words``, as many as reach that many
    words), near-duplicates dropped (of each other and of ``taken``, which grows), in document order."""
    chosen: list[_Candidate] = []
    chosen_words: list[set[str]] = taken if taken is not None else []
    total = 0
    for c in sorted(candidates, key=lambda c: (-c.score, c.order)):
        bag = content_words(c.point.text)
        if any(bag and len(bag & w) / len(bag | w) >= 0.6 for w in chosen_words):
            continue
        chosen.append(c)
        chosen_words.append(bag)
        total += len(c.point.text.split())
        if len(chosen) >= k or words is not None and total >= words:
            break
    return sorted(chosen, key=lambda c: c.order)


def _shared(candidates: list[_Candidate], file_of: dict[int, int], shares: dict[int, int], words: int) -> list[_Candidate]:
    """Key points for several files: each file gets a part of ``words`` in proportion to the
    length its own digest would have (``shares``: ``point_words`` of its words), and at least one
    point, filled with its best sentences; scores are never compared across files, where a long
    meeting's centrality would otherwise outrank an email's every sentence (issue 30). One file
    (its attachments included): ``_best``, as before."""
    if len(shares) <= 1:
        return _best(candidates, 200, words)
    total = sum(shares.values()) or 1
    chosen: list[_Candidate] = []
    taken: list[set[str]] = []
    for number, share in shares.items():
        mine = [c for c in candidates if file_of.get(c.order[0]) == number]
        chosen += _best(mine, 200, max(1, round(words * share / total)), taken)
    return sorted(chosen, key=lambda c: c.order)


def _overview(points: list[_Candidate], k: int | None, words: int, file_of: dict[int, int] | None = None) -> list[_Candidate]:
    """The best-scored key points: ``k`` of them, or (no ``k``) as many as reach ``words`` words,
    a third of the key points' length, so an hour-long meeting's overview is not three lines.
    ``file_of`` (document -> file): each file's best point first, so no file is missing from it."""
    ranked = sorted(points, key=lambda c: -c.score)
    if k is not None:
        return ranked[:k]
    out: list[_Candidate] = []
    if file_of is not None:
        leaders = {file_of.get(c.order[0]): c for c in reversed(ranked)}
        out = list(leaders.values()) if len(leaders) > 1 else []
        ranked = [c for c in ranked if all(c is not o for o in out)]
        if sum(len(o.point.text.split()) for o in out) >= words:
            return out
    for c in ranked:
        out.append(c)
        if sum(len(o.point.text.split()) for o in out) >= words:
            break
    return out


def _title(first: Document | None, roots: int, documents: int, query: str | None) -> str:
    if query:
        return f"Answer: {query}"
    if first is None:
        return "Digest"
    if roots > 1:
        return f"Digest of {roots} documents"
    return first.title or first.display_name

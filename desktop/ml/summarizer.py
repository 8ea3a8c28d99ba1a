"""The model engine: chunks -> instruction prompts -> FLAN-T5 -> hierarchical merge -> Digest.

Map: every chunk of every document in the job is generated in one pass (the backend batches
by length; one model load per job). Merge: summaries are packed into balanced groups that fit
the input budget and summarized again, level by level, order kept, until one remains; nothing
is truncated because each summary is capped at under half the merge budget. Points come from
the lowest level that fits the length preset, each citing the blocks it was built from.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.cache import SummaryCache
from desktop.core.chunking import Chunk, chunk_document, partition
from desktop.core.digest import Digest, DocumentSummary, Point
from desktop.core.document import DocKind, Document
from desktop.core.events import CancelToken, EtaEstimator, EventCallback, Notice, Partial, Progress, ignore_events
from desktop.core.prompts import KIND_FOR_DOC, PromptLibrary, PromptTemplate
from desktop.core.sentences import split_sentences
from desktop.ml.citations import cite, extent_sources
from desktop.ml.classify import classify_document
from desktop.ml.generation import Generator, Task
from desktop.ml.items import dedupe, is_none, parse_action, split_items
from desktop.ml.presets import LengthPreset, preset
from desktop.ml.textmodel import TextModel
from desktop.ml.textrank import rank, select

log = logging.getLogger(__name__)

#: Share of <unk> tokens above which FLAN-T5 cannot read a document (Chinese, Japanese...).
UNREADABLE_UNK_RATIO = 0.08
_ITEM_STAGES = {"meeting": ("decisions", "actions"), "email": ("asks", "deadlines")}
_SECTION = {"decisions": "decisions", "actions": "action_items", "asks": "asks", "deadlines": "deadlines"}


@dataclass(slots=True)
class Node:
    """A summary in the merge tree: which document and which chunks it covers."""

    text: str
    doc: int
    chunks: tuple[int, ...]
    level: int


class Summarizer:
    name = "flan-t5"

    def __init__(
        self,
        model: TextModel,
        *,
        cache: SummaryCache | None = None,
        prompts: PromptLibrary | None = None,
        input_budget: int = 512,
    ) -> None:
        self.model = model
        self.cache = cache if cache is not None else SummaryCache(None)
        self.prompts = prompts or PromptLibrary.load()
        self.budget = input_budget

    # ---------------------------------------------------------------- public
    def summarize(
        self,
        documents: Sequence[Document],
        *,
        length: str = "medium",
        query: str | None = None,
        classify: bool = True,
        on_event: EventCallback = ignore_events,
        cancel: CancelToken | None = None,
    ) -> Digest:
        started = time.monotonic()
        cancel = cancel or CancelToken()
        p = preset(length)
        gen = Generator(self.model, self.cache, cancel)
        docs = [d for top in documents for d in top.walk() if d.blocks]
        digest = Digest(title="", overview="", query=query, engine=f"{self.name} ({self.model.model.name})")
        for note in self.cache.notices:
            on_event(Notice(note))
            digest.warnings.append(note)
        reported_notices = len(self.cache.notices)

        readable: list[int] = []
        for i, doc in enumerate(docs):
            summary = DocumentSummary(str(doc.path), doc.display_name, doc.kind.value, doc.title, "", warnings=list(doc.warnings))
            digest.documents.append(summary)
            sample = doc.text()[:20_000]
            if self.model.unk_ratio(sample) > UNREADABLE_UNK_RATIO:
                summary.warnings.append(
                    f"{doc.display_name} is mostly in a language or script this model cannot read, "
                    "so no summary is given for it (a summary would be unreliable)."
                )
                on_event(Notice(summary.warnings[-1], str(doc.path)))
                continue
            readable.append(i)

        chunks = self._chunk(docs, readable, query)
        tasks_map, tasks_items = self._map_tasks(docs, chunks, p, query)
        total = len(tasks_map) + len(tasks_items)
        eta = EtaEstimator(total)
        done = [0]

        def tick(task: Task) -> None:
            done[0] += 1
            if id(task) in map_index:
                chunk = chunks[map_index[id(task)]]
                on_event(Partial(task.output, docs[chunk.document].display_name, tuple(l.to_dict() for l in chunk.locators[:3]), 0))
            on_event(Progress(f"summarizing chunk {min(done[0], len(tasks_map))}/{len(tasks_map)}", done[0], total, eta.update(done[0])))

        map_index = {id(t): i for i, t in enumerate(tasks_map)}
        on_event(Progress(f"summarizing chunk 0/{len(tasks_map)}", 0, total, None))
        # The first chunk alone first: its summary shows within seconds of the start.
        gen.run(tasks_map + tasks_items, on_done=tick, first_alone=True)

        leaves = [self._leaf(chunks[i], i, t, query) for i, t in enumerate(tasks_map)]
        levels_by_doc: dict[int, list[list[Node]]] = {}
        for d in readable:
            nodes = [n for n in leaves if n is not None and n.doc == d]
            if nodes:
                cancel.raise_if_cancelled()
                levels_by_doc[d] = self._reduce(nodes, docs[d].kind, p, gen, query, on_event)
        for d, levels in levels_by_doc.items():
            digest.documents[d].summary = levels[-1][0].text
            digest.documents[d].sources = extent_sources(docs[d], tuple(b for c in levels[-1][0].chunks for b in chunks[c].blocks))[:3]

        digest.overview = self._overview(levels_by_doc, p, gen, query, on_event)
        digest.points = self._points(docs, chunks, levels_by_doc, p)
        self._items(digest, docs, chunks, tasks_items)
        if query and not digest.overview:
            digest.overview = f"The documents do not appear to say anything about “{query}”."
        digest.title = self._title(docs, digest, gen, p, query)
        if classify:
            on_event(Progress("classifying", total, total, 0.0))
            for d in readable:
                cancel.raise_if_cancelled()
                digest.documents[d].labels = classify_document(self.model, self.prompts, docs[d], self.budget, self.cache)
        digest.stats = {
            "chunks": len(chunks),
            "seconds": round(time.monotonic() - started, 3),
            "cache_hits": gen.stats.cache_hits,
            "generated": gen.stats.generated,
            "retried": gen.stats.retried,
            "degenerate": gen.stats.degenerate,
            "model": self.model.model.name,
            "backend": self.model.backend.name,
            "quantization": self.model.quantization,
            "device": self.model.device,
        }
        # The cache can fail mid-job (another window holds its write lock); say so too.
        for note in self.cache.notices[reported_notices:]:
            on_event(Notice(note))
            digest.warnings.append(note)
        if gen.stats.degenerate:
            digest.warnings.append(
                f"{gen.stats.degenerate} model output(s) were unusable after a retry and were replaced by extracted sentences."
            )
        on_event(Progress("done", total, total, 0.0))
        return digest

    # ---------------------------------------------------------------- map
    def _template(self, kind: DocKind | None, stage: str) -> PromptTemplate:
        """The kind's template; ``None`` (a merge across documents) means the generic set."""
        return self.prompts.for_doc(kind, stage) if kind is not None else self.prompts.get("generic", stage)

    def _chunk(self, docs: list[Document], readable: list[int], query: str | None) -> list[Chunk]:
        out: list[Chunk] = []
        eos = self.model.count("")
        for d in readable:
            kind = docs[d].kind
            # Every prompt made from a chunk must fit: the map prompt and, without a query, the longer
            # decisions/actions or asks/deadlines prompts too.
            stages = ("query_map",) if query else ("map",) + _ITEM_STAGES.get(KIND_FOR_DOC.get(kind, ""), ())
            templates = [self._template(kind, stage) for stage in stages]
            fields = {"query": query} if query else {}
            budget = self.budget - max(t.overhead(self.model.count, **fields) for t in templates) + eos
            for attempt in range(4):
                chunks = chunk_document(docs[d], self.model.count, budget, document_index=d)
                if all(self.model.count(t.render(c.text, **fields).text) <= self.budget for t in templates for c in chunks):
                    break
                budget -= 8  # joining text can merge pieces differently; shrink and retry
            out.extend(chunks)
        return out

    def _map_tasks(self, docs: list[Document], chunks: list[Chunk], p: LengthPreset, query: str | None) -> tuple[list[Task], list[Task]]:
        merge_cap = self._merge_cap(query)
        maps: list[Task] = []
        items: list[Task] = []
        self._item_of: dict[int, tuple[int, str]] = {}
        for ci, chunk in enumerate(chunks):
            kind = docs[chunk.document].kind
            if query:
                maps.append(Task(self._template(kind, "query_map").render(chunk.text, query=query), p.map_settings(merge_cap)))
                continue
            maps.append(Task(self._template(kind, "map").render(chunk.text), p.map_settings(merge_cap)))
            for stage in _ITEM_STAGES.get(KIND_FOR_DOC.get(kind, ""), ()):
                task = Task(self._template(kind, stage).render(chunk.text), p.item_settings(), retry=False)
                self._item_of[id(task)] = (ci, stage)
                items.append(task)
        return maps, items

    def _merge_cap(self, query: str | None = None) -> int:
        """Largest summary two of which still fit one merge prompt: merges always make progress.
        Without a query the top merge uses the (longer) final or collection prompt, so they count too."""
        stages = ("query_merge",) if query else ("merge", "final", "collection")
        fields = {"query": query} if query else {}
        overhead = max(self.prompts.get(k, stage).overhead(self.model.count, **fields)
                       for k in ("meeting", "email", "report", "generic") for stage in stages)
        return max(16, (self.budget - overhead) // 2 - 2)

    def _leaf(self, chunk: Chunk, index: int, task: Task, query: str | None) -> Node | None:
        """A chunk's summary as a tree leaf; in query mode a "not mentioned" answer drops out."""
        if query and is_none(task.output):
            return None
        text = self._fallback(chunk.text, query) if task.degenerate else task.output
        return Node(text, chunk.document, (index,), 0)

    def _fallback(self, text: str, query: str | None) -> str:
        """Extracted sentences for an unusable generation, capped like a generated summary so the
        merge tree still shrinks at every level."""
        return self.model.truncate(_extract(text), self._merge_cap(query))

    # ---------------------------------------------------------------- merge
    def _reduce(self, nodes: list[Node], kind: DocKind | None, p: LengthPreset, gen: Generator, query: str | None,
                on_event: EventCallback, final_stage: str = "final") -> list[list[Node]]:
        levels = [nodes]
        cap = self._merge_cap(query)
        while len(levels[-1]) > 1:
            current = levels[-1]
            stage_merge = "query_merge" if query else "merge"
            template = self._template(kind, stage_merge)
            final = self.prompts.get(KIND_FOR_DOC.get(kind, "generic") if kind else "generic", final_stage)
            fields = {"query": query} if query else {}
            # The top merge uses the final prompt, which may be the longer one.
            budget = self.budget - max(template.overhead(self.model.count, **fields),
                                       0 if query else final.overhead(self.model.count))
            sizes = [self.model.count(n.text) for n in current]
            spans = partition(sizes, [3 if i and current[i].doc != current[i - 1].doc else 1 for i in range(len(current))], budget)
            if len(spans) == len(current):
                # Only nodes longer than the cap can do this; pair them anyway so the tree always shrinks.
                spans = [(a, min(a + 2, len(current))) for a in range(0, len(current), 2)]
            if len(spans) == 1 and not query:
                template = final
            tasks = [Task(template.render(" ".join(n.text for n in current[a:b]), **fields), p.merge_settings(cap)) for a, b in spans]
            on_event(Progress(f"merging (level {len(levels)})", 0, len(tasks), None))
            gen.run(tasks)
            nxt: list[Node] = []
            for (a, b), task in zip(spans, tasks):
                group = current[a:b]
                text = task.output if not task.degenerate else self._fallback(" ".join(n.text for n in group), query)
                doc = group[0].doc if all(n.doc == group[0].doc for n in group) else -1
                nxt.append(Node(text, doc, tuple(c for n in group for c in n.chunks), len(levels)))
                on_event(Partial(text, "", (), len(levels)))
            levels.append(nxt)
        return levels

    def _overview(self, levels_by_doc: dict[int, list[list[Node]]], p: LengthPreset, gen: Generator, query: str | None,
                  on_event: EventCallback) -> str:
        roots = [levels[-1][0] for _, levels in sorted(levels_by_doc.items())]
        if not roots:
            return ""
        if len(roots) == 1:
            return roots[0].text
        levels = self._reduce(roots, None, p, gen, query, on_event, final_stage="collection")
        return levels[-1][0].text

    # ---------------------------------------------------------------- digest parts
    def _points(self, docs: list[Document], chunks: list[Chunk], levels_by_doc: dict[int, list[list[Node]]], p: LengthPreset) -> list[Point]:
        if not levels_by_doc:
            return []
        weights = {d: len(levels[0]) for d, levels in levels_by_doc.items()}
        total = sum(weights.values())
        points: list[Point] = []
        for d, levels in sorted(levels_by_doc.items()):
            quota = max(1, round(p.max_points * weights[d] / total))
            level = next((lv for lv in levels if len(lv) <= quota), levels[-1])
            per_node = max(1, quota // len(level))
            for node in level:
                blocks = tuple(b for c in node.chunks for b in chunks[c].blocks)
                for sentence in split_sentences(node.text)[:per_node]:
                    points.append(Point(sentence, cite(sentence, docs[d], blocks)))
        kept = set(dedupe([pt.text for pt in points]))
        return [pt for pt in points if pt.text in kept]

    def _items(self, digest: Digest, docs: list[Document], chunks: list[Chunk], tasks: list[Task]) -> None:
        for task in tasks:
            ci, stage = self._item_of[id(task)]
            chunk = chunks[ci]
            doc = docs[chunk.document]
            section: list[Point] = getattr(digest, _SECTION[stage])
            for item in split_items(task.output):
                sources = cite(item, doc, chunk.blocks)
                if stage == "actions":
                    text, owner, due = parse_action(item)
                    section.append(Point(text, sources, owner=owner, due=due))
                else:
                    section.append(Point(item, sources))
        for name in set(_SECTION.values()):
            section = getattr(digest, name)
            kept = set(dedupe([pt.text for pt in section]))
            setattr(digest, name, [pt for pt in section if pt.text in kept])

    def _title(self, docs: list[Document], digest: Digest, gen: Generator, p: LengthPreset, query: str | None) -> str:
        if query:
            return f"Answer: {query}"
        if len({d.path for d in docs}) == 1 and docs and docs[0].title and docs[0].title != docs[0].path.stem:
            return docs[0].title
        if not digest.overview:
            return docs[0].title if docs else "Digest"
        task = Task(self.prompts.get("common", "title").render(self.model.truncate(digest.overview, self.budget - 32)), p.title_settings())
        gen.run([task])
        return task.output.rstrip(".") if not task.degenerate else (docs[0].title or "Digest")


def _extract(text: str, k: int = 2) -> str:
    """Fallback for an unusable generation: the most central sentences of its input."""
    sentences = split_sentences(text)
    if len(sentences) <= k:
        return " ".join(sentences)
    chosen = select(sentences, rank(sentences), k)
    return " ".join(sentences[i] for i in chosen)

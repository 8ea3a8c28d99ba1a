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
from collections.abc import Callable, Iterable
from dataclasses import replace

from desktop.core.cache import SummaryCache
from desktop.core.dates import day_of
from desktop.core.digest import Digest, DocumentSummary, Point
from desktop.core.document import DocKind, Document
from desktop.core.events import CancelToken, EventCallback, Notice, Partial, Progress, ignore_events
from desktop.core.memory import trim_heap
from desktop.core.prompting.chunking import Chunk, partition
from desktop.core.prompting.prompt_chunks import fit_chunks
from desktop.core.prompting.prompts import KIND_FOR_DOC, PromptLibrary, PromptTemplate
from desktop.core.prompting.sentences import split_sentences
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.check.stage import CheckStage, Regenerate, stage_for
from desktop.ml.engine.classify import PendingLabels, start_labels
from desktop.ml.engine.generation import Generator, Task
from desktop.ml.engine.item_scoring import ItemScorer, add_scored_items
from desktop.ml.engine.job_state import WINDOW_CHUNKS, WINDOW_DOCUMENTS, DocPoints, JobState, Node
from desktop.ml.engine.language_gate import readable_part
from desktop.ml.engine.presets import RETRY, LengthPreset, preset
from desktop.ml.engine.preview import PreviewFeed
from desktop.ml.engine.section_merge import pairs, section_summaries, strengths, within_sections
from desktop.ml.engine.timing import StageClock
from desktop.ml.points.citations import cite, extent_sources
from desktop.ml.points.items import dedupe, is_none, parse_action, split_items
from desktop.ml.points.textrank import rank, select

log = logging.getLogger(__name__)

_ITEM_STAGES = {"meeting": ("decisions", "actions"), "email": ("asks", "deadlines")}
_SECTION = {"decisions": "decisions", "actions": "action_items", "asks": "asks", "deadlines": "deadlines"}
#: Default input budget of a merge prompt (see ``Summarizer.merge_budget``; benchmarks/README.md).
#: Measured end to end on a 65-page PDF at flan-t5-base shape, CTranslate2 int8, 2 cores: 512
#: (merges as narrow as chunks) 69.9 s, 768 62.5 s, 1024 64.7 s, 2048 62.4 s. Not wider:
#: CTranslate2 holds a prompt's attention scores and position bias in float32, so one 2048-token
#: prompt takes 643 MB (1024 tokens: 183 MB), and that job peaked at 1.54 GB against about 1 GB.
MERGE_BUDGET = 768
#: Labels read the document's first 512 tokens whatever the chunk budget: scoring runs the encoder
#: once per option on one core, 16 s at 1024 tokens against 5.5 s at 512 (base shape, 2 cores).
LABEL_BUDGET = 512


class Summarizer:
    name = "flan-t5"
    #: Decisions, actions, asks and deadlines by scoring candidate sentences (item_scoring.py);
    #: False generates semicolon lists per chunk instead (a base-size model writes them poorly).
    items_by_scoring = True
    #: A template's item sections (digest field names) for meetings and mail; None: by kind.
    item_sections: tuple[str, ...] | None = None
    #: What the check stage does with a flagged point ("flag", "drop", "retry"), and whether the
    #: model's entailment layer runs after the facts (``ml/check/``).
    unsupported = "flag"
    entailment = True

    def __init__(
        self,
        model: TextModel,
        *,
        cache: SummaryCache | None = None,
        prompts: PromptLibrary | None = None,
        input_budget: int = 512,
        merge_budget: int = 0,
    ) -> None:
        self.model = model
        self.cache = cache if cache is not None else SummaryCache(None)
        self.prompts = prompts or PromptLibrary.load()
        self.budget = input_budget
        #: Merges may read more than a chunk: FLAN-T5 was tuned on inputs up to 2048 tokens, and
        #: one wide merge replaces a level of narrow ones (fewer generations, nothing truncated);
        #: the width is bounded by the memory attention takes (``MERGE_BUDGET``).
        self.merge_budget = max(input_budget, merge_budget or MERGE_BUDGET)
        #: Set by the job: the extractive preview whose points the map step's summaries replace.
        self.preview: PreviewFeed | None = None

    # ---------------------------------------------------------------- public
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
        """``documents`` may be a lazy iterator (``total`` says how many files it will yield):
        they are summarized in windows of up to WINDOW_DOCUMENTS, and only each document's
        summary, candidate points and items outlive its window, so memory stays flat however
        many files a job has."""
        started = time.monotonic()
        cancel = cancel or CancelToken()
        clock = StageClock()
        job = JobState(preset(length), Generator(self.model, self.cache, cancel, clock=clock), query, on_event, cancel, started, total, clock=clock)
        job.check = stage_for(self.unsupported, self.model if self.entailment else None, self.prompts, self.cache)
        self._count = clock.timed("token counting", self.model.count)
        digest = Digest(title="", overview="", query=query, engine=f"{self.name} ({self.model.model.name})")
        for note in self.cache.notices:
            on_event(Notice(note))
            digest.warnings.append(note)
        reported_notices = len(self.cache.notices)

        window: list[tuple[int, Document, list[Chunk]]] = []
        for top in clock.iterate("ingest", documents):
            job.roots.add(str(top.path))
            for doc in top.walk():
                if not doc.blocks:
                    continue
                cancel.raise_if_cancelled()
                index = len(digest.documents)
                job.first = job.first or doc
                digest.documents.append(DocumentSummary(str(doc.path), doc.display_name, doc.kind.value, doc.title, "",
                                                        warnings=list(doc.warnings), date=day_of(doc)))
                # Language by identification (language_gate.py): the readable part, or quotes.
                part = readable_part(doc, digest.documents[index], on_event, self.model.tokenizer.is_unknown)
                if part is None:
                    continue
                doc = part
                with clock.stage("chunking"):
                    window.append((index, doc, self.chunk(doc, index, query)))
            if len(window) >= WINDOW_DOCUMENTS or sum(len(c) for _, _, c in window) >= WINDOW_CHUNKS:
                self._window(window, digest, job, classify)
                window = []
        if window:
            self._window(window, digest, job, classify)

        with clock.stage("title and overview"):
            digest.overview = self._overview(job.roots_nodes, job)
        digest.points = job.points(digest)
        if query and not digest.overview:
            digest.overview = f"The documents do not appear to say anything about “{query}”."
        with clock.stage("check"):
            job.check.finish(digest, lambda: cancel.cancelled)
        with clock.stage("title and overview"):
            digest.title = self._title(job, digest)
        gen = job.gen
        digest.stats |= {  # beside the check stage's times
            "chunks": job.chunks,
            "seconds": round(time.monotonic() - started, 3),
            "cache_hits": gen.stats.cache_hits,
            "generated": gen.stats.generated,
            "retried": gen.stats.retried,
            "degenerate": gen.stats.degenerate,
            "model": self.model.model.name,
            "backend": self.model.backend.name,
            "quantization": self.model.quantization,
            "device": self.model.device,
            "stages": clock.report(time.monotonic() - started),
        }
        # The cache can fail mid-job (another window holds its write lock); say so too.
        for note in self.cache.notices[reported_notices:]:
            on_event(Notice(note))
            digest.warnings.append(note)
        if gen.stats.degenerate:
            digest.warnings.append(
                f"{gen.stats.degenerate} model output(s) were unusable after a retry and were replaced by extracted sentences."
            )
        on_event(Progress("done", 1, 1, 0.0))
        return digest

    def _window(self, window: list[tuple[int, Document, list[Chunk]]], digest: Digest, job: JobState, classify: bool) -> None:
        """Map, merge, cite and classify one window of documents, then let them go."""
        docs = {index: doc for index, doc, _ in window}
        chunks = [c for _, _, cs in window for c in cs]
        job.chunks += len(chunks)
        tasks_map, tasks_items = self._map_tasks(docs, chunks, job.p, job.query)
        map_index = {id(t): i for i, t in enumerate(tasks_map)}
        total = len(tasks_map) + len(tasks_items)
        done = [0]

        def tick(task: Task) -> None:
            done[0] += 1
            if id(task) in map_index:
                chunk = chunks[map_index[id(task)]]
                job.on_event(Partial(task.output, docs[chunk.document].display_name,
                                     tuple(loc.to_dict() for loc in chunk.locators[:3]), 0))
                if self.preview is not None:
                    self.preview.chunk_done(docs[chunk.document], chunk.blocks, task.output)
            job.progress(f"summarizing chunk {min(done[0], len(tasks_map))}/{len(tasks_map)}", done[0], total, len(window))

        job.progress(f"summarizing chunk 0/{len(tasks_map)}", 0, total, len(window))
        # The first chunk alone first: its summary shows within seconds of the start.
        with job.clock.stage("map"):
            job.gen.run(tasks_map + tasks_items, on_done=tick, first_alone=job.documents_done == 0)
            trim_heap()

        leaves = [self._leaf(chunks[i], i, t, job.query) for i, t in enumerate(tasks_map)]
        trees = [(index, doc, nodes) for index, doc, _ in window
                 if (nodes := [n for n in leaves if n is not None and n.doc == index])]
        labels: list[tuple[int, PendingLabels]] = []

        def start_labels_now() -> None:
            # Queued on the backend beside the final merges, which leave a core idle on their own.
            if classify and not labels:
                with job.clock.stage("labels"):
                    labels.extend((index, start_labels(self.model, self.prompts, doc, min(self.budget, LABEL_BUDGET), self.cache))
                                  for index, doc, _ in trees)

        job.cancel.raise_if_cancelled()
        all_levels = self._reduce([(doc.kind, nodes) for _, doc, nodes in trees], job, before_last=start_labels_now)
        start_labels_now()  # no merge at all (one-chunk documents)
        for (index, doc, _), levels in zip(trees, all_levels):
            root = levels[-1][0]
            digest.documents[index].summary = root.text
            digest.documents[index].sources = extent_sources(doc, tuple(b for c in root.chunks for b in chunks[c].blocks))[:3]
            job.roots_nodes.append(Node(root.text, index, (), 0))
            with job.clock.stage("citations"):
                job.candidates[index] = self._candidates(doc, chunks, levels, job.p, job.check)
                digest.sections += section_summaries(doc, chunks, levels) if not job.query else []
            with job.clock.stage("check"):
                job.check.add_summary(index, root.text, doc, tuple(b for c in root.chunks for b in chunks[c].blocks))
        with job.clock.stage("items"):
            self._items(digest, docs, chunks, tasks_items)
            if self.items_by_scoring and not job.query:  # item_scoring.py: candidates scored yes/no
                add_scored_items(ItemScorer(self.model, self.prompts, self.cache, self.budget), digest,
                                 [doc for _, doc, _ in window], job.cancel, self.item_sections)
        with job.clock.stage("check"):  # ml/check/stage.py: every point against what it cites
            for doc in docs.values():
                job.check.add_all([p for name in digest.SECTIONS[1:] for p in getattr(digest, name)], doc)
            job.check.finish_window(self._regenerate(job, docs, chunks), lambda: job.cancel.cancelled)
        if labels:
            job.progress("classifying", total, total, len(window))
            for index, pending in labels:
                job.cancel.raise_if_cancelled()
                with job.clock.stage("labels"):
                    digest.documents[index].labels = pending.result()
        job.documents_done += len(window)

    # ---------------------------------------------------------------- map
    def _template(self, kind: DocKind | None, stage: str) -> PromptTemplate:
        """The kind's template; ``None`` (a merge across documents) means the generic set."""
        return self.prompts.for_doc(kind, stage) if kind is not None else self.prompts.get("generic", stage)

    def chunk(self, doc: Document, index: int = 0, query: str | None = None) -> list[Chunk]:
        """The document's chunks, each fitting every prompt made from it within the budget. Item
        lists are only prompted per chunk when they are not scored (``items_by_scoring``); their
        longer templates would otherwise shrink every meeting's and mail's chunks for nothing."""
        items = () if self.items_by_scoring else _ITEM_STAGES.get(KIND_FOR_DOC.get(doc.kind, ""), ())
        stages = ("query_map",) if query else ("map", *items)
        return fit_chunks(doc, [self._template(doc.kind, stage) for stage in stages], getattr(self, "_count", self.model.count), self.budget,
                          document_index=index, fields={"query": query} if query else None)

    def _map_tasks(self, docs: dict[int, Document], chunks: list[Chunk], p: LengthPreset, query: str | None) -> tuple[list[Task], list[Task]]:
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
            for stage in () if self.items_by_scoring else _ITEM_STAGES.get(KIND_FOR_DOC.get(kind, ""), ()):
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
        return Node(text, chunk.document, (index,), 0, chunk.section)

    def _fallback(self, text: str, query: str | None) -> str:
        """Extracted sentences for an unusable generation, capped like a generated summary so the
        merge tree still shrinks at every level."""
        return self.model.truncate(_extract(text), self._merge_cap(query))

    # ---------------------------------------------------------------- merge
    def _reduce(self, trees: list[tuple[DocKind | None, list[Node]]], job: JobState, final_stage: str = "final",
                before_last: Callable[[], None] | None = None) -> list[list[list[Node]]]:
        """Every tree's levels, merged level by level until one node is left in each.

        A round's merges of all trees go to the model in one call, so they share length-sorted
        batches (two documents' merges keep both cores busy). ``before_last`` runs once the
        round in which every merge left is a final one has been queued: a lone final merge uses
        one core, and the labels queued behind it use the other.
        """
        all_levels = [[nodes] for _, nodes in trees]
        fields = {"query": job.query} if job.query else {}
        settings = job.p.merge_settings(self._merge_cap(job.query))
        round_ = 1
        while work := [(t, self._plan(levels[-1], trees[t][0], job.query, final_stage))
                       for t, levels in enumerate(all_levels) if len(levels[-1]) > 1]:
            last_round = all(len(spans) == 1 for _, (spans, _) in work)
            # A section already down to one summary while others merge inside theirs goes up as it is.
            tasks = [[None if b - a == 1 and len(spans) > 1 and within_sections(all_levels[t][-1]) else
                      Task(template.render(" ".join(n.text for n in all_levels[t][-1][a:b]), **fields), settings)
                      for a, b in spans] for t, (spans, template) in work]
            job.on_event(Progress(f"merging (level {round_})", 0, sum(t is not None for g in tasks for t in g), None))
            with job.clock.stage(f"merge level {round_}"):
                job.gen.run([task for group in tasks for task in group if task is not None],
                            on_queued=before_last if last_round else None)
                # Each stage's buffers have other shapes than the next one's: hand the freed heap back.
                trim_heap()
            for (t, (spans, _)), group_tasks in zip(work, tasks):
                current, nxt = all_levels[t][-1], []
                for (a, b), task in zip(spans, group_tasks):
                    group = current[a:b]
                    if task is None:
                        nxt.append(Node(group[0].text, group[0].doc, group[0].chunks, len(all_levels[t]), group[0].section))
                        continue
                    text = task.output if not task.degenerate else self._fallback(" ".join(n.text for n in group), job.query)
                    doc = group[0].doc if all(n.doc == group[0].doc for n in group) else -1
                    section = group[0].section if all(n.section == group[0].section for n in group) else None
                    nxt.append(Node(text, doc, tuple(c for n in group for c in n.chunks), len(all_levels[t]), section))
                    job.on_event(Partial(text, "", (), len(all_levels[t])))
                all_levels[t].append(nxt)
            round_ += 1
        return all_levels

    def _plan(self, current: list[Node], kind: DocKind | None, query: str | None,
              final_stage: str) -> tuple[list[tuple[int, int]], PromptTemplate]:
        """How one level of a tree is merged: balanced spans of its nodes that fit the merge
        budget, and the template they use (the final one when a single span is left)."""
        fields = {"query": query} if query else {}
        template = self._template(kind, "query_merge" if query else "merge")
        final = template if query else self.prompts.get(KIND_FOR_DOC.get(kind, "generic") if kind else "generic", final_stage)
        # The top merge uses the final prompt, which may be the longer one.
        budget = self.merge_budget - max(template.overhead(self.model.count, **fields), final.overhead(self.model.count, **fields))
        sizes = [self.model.count(n.text) for n in current]
        inside = within_sections(current)  # section_merge.py: merges inside sections come first
        spans = partition(sizes, strengths(current, inside), budget)
        if len(spans) == len(current) or inside and all(b - a == 1 for a, b in spans):
            # Only nodes longer than the cap can do this; pair them anyway so the tree always shrinks.
            spans = pairs(current, inside)
        return spans, final if len(spans) == 1 else template

    def _overview(self, roots: list[Node], job: JobState) -> str:
        if not roots:
            return ""
        if len(roots) == 1:
            return roots[0].text
        return self._reduce([(None, roots)], job, final_stage="collection")[0][-1][0].text

    # ---------------------------------------------------------------- digest parts
    def _candidates(self, doc: Document, chunks: list[Chunk], levels: list[list[Node]], p: LengthPreset,
                    check: CheckStage) -> DocPoints:
        """Cited point sentences of every merge level small enough to serve as key points; which
        level is used is decided at the end of the job, when every document's weight is known."""
        out: list[list[list[Point]]] = []
        for level in levels:
            if len(level) > p.max_points and level is not levels[-1]:
                out.append([])
                continue
            per_node = max(1, p.max_points // len(level))
            nodes: list[list[Point]] = []
            for node in level:
                blocks = tuple(b for c in node.chunks for b in chunks[c].blocks)
                nodes.append([check.add(Point(sentence, cite(sentence, doc, blocks)), doc, blocks, node.chunks)
                              for sentence in split_sentences(node.text)[:per_node]])
            out.append(nodes)
        return DocPoints(len(levels[0]), out)

    def _regenerate(self, job: JobState, docs: dict[int, Document], chunks: list[Chunk]) -> Regenerate:
        """For the setting "retry": a flagged point's chunk summarized again, with beam search."""
        def again(origin: tuple[int, ...], cited: set[int]) -> tuple[str, tuple[int, ...]] | None:
            chunk = chunks[next((c for c in origin if cited & set(chunks[c].blocks)), origin[0])]
            stage, fields = ("query_map", {"query": job.query}) if job.query else ("map", {})
            task = Task(self._template(docs[chunk.document].kind, stage).render(chunk.text, **fields),
                        replace(job.p.map_settings(self._merge_cap(job.query)), **RETRY), retry=False)
            job.gen.run([task])
            return (task.output, chunk.blocks) if task.output.strip() and not task.degenerate else None
        return again

    def _items(self, digest: Digest, docs: dict[int, Document], chunks: list[Chunk], tasks: list[Task]) -> None:
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

    def _title(self, job: JobState, digest: Digest) -> str:
        first = job.first
        if job.query:
            return f"Answer: {job.query}"
        if len(job.roots) == 1 and first is not None and first.title and first.title != first.path.stem:
            return first.title
        if not digest.overview:
            return first.title if first is not None and first.title else "Digest"
        task = Task(self.prompts.get("common", "title").render(self.model.truncate(digest.overview, self.budget - 32)),
                    job.p.title_settings())
        job.gen.run([task])
        return task.output.rstrip(".") if not task.degenerate else ((first.title if first else "") or "Digest")


def _extract(text: str, k: int = 2) -> str:
    """Fallback for an unusable generation: the most central sentences of its input."""
    sentences = split_sentences(text)
    if len(sentences) <= k:
        return " ".join(sentences)
    chosen = select(sentences, rank(sentences), k)
    return " ".join(sentences[i] for i in chosen)

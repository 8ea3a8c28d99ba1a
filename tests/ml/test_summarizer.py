"""The model engine end to end with the tiny random T5: real corpus documents in, a cited digest out,
through every backend; merge order, prompt budgets, the cache, cancel, unreadable scripts, labels and
questions.

The tiny model writes nonsense, so tests check structure (citations, order, budgets, cache use), never
wording. Where a test needs a particular answer ("Not mentioned", a list of action items), it puts that
answer in the summary cache under the exact key the engine computes, so the real code path serves it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desktop.core.cache import SummaryCache
from desktop.core.document import Document
from desktop.core.errors import Cancelled
from desktop.core.events import CancelToken, Notice, Partial, Progress
from desktop.core.ingest import read_document
from desktop.core.prompting.prompts import PromptLibrary
from desktop.ml.backends.base import GenerationSettings, OnResult, ShouldStop
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.engine.generation import Generator, Task
from desktop.ml.engine.language_gate import normalized
from desktop.ml.engine.loader import load_text_model
from desktop.ml.engine.presets import preset
from desktop.ml.engine.quality import clean_output, is_degenerate
from desktop.ml.engine.summarizer import Summarizer
from desktop.ml.models.store import ModelStore
from tests.ml._digest_checks import assert_valid_citations

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
BACKENDS = [("torch", "float32"), ("torch", "int8"), ("onnx", "int8"), ("ctranslate2", "int8")]
#: (Seattle's briefing clip, once the meeting here, is all procedure now: tests/core/structure/test_furniture.py.)
E2E_FILES = ["transcript/teams-voice-tags.vtt", "email/metrics-grimoire-thread-2015-11.mbox",
             "pdf/scotus-transcript-p1.pdf"]
PROMPTS = PromptLibrary.load()


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    """One store for the module (the autouse PRECIS_HOME is per test), so exports are built once."""
    root = tmp_path_factory.mktemp("store")
    ModelStore(root).import_folder(tiny_model_dir, "tiny")
    return root


@pytest.fixture(scope="module")
def models(store_root: Path):  # -> Callable[[str, str], TextModel]
    loaded: dict[tuple[str, str], TextModel] = {}

    def get(backend: str, quantization: str) -> TextModel:
        if (backend, quantization) not in loaded:
            # One thread: the test machine is shared, and oversubscribed torch threads crawl.
            loaded[(backend, quantization)] = load_text_model("tiny", backend=backend, quantization=quantization,
                                                              threads=1, store_root=store_root)
        return loaded[(backend, quantization)]

    yield get
    for model in loaded.values():
        model.close()


@pytest.fixture(scope="module")
def torch32(models) -> TextModel:  # type: ignore[no-untyped-def]
    return models("torch", "float32")


@dataclass
class RecordingModel(TextModel):
    """The real loaded model, plus a record of every prompt it was given (to check budgets and order)."""

    prompts: list[tuple[str, str]] = field(default_factory=list)
    scored: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, model: TextModel) -> RecordingModel:
        return cls(model.backend, model.tokenizer, model.model, model.quantization, model.device)

    def generate(self, prompts: Sequence[str], settings: GenerationSettings, *, should_stop: ShouldStop | None = None,
                 on_result: OnResult | None = None, first_alone: bool = False,
                 on_queued: Callable[[], None] | None = None) -> list[str]:
        outputs = super().generate(prompts, settings, should_stop=should_stop, on_result=on_result,
                                  first_alone=first_alone,
                                  on_queued=on_queued)
        self.prompts.extend(zip(prompts, outputs))
        return outputs

    def score(self, prompt: str, options: Sequence[str]) -> list[float]:
        self.scored.append(prompt)
        return super().score(prompt, options)

    def submit_scores(self, requests: Sequence[tuple[str, Sequence[str]]]):  # -> Callable[[], list[list[float]]]
        self.scored.extend(prompt for prompt, _ in requests)
        return super().submit_scores(requests)

    def close(self) -> None:  # the wrapped model belongs to the module fixture
        pass


def _read(corpus: Path, names: list[str]) -> list[Document]:
    return [read_document(corpus / n) for n in names]


# ------------------------------------------------------------------ every backend

@pytest.mark.parametrize(("backend", "quantization"), BACKENDS, ids=[f"{b}-{q}" for b, q in BACKENDS])
def test_corpus_documents_give_a_cited_digest_on_every_backend(corpus: Path, models, backend: str, quantization: str) -> None:  # type: ignore[no-untyped-def]
    model = models(backend, quantization)
    docs = _read(corpus, E2E_FILES)
    events: list[object] = []
    digest = Summarizer(model).summarize(docs, length="short", on_event=events.append)

    assert digest.title and digest.overview
    assert assert_valid_citations(digest, docs) >= len(digest.points)
    assert [Path(d.path).name for d in digest.documents] == [Path(n).name for n in E2E_FILES]
    assert all(d.summary and d.sources for d in digest.documents)
    # Meetings get decisions/action-item prompts and email asks/deadlines; whatever the tiny model says
    # there is parsed into cited points of the right document.
    for section, suffix in (("decisions", ".vtt"), ("action_items", ".vtt"), ("asks", ".mbox"), ("deadlines", ".mbox")):
        assert all(s.path.endswith(suffix) for p in getattr(digest, section) for s in p.sources)
    stats = digest.stats
    assert (stats["model"], stats["backend"], stats["quantization"], stats["device"]) == ("tiny", backend, quantization, "cpu")
    assert stats["chunks"] >= len(docs) and stats["generated"] > stats["chunks"] and stats["cache_hits"] == 0
    assert {"seconds", "cache_hits", "chunks"} <= set(stats)

    doc_types = PROMPTS.get("common", "doc_type").options
    for summary in digest.documents:
        assert summary.labels["type"] in doc_types
    email = digest.documents[1].labels
    assert email["urgency"] in PROMPTS.get("common", "urgency").options
    assert email["asks_reader"] in PROMPTS.get("common", "asks_reader").options
    assert "urgency" not in digest.documents[0].labels

    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[-1].stage == "done" and any(e.stage.startswith("summarizing chunk") for e in progress)
    partials = [e for e in events if isinstance(e, Partial) and e.level == 0]
    assert len(partials) == stats["chunks"] and all(p.locators for p in partials)


# ------------------------------------------------------------------ merge tree, order, budgets

def _inner_texts(model: RecordingModel, stages: list[tuple[str | None, str]]) -> dict[str, str]:
    """Merge prompts' input text -> the cleaned output that became the next node."""
    # A template is instruction + text + answer cue ("Summary:"): what lies between is the input.
    shells = [PROMPTS.get(kind or "generic", stage).render("\x00").text.split("\x00") for kind, stage in stages]
    out: dict[str, str] = {}
    for prompt, output in model.prompts:
        for prefix, suffix in shells:
            if prompt.startswith(prefix) and prompt.endswith(suffix):
                out[prompt[len(prefix):len(prompt) - len(suffix)]] = clean_output(output)
    return out


def _rebuild(nodes: list[str], merges: dict[str, str]) -> tuple[str, int]:
    """Replay the merge tree level by level: every merge prompt must hold a run of consecutive nodes,
    whole and in order, and the runs of a level must cover all of its nodes."""
    levels = 0
    while len(nodes) > 1:
        nxt, a = [], 0
        while a < len(nodes):
            for b in range(len(nodes), a, -1):
                joined = " ".join(nodes[a:b])
                if joined in merges:
                    assert not is_degenerate(merges[joined])
                    nxt.append(merges[joined])
                    a = b
                    break
            else:
                raise AssertionError(f"level {levels + 1}: node {a} of {len(nodes)} went into no merge prompt")
        assert len(nxt) < len(nodes), "a merge level made no progress"
        nodes, levels = nxt, levels + 1
    return nodes[0], levels


def test_merges_keep_order_fit_the_budget_and_terminate(corpus: Path, torch32: TextModel) -> None:
    budget = 128
    model = RecordingModel.of(torch32)
    docs = [read_document(corpus / "email/metrics-grimoire-thread-2015-11.mbox"),
            read_document(SAMPLES / "product-sync-meeting.vtt"), read_document(SAMPLES / "quarterly-energy-report.md")]
    # The report's five sections would be merged inside themselves first, carrying some summaries up
    # a level unmerged, which this replay cannot follow (tests/ml/test_digest_structure.py covers it).
    for block in docs[2].blocks:
        block.section = None
    summarizer = Summarizer(model, input_budget=budget, merge_budget=budget)  # narrow merges: several levels
    digest = summarizer.summarize(docs, length="short")

    over = [(model.count(p), p[:80]) for p, _ in model.prompts if model.count(p) > budget]
    assert not over, f"{len(over)} prompts over the {budget}-token budget: {over[:3]}"
    assert all(model.count(p) <= budget for p in model.scored)

    outputs = {p: clean_output(o) for p, o in model.prompts}
    chunks = [c for i, d in enumerate(docs) for c in summarizer.chunk(normalized(d, model.tokenizer.is_unknown), i)]
    roots = []
    for d, doc in enumerate(docs):
        kind = {"mailbox": "email", "transcript": "meeting", "text": "generic"}[doc.kind.value]
        leaves = [outputs[PROMPTS.get(kind, "map").render(c.text).text] for c in chunks if c.document == d]
        # A degenerate output would be replaced by extracted sentences, which the replay cannot follow.
        assert not any(is_degenerate(text) for text in leaves)
        assert len(leaves) >= 3, "the budget should force several chunks"
        root, levels = _rebuild(leaves, _inner_texts(model, [(kind, "merge"), (kind, "final")]))
        assert levels >= 2, f"{doc.path.name}: expected a multi-level merge, got {levels}"
        assert digest.documents[d].summary == root
        roots.append(root)
    overview, _ = _rebuild(roots, _inner_texts(model, [(None, "merge"), (None, "collection")]))
    assert digest.overview == overview

    # Points follow the documents' order, and each document's points follow its blocks.
    order = [next(i for i, doc in enumerate(docs) if str(doc.path) == p.sources[0].path) for p in digest.points]
    assert order == sorted(order) and set(order) == {0, 1, 2}
    assert_valid_citations(digest, docs)


# ------------------------------------------------------------------ cache

def test_a_rerun_is_served_from_the_cache(tmp_path: Path, torch32: TextModel) -> None:
    docs = [read_document(SAMPLES / "product-sync-meeting.vtt"), read_document(SAMPLES / "office-move-thread.eml")]
    db = tmp_path / "summaries.sqlite3"
    first = Summarizer(torch32, cache=SummaryCache(db), input_budget=256).summarize(docs, length="short")
    second = Summarizer(torch32, cache=SummaryCache(db), input_budget=256).summarize(docs, length="short")
    assert first.stats["generated"] > 0 and first.stats["retried"] == 0
    assert second.stats["generated"] == 0
    assert second.stats["cache_hits"] == first.stats["generated"] + first.stats["cache_hits"]
    strip = lambda d: {k: v for k, v in d.to_dict().items() if k != "stats"}
    assert strip(second) == strip(first)


def test_editing_one_paragraph_recomputes_only_its_chunk(tmp_path: Path, torch32: TextModel) -> None:
    report = tmp_path / "energy.md"
    text = (SAMPLES / "quarterly-energy-report.md").read_text(encoding="utf-8")
    report.write_text(text, encoding="utf-8")
    db = tmp_path / "summaries.sqlite3"

    def run() -> dict:
        return Summarizer(torch32, cache=SummaryCache(db), input_budget=128, merge_budget=128).summarize(
            [read_document(report)], length="short", classify=False).stats

    first = run()
    assert first["chunks"] >= 5
    edited = text.replace("finished the work two weeks ahead of schedule", "finished the work three weeks ahead of schedule")
    assert edited != text
    report.write_text(edited, encoding="utf-8")
    second = run()
    # The edited chunk's map output (two when the edit lets two chunks join), then the merges on the
    # path to the root: a few generations, not the whole document again.
    assert abs(second["chunks"] - first["chunks"]) <= 1
    assert 1 <= second["generated"] <= first["generated"] // 2
    assert second["cache_hits"] >= min(first["chunks"], second["chunks"]) - 2


def test_cancel_mid_job_stops_within_a_second_and_the_cache_stays_usable(corpus: Path, tmp_path: Path,
                                                                          torch32: TextModel) -> None:
    doc = read_document(corpus / "transcript/qmsum-Bed004-icsi-research.txt")  # 40 chunks: seconds of work
    db = tmp_path / "summaries.sqlite3"
    token = CancelToken()
    first_partial = threading.Event()
    partials: list[Partial] = []
    cancelled_at: list[float] = []

    def on_event(event: object) -> None:
        if isinstance(event, Partial):
            partials.append(event)
            first_partial.set()

    def cancel_soon() -> None:
        first_partial.wait(60)
        time.sleep(0.5)
        cancelled_at.append(time.monotonic())
        token.cancel()

    threading.Thread(target=cancel_soon, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        Summarizer(torch32, cache=SummaryCache(db)).summarize([doc], length="short", on_event=on_event, cancel=token)
    stopped = time.monotonic()
    assert cancelled_at, "the job ended before it could be cancelled; it should take several seconds"
    assert stopped - cancelled_at[0] < 1.0, f"took {stopped - cancelled_at[0]:.2f} s to stop"
    done_before_cancel = len(partials)
    assert done_before_cancel >= 1

    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM outputs").fetchone()[0] >= done_before_cancel
    rerun = Summarizer(torch32, cache=SummaryCache(db)).summarize([doc], length="short", classify=False)
    assert rerun.documents[0].summary
    assert rerun.stats["cache_hits"] >= done_before_cancel
    assert rerun.stats["generated"] + rerun.stats["cache_hits"] > rerun.stats["chunks"]
    assert rerun.stats["seconds"] > 1.0, "the job is too small to show that cancel interrupts real work"
    print(f"cancelled {cancelled_at[0] - started:.2f} s into the job, stopped {stopped - cancelled_at[0]:.2f} s later; "
          f"the full rerun took {rerun.stats['seconds']:.1f} s with {rerun.stats['cache_hits']} cache hits")


# ------------------------------------------------------------------ answers put in the cache

def _seed(model: TextModel, cache: SummaryCache, prompt_text: str, template_id: str, settings: GenerationSettings,
          output: str) -> None:
    """Store ``output`` under the key the engine will compute for this prompt."""
    from desktop.core.prompting.prompts import Prompt

    task = Task(Prompt(prompt_text, template_id), settings)
    cache.put(Generator(model, cache, CancelToken()).key(task), output, template_id)


def test_meeting_action_items_and_decisions_are_parsed_and_cited(torch32: TextModel) -> None:
    doc = read_document(SAMPLES / "product-sync-meeting.vtt")
    cache = SummaryCache(None)
    summarizer = Summarizer(torch32, cache=cache, input_budget=1024)
    summarizer.items_by_scoring = False  # the generated-list path; scoring: tests/ml/test_item_scoring.py
    [chunk] = summarizer.chunk(doc)
    p = preset("medium")
    answers = {
        "actions": "Tom Becker: fix the export crash on large spreadsheets (Wednesday the 18th); "
                   "Aiko: write the help article for the billing page (Friday)",
        "decisions": "Ship 4.2 once the export crash is fixed; Move the invoice download button in 4.2.1",
    }
    for stage, answer in answers.items():
        t = PROMPTS.get("meeting", stage)
        _seed(torch32, cache, t.render(chunk.text).text, t.id, p.item_settings(), answer)
    digest = summarizer.summarize([doc], length="medium")

    fix = next(a for a in digest.action_items if "export crash" in a.text)
    assert (fix.owner, fix.due) == ("Tom Becker", "Wednesday the 18th")
    article = next(a for a in digest.action_items if "help article" in a.text)
    assert (article.owner, article.due) == ("Aiko", "Friday")
    assert any("help article" in doc.blocks[i].text for i in range(len(doc.blocks))
               if doc.blocks[i].locator == article.sources[0].locator.without_sentences())
    assert [d.text for d in digest.decisions] == ["Ship 4.2 once the export crash is fixed",
                                                  "Move the invoice download button in 4.2.1"]
    assert_valid_citations(digest, [doc])


def test_a_question_drops_chunks_that_do_not_mention_it(corpus: Path, torch32: TextModel) -> None:
    query = "what was decided about the export crash?"
    meeting = read_document(SAMPLES / "product-sync-meeting.vtt")
    thread = read_document(corpus / "email/metrics-grimoire-thread-2015-11.mbox")
    cache = SummaryCache(None)
    model = RecordingModel.of(torch32)
    summarizer = Summarizer(model, cache=cache, input_budget=256)
    settings = preset("medium").map_settings(summarizer._merge_cap(query))
    # The summarizer chunks the text as normalised for the vocabulary ("won`t" -> "won't").
    chunks = (summarizer.chunk(normalized(meeting, model.tokenizer.is_unknown), 0, query)
              + summarizer.chunk(normalized(thread, model.tokenizer.is_unknown), 1, query))
    for c in chunks:
        if c.document == 1:  # the mailing-list thread says nothing about it
            t = summarizer._template(thread.kind, "query_map")
            _seed(model, cache, t.render(c.text, query=query).text, t.id, settings, "Not mentioned.")
    digest = summarizer.summarize([meeting, thread], query=query)

    assert digest.title == f"Answer: {query}" and digest.query == query
    assert digest.documents[0].summary and not digest.documents[1].summary
    assert digest.overview == digest.documents[0].summary
    assert all(s.path == str(meeting.path) for p in digest.points for s in p.sources)
    assert not digest.decisions and not digest.action_items and not digest.asks
    asked = [p for p, _ in model.prompts]
    assert asked and all(f"Question: {query}" in p for p in asked[:len(chunks)])
    assert not any(p.startswith(PROMPTS.get("meeting", "actions").render("").text) for p in asked)
    assert_valid_citations(digest, [meeting, thread])

    for c in chunks:
        t = summarizer._template((meeting if c.document == 0 else thread).kind, "query_map")
        _seed(model, cache, t.render(c.text, query=query).text, t.id, settings, "Not mentioned")
    silent = summarizer.summarize([meeting, thread], query=query)
    assert "do not appear to say anything" in silent.overview and silent.points == []


# ------------------------------------------------------------------ scripts the model cannot read

def test_a_chinese_document_is_quoted_in_chinese_instead_of_summarized(corpus: Path, torch32: TextModel) -> None:
    zh = read_document(corpus / "docx/tender-document-zh.docx")
    en = read_document(SAMPLES / "office-move-thread.eml")
    events: list[object] = []
    digest = Summarizer(torch32).summarize([zh, en], length="short", on_event=events.append)
    zh_summary, en_summary = digest.documents
    # Its own sentences (quoting needs no model), each cited; no model labels.
    assert zh_summary.labels == {} and zh_summary.sources
    assert sum("\u4e00" <= c <= "\u9fff" for c in zh_summary.summary) > 10
    assert all(s.excerpt and s.excerpt[:10] in zh.text() for s in zh_summary.sources)
    assert any("in Chinese, which the model cannot read" in w for w in zh_summary.warnings)
    assert any(isinstance(e, Notice) and "cannot read" in e.text for e in events)
    assert en_summary.summary and digest.overview == en_summary.summary
    assert all(s.path == str(en.path) for p in digest.all_points() for s in p.sources)
    assert digest.stats["chunks"] == digest.stats["chunks"] and digest.points


# ------------------------------------------------------------------ degenerate outputs

def test_a_cached_degenerate_output_is_retried_like_a_fresh_one(torch32: TextModel) -> None:
    """The retry's output is cached too, so a rerun gives what the first run gave, and every task is
    reported done exactly once."""
    from dataclasses import replace

    from desktop.core.prompting.prompts import Prompt
    from desktop.ml.engine.presets import RETRY

    cache = SummaryCache(None)
    gen = Generator(torch32, cache, CancelToken())
    settings = preset("short").map_settings()
    retry_settings = replace(settings, **RETRY)
    prompt = PROMPTS.get("generic", "map").render("The library board approved the new heating schedule in July.")
    task = Task(Prompt(prompt.text, prompt.template_id), settings)
    cache.put(gen.key(task), "Okay", prompt.template_id)  # one word: degenerate
    cache.put(gen.key(task, retry_settings), "The board approved the heating schedule.", prompt.template_id)

    done: list[Task] = []
    gen.run([task], on_done=done.append)
    assert task.output == "The board approved the heating schedule." and not task.degenerate
    assert done == [task]
    assert (gen.stats.generated, gen.stats.cache_hits, gen.stats.retried, gen.stats.degenerate) == (0, 1, 0, 0)

    fresh = Task(Prompt(prompt.text + " It starts at 7:30.", prompt.template_id), settings)
    cache.put(gen.key(fresh), "", prompt.template_id)  # an empty answer, cached: retried with the model
    done.clear()
    gen.run([fresh], on_done=done.append)
    assert done == [fresh] and gen.stats.generated == 1 and gen.stats.retried == 1
    assert cache.get(gen.key(fresh, retry_settings)) is not None

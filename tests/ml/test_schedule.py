"""The engine's schedule: wide merges (fewer generations, every prompt within its budget), merges of
several documents in one call, labels queued beside the final merge, and the per-stage time
breakdown a benchmark prints."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desktop.core.ingest import read_document
from desktop.ml.backends.base import GenerationSettings, OnResult, ShouldStop
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.engine.loader import load_text_model
from desktop.ml.engine.summarizer import Summarizer
from desktop.ml.models.store import ModelStore

REPORT = Path(__file__).resolve().parents[2] / "resources" / "samples" / "quarterly-energy-report.md"


@dataclass
class Counting(TextModel):
    """The real tiny model, recording the token count of every prompt it generates for."""

    counts: list[int] = field(default_factory=list)

    def generate(self, prompts: Sequence[str], settings: GenerationSettings, *, should_stop: ShouldStop | None = None,
                 on_result: OnResult | None = None, first_alone: bool = False,
                 on_queued: Callable[[], None] | None = None) -> list[str]:
        self.counts += [self.count(p) for p in prompts]
        return super().generate(prompts, settings, should_stop=should_stop, on_result=on_result,
                                  first_alone=first_alone,
                                  on_queued=on_queued)

    def close(self) -> None:
        pass


@dataclass
class Calls(TextModel):
    """The real tiny model, logging each call: ("generate", prompts) or ("score", prompts)."""

    log: list[tuple[str, list[str]]] = field(default_factory=list)

    def generate(self, prompts: Sequence[str], settings: GenerationSettings, *, should_stop: ShouldStop | None = None,
                 on_result: OnResult | None = None, first_alone: bool = False,
                 on_queued: Callable[[], None] | None = None) -> list[str]:
        self.log.append(("generate", list(prompts)))
        out = super().generate(prompts, settings, should_stop=should_stop, on_result=on_result, first_alone=first_alone,
                               on_queued=on_queued)
        self.log.append(("generated", []))
        return out

    def submit_scores(self, requests: Sequence[tuple[str, Sequence[str]]]):  # -> Callable[[], list[list[float]]]
        self.log.append(("score", [prompt for prompt, _ in requests]))
        return super().submit_scores(requests)

    def close(self) -> None:
        pass

    @classmethod
    def of(cls, model: TextModel) -> Calls:
        return cls(model.backend, model.tokenizer, model.model, model.quantization, model.device)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path):  # -> Iterator[TextModel]
    root = tmp_path_factory.mktemp("store")
    ModelStore(root).import_folder(tiny_model_dir, "tiny")
    model = load_text_model("tiny", backend="torch", quantization="float32", threads=1, store_root=root)
    yield model
    model.close()


def test_wide_merges_need_fewer_generations_and_fit_their_budget(tiny: TextModel) -> None:
    doc = read_document(REPORT)
    runs = {}
    for merge_budget in (128, 1024):  # the old narrow merges, then wide ones
        model = Counting(tiny.backend, tiny.tokenizer, tiny.model, tiny.quantization, tiny.device)
        digest = Summarizer(model, input_budget=128, merge_budget=merge_budget).summarize([doc], length="short",
                                                                                           classify=False)
        chunks = digest.stats["chunks"]
        assert chunks >= 5
        maps, merges = model.counts[:chunks], model.counts[chunks:]
        assert max(maps) <= 128 and merges and max(merges) <= merge_budget
        runs[merge_budget] = (len(merges), digest)
    narrow, wide = runs[128], runs[1024]
    assert wide[0] < narrow[0], f"{wide[0]} wide merges against {narrow[0]} narrow ones"
    assert wide[1].overview and wide[1].points and all(p.sources for p in wide[1].points)


def test_stats_break_the_run_down_by_stage(tiny: TextModel) -> None:
    digest = Summarizer(tiny, input_budget=128).summarize([read_document(REPORT)], length="short")
    stages = digest.stats["stages"]
    for name in ("ingest", "chunking", "token counting", "map", "merge level 1", "labels", "cache writes", "_total"):
        assert name in stages, name
        assert stages[name]["wall_s"] >= 0 and stages[name]["cpu_s"] >= 0
    assert stages["map"]["calls"] == 1 and stages["token counting"]["calls"] > 10
    parts = sum(v["wall_s"] for k, v in stages.items() if k in ("ingest", "chunking", "map", "labels") or k.startswith("merge"))
    assert parts <= stages["_total"]["wall_s"] + 0.01


def test_labels_are_queued_just_before_the_final_merge(tiny: TextModel) -> None:
    model = Calls.of(tiny)
    # Narrow merges (128 tokens), so that there is at least one level below the final merge.
    digest = Summarizer(model, input_budget=128, merge_budget=128).summarize([read_document(REPORT)], length="short")
    kinds = [kind for kind, _ in model.log]
    assert kinds.count("score") == 1 and digest.documents[0].labels.get("type")
    at = kinds.index("score")
    # The map and at least one level of merges, then the final merge (alone), with the labels
    # queued while it is under way (once its batch is handed to the model), then nothing else.
    assert at >= 5 and kinds[:at - 1] == ["generate", "generated"] * ((at - 1) // 2)
    assert kinds[at - 1] == "generate" and len(model.log[at - 1][1]) == 1
    assert kinds[at + 1:] in (["generated"], ["generated", "generate", "generated"])  # a generated title may follow


def test_the_merges_of_several_documents_share_one_call(tiny: TextModel) -> None:
    samples = REPORT.parent
    docs = [read_document(samples / name) for name in ("quarterly-energy-report.md", "office-move-thread.eml")]
    model = Calls.of(tiny)
    digest = Summarizer(model, input_budget=128).summarize(docs, length="short", classify=False)
    chunks = digest.stats["chunks"]
    calls = [prompts for kind, prompts in model.log if kind == "generate"]
    assert sum(map(len, calls[:1])) == chunks  # every chunk of both files in one map call
    # Then each file's final merge, both in the next call, then the collection overview.
    assert len(calls[1]) == 2, [len(c) for c in calls]

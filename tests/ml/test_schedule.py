"""The engine's schedule: wide merges (fewer generations, every prompt within its budget) and the
per-stage time breakdown a benchmark prints."""

from __future__ import annotations

from collections.abc import Sequence
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
                 on_result: OnResult | None = None) -> list[str]:
        self.counts += [self.count(p) for p in prompts]
        return super().generate(prompts, settings, should_stop=should_stop, on_result=on_result)

    def close(self) -> None:
        pass


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

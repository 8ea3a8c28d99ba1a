"""The generator's speed features with the tiny random T5: the first chunk alone first, and the
benchmark's fixed-length mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.cache import SummaryCache
from desktop.core.events import CancelToken
from desktop.core.prompting.prompts import Prompt
from desktop.ml.backends.base import GenerationSettings
from desktop.ml.backends.batching import plan_batches
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.engine.generation import FIXED_LENGTH_ENV, Generator, Task
from desktop.ml.engine.loader import load_text_model
from desktop.ml.models.store import ModelStore

SHORT = "The board approved the heating schedule."
LONG = "Alice will send the revised figures to Bob by Friday, and Carol asked for a summary of the risks. " * 4


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path):  # -> TextModel
    root = tmp_path_factory.mktemp("store")
    ModelStore(root).import_folder(tiny_model_dir, "tiny")
    loaded = load_text_model("tiny", backend="torch", quantization="float32", threads=1, store_root=root)
    yield loaded
    loaded.close()


def _tasks(settings: GenerationSettings) -> list[Task]:
    # The first task is the shortest: length-sorted batches would report it last.
    texts = [SHORT] + [f"{LONG} Item {i}." for i in range(4)]
    return [Task(Prompt(t, "test"), settings) for t in texts]


@pytest.mark.parametrize("first_alone", [True, False])
def test_the_first_task_alone_is_reported_before_the_batch(model: TextModel, first_alone: bool) -> None:
    tasks = _tasks(GenerationSettings(max_new_tokens=4))
    done: list[Task] = []
    Generator(model, SummaryCache(None), CancelToken()).run(tasks, on_done=done.append, first_alone=first_alone)
    assert sorted(map(id, done)) == sorted(map(id, tasks))  # every task reported exactly once
    assert (done[0] is tasks[0]) == first_alone
    assert all(t.output or t.degenerate for t in tasks)


def test_the_first_task_alone_is_planned_in_the_same_backend_call(model: TextModel) -> None:
    """One call, so a backend that runs two batches side by side starts on the rest at once
    instead of leaving a core idle while the first task runs alone."""
    calls: list[int] = []
    real = model.backend.generate

    def counting(prompts, settings, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(prompts))
        return real(prompts, settings, **kwargs)

    model.backend.generate = counting  # type: ignore[method-assign]
    try:
        tasks = _tasks(GenerationSettings(max_new_tokens=4))
        done: list[Task] = []
        Generator(model, SummaryCache(None), CancelToken()).run(tasks, on_done=done.append, first_alone=True)
    finally:
        del model.backend.generate
    assert calls == [len(tasks)] and done[0] is tasks[0]
    assert plan_batches([5, 90, 90, 80], 200, first_alone=True) == [[0], [1, 2], [3]]
    assert plan_batches([5, 90, 90, 80], 200) == [[1, 2], [3, 0]]


def test_fixed_length_mode_forces_min_equal_max_and_no_retries(model: TextModel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FIXED_LENGTH_ENV, "1")
    cache = SummaryCache(None)
    gen = Generator(model, cache, CancelToken())
    tasks = _tasks(GenerationSettings(max_new_tokens=6, min_new_tokens=1))
    cache.put(gen.key(Task(tasks[0].prompt, GenerationSettings(max_new_tokens=6, min_new_tokens=6))), "Okay", "test")
    gen.run(tasks)
    assert all(t.settings.min_new_tokens == t.settings.max_new_tokens == 6 for t in tasks)
    # The cached one-word answer is degenerate, yet not retried: the work stays fixed.
    assert tasks[0].output == "Okay" and tasks[0].degenerate and gen.stats.retried == 0


def test_labels_are_cached_so_a_rerun_scores_nothing(model: TextModel, corpus: Path) -> None:
    from desktop.core.ingest import read_document
    from desktop.core.prompting.prompts import PromptLibrary
    from desktop.ml.engine.classify import classify_document

    doc = read_document(corpus / "pdf" / "scotus-transcript-p1.pdf")
    cache, prompts = SummaryCache(None), PromptLibrary.load()
    first = classify_document(model, prompts, doc, 512, cache)
    misses = cache.misses
    assert cache.hits == 0 and misses >= 1
    assert classify_document(model, prompts, doc, 512, cache) == first
    assert cache.hits == misses and cache.misses == misses  # every label answered from the cache

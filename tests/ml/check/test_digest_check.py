"""A digest whose generated point carries a wrong number is flagged: a tiny model is taught to
summarize a corpus agenda with one true sentence and one with a wrong number, and the real
pipeline (read, chunk, generate, merge, cite, check) runs on it. Plus the setting's three modes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.digest import Digest, Point
from desktop.core.ingest import read_document
from desktop.core.render import to_json, to_markdown, to_text
from desktop.ml.check.stage import CheckStage
from desktop.ml.engine.job import JobSpec, run_job
from desktop.ml.engine.loader import load_text_model
from desktop.ml.models.store import ModelStore
from desktop.ml.points.citations import cite
from tests.ml._check_models import AGENDA, AGENDA_SUMMARIES, map_prompts, teach
from tests.ml._digest_checks import assert_valid_citations


@pytest.fixture(scope="module")
def wrong_number_store(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, corpus: Path) -> Path:
    """A store holding "wrongnum": the tiny model after 100 steps on the agenda's two map prompts."""
    store = tmp_path_factory.mktemp("wrongnum-store")
    base = load_text_model(str(tiny_model_dir), backend="torch", quantization="float32", threads=1, store_root=store)
    try:
        prompts = map_prompts(base, read_document(corpus / AGENDA))
    finally:
        base.close()
    assert len(prompts) == len(AGENDA_SUMMARIES)
    folder = teach(tiny_model_dir, tmp_path_factory.mktemp("wrongnum") / "wrongnum",
                   list(zip(prompts, AGENDA_SUMMARIES)), steps=100, lr=5e-3, batch=2)
    ModelStore(store).import_folder(folder, "wrongnum")
    return store


def _digest(store: Path, corpus: Path, mode: str = "flag") -> Digest:
    spec = JobSpec(paths=[str(corpus / AGENDA)], engine="flan-t5", model="wrongnum", backend="torch",
                   quantization="float32", model_store=str(store), use_cache=False, classify=False, preview=False,
                   unsupported=mode)
    return run_job(spec).digest


def test_the_generated_point_with_a_wrong_number_is_flagged(wrong_number_store: Path, corpus: Path) -> None:
    digest = _digest(wrong_number_store, corpus)
    texts = [p.text for p in digest.points]
    assert set(AGENDA_SUMMARIES) <= set(texts), texts  # the model says what it was taught
    wrong = next(p for p in digest.points if "45 minutes" in p.text)
    assert wrong.support is not None and wrong.support.flagged
    [problem] = [p for p in wrong.support.problems if p.kind == "number"]
    assert problem.words == "45 minutes" and problem.source_words == "30 minutes"
    assert problem.reason == "the source says 30 minutes, not 45 minutes"  # with what they count
    # The citation narrows to the sentence that says otherwise, on its page.
    [source] = wrong.sources
    assert source.locator.page == 1 and source.locator.sentence is not None
    assert source.quote == "The Board shall limit the total time to 30 minutes."
    right = next(p for p in digest.points if "three minutes" in p.text)
    assert right.support is not None and not [p for p in right.support.problems if p.kind != "entailment"]
    assert any("three (3) minutes" in s.quote for s in right.sources)
    assert digest.support is not None and digest.support.flagged >= 1 and digest.support.entailment
    assert_valid_citations(digest, [read_document(corpus / AGENDA)])
    # What the user sees: the mark and the reason in every rendering, the verdict in JSON.
    md = to_markdown(digest)
    assert "The Board limits public comment to 45 minutes in total." in md
    assert "⚠ Not supported by its source: the source says 30 minutes, not 45 minutes." in md and "flagged" in md.splitlines()[2]
    assert "the source says 30 minutes, not 45 minutes" in to_text(digest)
    data = json.loads(to_json(digest))
    point = next(p for p in data["points"] if "45" in p["text"])
    assert point["support"]["status"] == "flagged" and point["support"]["problems"][0]["kind"] == "number"
    assert data["support"]["flagged"] == digest.support.flagged
    assert Digest.from_dict(data).to_dict() == digest.to_dict()


def test_drop_leaves_the_flagged_point_out_and_says_so(wrong_number_store: Path, corpus: Path) -> None:
    digest = _digest(wrong_number_store, corpus, "drop")
    assert not any("45 minutes" in p.text for p in digest.points)
    assert any("three minutes" in p.text for p in digest.points)
    assert digest.support is not None and digest.support.dropped >= 1
    assert "left out" in to_markdown(digest)


def test_retry_writes_the_point_once_more_and_checks_it_again(wrong_number_store: Path, corpus: Path) -> None:
    flagged = _digest(wrong_number_store, corpus)
    retried = _digest(wrong_number_store, corpus, "retry")
    # More generations (flagged points' chunks, with beam search); this model says the same wrong
    # sentence of that chunk again, so the key point stays, flagged.
    assert retried.stats["generated"] >= flagged.stats["generated"] + 1
    wrong = next(p for p in retried.points if "45" in p.text)
    assert wrong.support is not None and wrong.support.flagged and not wrong.support.regenerated
    assert retried.support is not None and retried.support.mode == "retry"


def test_retry_keeps_a_rewritten_point_when_the_check_passes_it(corpus: Path) -> None:
    """The stage's side of "retry": the regenerated sentence closest to the flagged point replaces
    it when its facts are found, cited to its own sentence."""
    doc = read_document(corpus / AGENDA)
    blocks = tuple(range(len(doc.blocks)))
    stage = CheckStage("retry")
    point = stage.add(Point("The Board limits public comment to 45 minutes in total.",
                            cite("The Board limits public comment to 45 minutes", doc, blocks)), doc, blocks, (0,))
    assert point.support is not None and point.support.flagged
    calls: list[tuple[tuple[int, ...], set[int]]] = []

    def again(origin: tuple[int, ...], cited: set[int]) -> tuple[str, tuple[int, ...]]:
        calls.append((origin, cited))
        return "The agenda has six items. The Board limits public comment to 30 minutes in total.", blocks

    stage.finish_window(again)
    assert len(calls) == 1 and calls[0][0] == (0,)
    assert point.text == "The Board limits public comment to 30 minutes in total."
    assert point.support is not None and not point.support.flagged and point.support.regenerated
    assert point.sources[0].quote == "The Board shall limit the total time to 30 minutes."
    digest = Digest("t", "", points=[point])
    stage.finish(digest)
    assert digest.support is not None and digest.support.regenerated == 1 and digest.support.flagged == 0

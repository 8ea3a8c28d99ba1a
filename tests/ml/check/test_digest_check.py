"""A digest whose generated point carries a wrong number is flagged: a tiny model is taught to
summarize a corpus agenda with one of its sentences as it is and another with a number changed
(both picked at run time from its content, never its furniture), and the real pipeline (read,
chunk, generate, merge, cite, check) runs on it. Plus the setting's three modes."""

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
from tests.ml._check_models import AGENDA, WrongNumber, teach, wrong_number_lesson
from tests.ml._digest_checks import assert_valid_citations


@pytest.fixture(scope="module")
def lesson(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, corpus: Path) -> WrongNumber:
    """What the model is taught to say of the agenda: a sentence of its content, and another
    with a number changed."""
    base = load_text_model(str(tiny_model_dir), backend="torch", quantization="float32", threads=1,
                           store_root=tmp_path_factory.mktemp("lesson-store"))
    try:
        return wrong_number_lesson(base, read_document(corpus / AGENDA))
    finally:
        base.close()


@pytest.fixture(scope="module")
def wrong_number_store(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, lesson: WrongNumber) -> Path:
    """A store holding "wrongnum": the tiny model after 300 steps on the agenda's map prompt. Its
    lesson is one long summary (87 tokens); with the changed number made 1324, 1339, 1354, 1369,
    1384 or 1909 it said all of it every time at 300 steps; at 200 steps one of four such lessons,
    at 120 steps and lr 1e-2 two of four, still wandered after "7:30"."""
    store = tmp_path_factory.mktemp("wrongnum-store")
    folder = teach(tiny_model_dir, tmp_path_factory.mktemp("wrongnum") / "wrongnum", list(lesson.pairs),
                   steps=300, lr=5e-3, batch=2)
    ModelStore(store).import_folder(folder, "wrongnum")
    return store


def _digest(store: Path, corpus: Path, mode: str = "flag") -> Digest:
    spec = JobSpec(paths=[str(corpus / AGENDA)], engine="flan-t5", model="wrongnum", backend="torch",
                   quantization="float32", model_store=str(store), use_cache=False, classify=False, preview=False,
                   unsupported=mode)
    return run_job(spec).digest


def test_the_generated_point_with_a_wrong_number_is_flagged(wrong_number_store: Path, lesson: WrongNumber,
                                                             corpus: Path) -> None:
    doc = read_document(corpus / AGENDA)
    digest = _digest(wrong_number_store, corpus)
    texts = [p.text for p in digest.points]
    assert {lesson.right, lesson.wrong} <= set(texts), texts  # the model says what it was taught
    wrong = next(p for p in digest.points if p.text == lesson.wrong)
    assert wrong.support is not None and wrong.support.flagged
    [problem] = [p for p in wrong.support.problems if p.kind == "number"]
    reason = f"the source says {lesson.said}, not {lesson.changed}"
    assert problem.words == lesson.changed and problem.source_words == lesson.said
    assert problem.reason == reason
    # The citation narrows to the sentence that says otherwise, on its page.
    [source] = wrong.sources
    assert source.locator.page == doc.blocks[lesson.block].locator.page and source.locator.sentence is not None
    assert source.quote == lesson.source
    right = next(p for p in digest.points if p.text == lesson.right)
    assert right.support is not None and not [p for p in right.support.problems if p.kind != "entailment"]
    assert any(s.quote == lesson.right_source for s in right.sources)
    assert digest.support is not None and digest.support.flagged >= 1 and digest.support.entailment
    assert_valid_citations(digest, [doc])
    # Furniture is never model input: no point cites the agenda's rules for public comment.
    furniture = [b.text for b in doc.blocks if b.furniture]
    assert furniture and not any(s.quote and s.quote in b for p in digest.points for s in p.sources for b in furniture)
    # What the user sees: the mark and the reason in every rendering, the verdict in JSON.
    md = to_markdown(digest)
    assert lesson.wrong in md
    assert f"⚠ Not supported by its source: {reason}." in md and "flagged" in md.splitlines()[2]
    assert reason in to_text(digest)
    data = json.loads(to_json(digest))
    point = next(p for p in data["points"] if p["text"] == lesson.wrong)
    assert point["support"]["status"] == "flagged" and point["support"]["problems"][0]["kind"] == "number"
    assert data["support"]["flagged"] == digest.support.flagged
    assert Digest.from_dict(data).to_dict() == digest.to_dict()


def test_drop_leaves_the_flagged_point_out_and_says_so(wrong_number_store: Path, lesson: WrongNumber,
                                                       corpus: Path) -> None:
    digest = _digest(wrong_number_store, corpus, "drop")
    texts = [p.text for p in digest.points]
    assert lesson.wrong not in texts and lesson.right in texts, texts
    assert digest.support is not None and digest.support.dropped >= 1
    assert "left out" in to_markdown(digest)


def test_retry_writes_the_point_once_more_and_checks_it_again(wrong_number_store: Path, lesson: WrongNumber,
                                                              corpus: Path) -> None:
    flagged = _digest(wrong_number_store, corpus)
    retried = _digest(wrong_number_store, corpus, "retry")
    # More generations (flagged points' chunks, with beam search); this model says the same wrong
    # sentence of that chunk again, so the key point stays, flagged.
    assert retried.stats["generated"] >= flagged.stats["generated"] + 1
    wrong = next(p for p in retried.points if p.text == lesson.wrong)
    assert wrong.support is not None and wrong.support.flagged and not wrong.support.regenerated
    assert retried.support is not None and retried.support.mode == "retry"


def test_retry_keeps_a_rewritten_point_when_the_check_passes_it(lesson: WrongNumber, corpus: Path) -> None:
    """The stage's side of "retry": the regenerated sentence closest to the flagged point replaces
    it when its facts are found, cited to its own sentence."""
    doc = read_document(corpus / AGENDA)
    stage = CheckStage("retry")
    point = stage.add(Point(lesson.wrong, cite(lesson.wrong, doc, lesson.scope)), doc, lesson.scope, (lesson.chunk,))
    assert point.support is not None and point.support.flagged
    calls: list[tuple[tuple[int, ...], set[int]]] = []
    # The chunk's summary written again, this time with the number the document states.
    summary = next(said for _, said in lesson.pairs if lesson.wrong in said)
    rewritten = summary.replace(lesson.wrong, lesson.source)
    assert rewritten != summary and lesson.right in rewritten

    def again(origin: tuple[int, ...], cited: set[int]) -> tuple[str, tuple[int, ...]]:
        calls.append((origin, cited))
        return rewritten, lesson.scope

    stage.finish_window(again)
    assert calls == [((lesson.chunk,), {lesson.block})]
    assert point.text == lesson.source
    assert point.support is not None and not point.support.flagged and point.support.regenerated
    assert point.sources[0].quote == lesson.source
    digest = Digest("t", "", points=[point])
    stage.finish(digest)
    assert digest.support is not None and digest.support.regenerated == 1 and digest.support.flagged == 0

"""The model's layer of the check, on the tests' tiny model taught FLAN's NLI template: its score
is the model's likelihood of "yes" among the three options, the threshold decides, answers are
cached, Cancel stops between groups, and ``verify --engine MODEL`` uses the same layer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core.cache import SummaryCache
from desktop.core.digest import Digest, Point
from desktop.core.ingest import ReadContext, read_bytes
from desktop.core.settings import load_settings
from desktop.ml.backends.textmodel import TextModel
from desktop.ml.check.entailment import THRESHOLD, EntailmentScorer
from desktop.ml.check.stage import CheckStage
from desktop.ml.engine.loader import load_text_model
from desktop.ml.models.store import ModelStore
from desktop.ml.points.citations import cite
from tests.ml._check_models import NLI_TEACHING, STRANGERS, nli_lessons, nli_pairs, teach


@pytest.fixture(scope="module")
def nli_model(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, corpus: Path) -> tuple[TextModel, Path]:
    folder = teach(tiny_model_dir, tmp_path_factory.mktemp("nli") / "tiny-nli", nli_pairs(corpus), **NLI_TEACHING)
    store = tmp_path_factory.mktemp("nli-store")
    ModelStore(store).import_folder(folder, "tiny-nli")
    model = load_text_model("tiny-nli", backend="torch", quantization="float32", threads=1, store_root=store)
    yield model, folder
    model.close()


def test_yes_for_the_passage_itself_and_no_for_a_stranger(nli_model: tuple[TextModel, Path], tmp_path: Path,
                                                          corpus: Path) -> None:
    model, _ = nli_model
    # A sentence of the lesson, and its copy whose subject's place a stranger took.
    premise, changed, _ = nli_lessons(corpus)[0]
    scorer = EntailmentScorer(model, cache=SummaryCache(tmp_path / "cache.sqlite3"))
    same, stranger = scorer.p_yes([(premise, premise), (premise, changed)])
    assert same is not None and stranger is not None
    assert same > THRESHOLD > stranger
    calls: list[int] = []
    real = model.submit_scores
    model.submit_scores = lambda requests: calls.append(len(requests)) or real(requests)  # type: ignore[method-assign]
    try:
        again = EntailmentScorer(model, cache=SummaryCache(tmp_path / "cache.sqlite3"))
        assert again.p_yes([(premise, premise)]) == [pytest.approx(same, abs=1e-6)] and not calls  # cached
        assert again.p_yes([("Another premise.", "Another premise.")], lambda: True) == [None] and not calls
    finally:
        del model.submit_scores


def test_a_point_whose_facts_pass_is_flagged_when_the_model_says_no(nli_model: tuple[TextModel, Path]) -> None:
    model, _ = nli_model
    doc = read_bytes(f"{STRANGERS[2]} approved the budget of 3,400 euros in March 2027.\n\nThe board met twice.".encode(),
                     ReadContext(path=Path("minutes.txt")))
    blocks = tuple(range(len(doc.blocks)))
    stage = CheckStage(scorer=EntailmentScorer(model))
    texts = [f"The budget of 3,400 euros was approved by {STRANGERS[2]} in March 2027.", "The board met twice."]
    points = [stage.add(Point(t, cite(t, doc, blocks)), doc, blocks) for t in texts]
    stage.finish_window()
    doubted, quoted = points
    assert doubted.support is not None and doubted.support.layers == ("facts", "entailment")
    assert doubted.support.flagged and [p.kind for p in doubted.support.problems] == ["entailment"]
    assert doubted.support.entailment is not None and doubted.support.entailment < THRESHOLD
    assert "the model does not read this in the passage it cites" in doubted.support.reason()
    # A point that repeats its sentence word for word needs no model.
    assert quoted.support is not None and not quoted.support.flagged and quoted.support.entailment is None
    digest = Digest("t", "", points=points)
    stage.finish(digest)
    assert digest.support is not None and digest.support.entailment and digest.stats["entailment_seconds"] >= 0


def test_verify_with_a_model_adds_its_entailment(nli_model: tuple[TextModel, Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _, folder = nli_model
    ModelStore(load_settings().store_path()).import_folder(folder, "tiny-nli")
    document = f"{STRANGERS[3]} signed the lease on 2 May 2026. The rent is 900 euros."
    claims = tmp_path / "claims.jsonl"
    claims.write_text("\n".join(json.dumps(x) for x in [
        {"id": "paraphrase", "document": document, "claim": f"The lease was signed by {STRANGERS[3]} on 2 May 2026."},
        {"id": "wrong", "document": document, "claim": "The rent is 950 euros."},
    ]) + "\n", encoding="utf-8")
    assert main(["verify", str(claims), "--engine", "tiny-nli", "--backend", "torch", "--quantize", "none", "--json"]) == 0
    rows = {r["id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert not rows["paraphrase"]["supported"] and rows["paraphrase"]["entailment"] < THRESHOLD
    assert [p["kind"] for p in rows["paraphrase"]["problems"]] == ["entailment"]
    # Facts first: a wrong number is flagged without asking the model.
    assert [p["kind"] for p in rows["wrong"]["problems"]] == ["number"] and "entailment" not in rows["wrong"]

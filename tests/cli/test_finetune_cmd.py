"""precis-cli finetune end to end: train on the tiny T5, keep the adapter, summarize with it by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.ml.finetune.card import rouge
from desktop.ml.models.adapters import AdapterManifest
from desktop.ml.models.store import ModelStore
from tests.ml._finetune_data import URGENCY_INSTRUCTION, toy_pairs, urgency_pairs, write_jsonl

FAST = ["--preset", "tiny", "--threads", "1"]


@pytest.fixture
def store(tiny_model_dir: Path) -> ModelStore:
    store = ModelStore()  # the store of this test's PRECIS_HOME, which the CLI uses too
    store.import_folder(tiny_model_dir, "tiny-t5")
    return store


def _summaries(model: str, docs: list[Path], capsys: pytest.CaptureFixture[str]) -> list[str]:
    rc = main(["summarize", "--model", model, "--engine", "flan-t5", "--backend", "torch", "--quantize", "float32",
               "--threads", "1", "--no-cache", "--no-progress", "--format", "json", *map(str, docs)])
    out = capsys.readouterr().out
    assert rc == 0, out
    by_path = {d["path"]: d["summary"] for d in json.loads(out)["documents"]}
    return [by_path[str(p)] for p in docs]


def test_finetune_json_then_summarize_with_the_adapter(store: ModelStore, corpus: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    pairs = write_jsonl(tmp_path / "pairs.jsonl", toy_pairs(corpus, n=32))
    rc = main(["finetune", "--model", "tiny-t5", "--pairs", str(pairs), "--out", "toy", "--replay", "0.2",
               "--val-share", "0.25", *FAST, "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    data = json.loads(captured.out)
    assert data["adapter"] == "toy" and data["steps"] == 60 and data["method"] == "lora"
    assert data["train_loss_last"] < data["train_loss_first"]
    for key in ("val_before", "val_after", "replay_before", "replay_after"):
        assert set(data[key]) == {"rouge1", "rouge2", "rougeL"}
    assert data["val_after"]["rouge1"] > data["val_before"]["rouge1"]
    assert data["samples"] and {"document_start", "reference", "before", "after"} <= set(data["samples"][0])
    assert Path(data["path"]) == store.adapter_dir("toy") and [a.name for a in store.list_adapters()] == ["toy"]

    # New dialogues, never trained on: the adapter's summaries differ from the base model's and
    # say more of what the first speaker said, the behaviour it learned.
    held = toy_pairs(corpus, n=8, start=60)
    docs = []
    for rec in held:
        docs.append(tmp_path / f"{rec['id']}.txt")
        docs[-1].write_text(rec["document"], encoding="utf-8")
    base = _summaries("tiny-t5", docs, capsys)
    tuned = _summaries("toy", docs, capsys)
    assert base != tuned
    expected = [r["summary"] for r in held]
    # Short, like the first utterances it was taught (the random base model rambles to the limit).
    words = [len(t.split()) for t in expected]
    assert sum(abs(len(t.split()) - n) for t, n in zip(tuned, words)) < sum(abs(len(b.split()) - n) for b, n in zip(base, words))
    assert rouge(tuned, expected)["rouge1"] > rouge(base, expected)["rouge1"]


def test_finetune_table_from_a_model_folder_and_resolving_the_adapter(tiny_model_dir: Path, corpus: Path,
                                                                      tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = write_jsonl(tmp_path / "pairs.jsonl", toy_pairs(corpus, n=8))
    rc = main(["finetune", "--model", str(tiny_model_dir), "--pairs", str(pairs), "--out", "from-dir", "--steps", "4",
               "--replay", "0", *FAST])
    out = capsys.readouterr().out
    assert rc == 0
    assert "ROUGE-1" in out and "your pairs, after" in out and "Kept the adapter from-dir" in out
    ref = ModelStore().resolve("from-dir")  # a base used in place is found by its folder
    assert ref.path == tiny_model_dir.resolve() and ref.adapter_path is not None
    doc = tmp_path / "doc.txt"
    doc.write_text(toy_pairs(corpus, n=1, start=70)[0]["document"], encoding="utf-8")
    assert _summaries("from-dir", [doc], capsys)[0]


def test_finetune_bad_pairs_file_names_the_line(store: ModelStore, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"document": "One.", "summary": "1"}\n{"document": "Two.", \n', encoding="utf-8")
    rc = main(["finetune", "--model", "tiny-t5", "--pairs", str(pairs), "--out", "bad", *FAST])
    err = capsys.readouterr().err
    assert rc == 1 and "Line 2 of pairs.jsonl is not valid JSON." in err
    assert store.list_adapters() == []


def test_continue_writes_the_next_version_and_versions_switch_back(store: ModelStore, corpus: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    first = write_jsonl(tmp_path / "first.jsonl", toy_pairs(corpus, n=8))
    assert main(["finetune", "--model", "tiny-t5", "--pairs", str(first), "--out", "mine", "--steps", "3",
                 "--no-pair-copies", *FAST, "--no-progress"]) == 0
    assert "Kept the adapter mine (" in capsys.readouterr().out
    new = write_jsonl(tmp_path / "new.jsonl", toy_pairs(corpus, n=6, start=40))
    rc = main(["finetune", "--continue", "mine", "--pairs", str(new), "--schedule", "progressive", "--steps", "4",
               *FAST, "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    data = json.loads(captured.out)
    assert data["version"] == 2 and data["continued_from"] == "mine" and data["settings"]["schedule"] == "progressive"
    assert data["previous_version"] == 1 and data["earlier_items"] >= 1  # earlier pairs found again by content hash
    assert main(["finetune", "--versions", "mine", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(v["version"], v["active"]) for v in listed["versions"]] == [(1, False), (2, True)]
    assert listed["versions"][1]["card"]["previous_version"] == 1
    assert main(["finetune", "--use-version", "mine", "1"]) == 0
    assert "now uses version 1" in capsys.readouterr().out
    assert main(["finetune", "--versions", "mine"]) == 0
    assert "Version 1 (in use)" in capsys.readouterr().out
    assert main(["finetune", "--pairs", str(new), "--out", "x"]) == 2
    assert "finetune needs --model" in capsys.readouterr().err


def test_finetune_json_shows_each_tasks_scores_beside_the_adapters_tasks(store: ModelStore, corpus: Path, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """``tasks`` is the evaluation card's score of each task (accuracy for fixed answers), as in the
    adapter's card; the adapter's own task list is ``adapter_tasks`` (it used to hide the scores)."""
    pairs = write_jsonl(tmp_path / "mixed.jsonl", toy_pairs(corpus, n=8) + urgency_pairs(corpus, n=8))
    rc = main(["finetune", "--model", "tiny-t5", "--pairs", str(pairs), "--out", "tasks", "--steps", "2",
               "--val-share", "0.5", *FAST, "--json", "--no-progress"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    data = json.loads(captured.out)
    scores = {t["task"]: t for t in data["tasks"]}
    assert set(scores) == {"summary", URGENCY_INSTRUCTION}
    assert scores[URGENCY_INSTRUCTION]["kind"] == "choice" and set(scores[URGENCY_INSTRUCTION]["after"]) == {"accuracy"}
    assert set(scores["summary"]["after"]) == {"rouge1", "rouge2", "rougeL"}
    assert [t["instruction"] for t in data["adapter_tasks"]] == [URGENCY_INSTRUCTION]
    manifest = AdapterManifest.read(store.adapter_dir("tasks"))
    assert manifest is not None and data["tasks"] == manifest.card["tasks"]  # what the adapter's card says
    assert data["adapter_tasks"] == manifest.tasks

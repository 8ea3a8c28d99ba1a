"""Fine-tuning pairs: reading JSONL/CSV/folders/saved pairs, typed errors, flags, the split, and
the training examples built with the inference prompts (no torch needed)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from desktop.core import paths
from desktop.core.errors import PairsError
from desktop.core.prompting.prompts import PromptLibrary
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.finetune import PairSet, read_pairs, saved_pairs_file
from desktop.ml.finetune.examples import summary_examples
from desktop.ml.finetune.replay import load_general, plan_replay
from tests.ml._finetune_data import toy_pairs, write_jsonl


@pytest.fixture(scope="module")
def counter(tiny_model_dir: Path) -> TokenCounter:
    return TokenCounter.for_model(tiny_model_dir)


def test_jsonl_with_text_and_relative_file_paths(tmp_path: Path, counter: TokenCounter) -> None:
    (tmp_path / "docs").mkdir()
    shutil.copy(paths.resource("samples", "office-move-thread.eml"), tmp_path / "docs" / "move.eml")
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [
        {"document": "The board met and approved the budget for next year.", "summary": "Budget approved."},
        {"path": "docs/move.eml", "summary": "The office moves next month.", "id": "move"},
    ])
    records = read_pairs(pairs)
    assert [r.origin for r in records] == ["pairs.jsonl, line 1", "pairs.jsonl, line 2"]
    assert records[1].file == tmp_path / "docs" / "move.eml" and records[1].id == "move"
    pairset = PairSet.load(pairs, counter.count)
    assert pairset.counts() == {"total": 2, "usable": 2, "empty": 0, "duplicates": 0, "unreadable": 0}
    email = pairset.items[1]
    assert email.document is not None and email.document.kind.value == "email"
    assert email.doc_tokens > 50 and email.summary_tokens == counter.count("The office moves next month.")
    stats = pairset.token_stats()
    assert stats["document_max"] == email.doc_tokens and stats["summary_mean"] > 0


def test_csv_with_header_quotes_and_multiline_cells(tmp_path: Path, counter: TokenCounter) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text('Document,Summary\n"Alice: We ship on Friday.\nBob: Agreed, Friday it is.",Shipping is on Friday.\n'
                    '"Rain is expected, with strong winds.",Stormy weather.\n', encoding="utf-8")
    pairset = PairSet.load(path, counter.count)
    assert [i.record.summary for i in pairset.items] == ["Shipping is on Friday.", "Stormy weather."]
    assert pairset.items[0].record.origin == "pairs.csv, line 3"  # the record ends on line 3
    doc = pairset.items[0].document
    assert doc is not None and "Bob: Agreed, Friday it is." in doc.text()


def test_folder_of_documents_with_summary_files(tmp_path: Path, counter: TokenCounter) -> None:
    folder = tmp_path / "pairs"
    folder.mkdir()
    for name in ("quarterly-energy-report.md", "product-sync-meeting.vtt", "office-move-thread.eml"):
        shutil.copy(paths.resource("samples", name), folder / name)
        (folder / f"{Path(name).stem}.summary.txt").write_text(f"Summary of {name}.\n", encoding="utf-8")
    (folder / "unpaired.txt").write_text("A document without a summary is left out.", encoding="utf-8")
    pairset = PairSet.load(folder, counter.count)
    kinds = sorted(i.document.kind.value for i in pairset.items if i.document is not None)
    assert kinds == ["email", "text", "transcript"]
    assert {i.record.summary for i in pairset.items} == {
        "Summary of quarterly-energy-report.md.", "Summary of product-sync-meeting.vtt.", "Summary of office-move-thread.eml."}

    (folder / "ghost.summary.txt").write_text("No document called ghost.", encoding="utf-8")
    with pytest.raises(PairsError, match="ghost.summary.txt .* no document called ghost"):
        read_pairs(folder)


def test_saved_pairs_from_the_app(counter: TokenCounter) -> None:
    path = saved_pairs_file()
    assert path == paths.data_dir() / "pairs" / "saved-pairs.jsonl"
    path.parent.mkdir(parents=True)
    # The app's format (``gui.digest_view.append_training_pair``), with a field we do not use.
    write_jsonl(path, [{"document": "Minutes: the team agreed to hire two engineers.", "summary": "Two hires.",
                        "saved_at": "2025-01-01"}])
    pairset = PairSet.load(path, counter.count)
    assert pairset.counts()["usable"] == 1 and pairset.items[0].record.summary == "Two hires."


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad.jsonl", '{"document": "a", "summary": "b"}\n{"document": "c", "summ\n', r"^Line 2 of bad.jsonl is not valid JSON\."),
    ("nosum.jsonl", '{"document": "a", "summary": "b"}\n\n{"document": "c"}\n', r"^Line 3 of nosum.jsonl has no text \"summary\""),
    ("nocol.csv", "document,abstract\nsome text,a summary\n", r"nocol.csv has no \"summary\" column .*document, abstract"),
    ("empty.jsonl", "\n  \n", r"empty.jsonl is empty"),
    ("empty.csv", "", r"empty.csv is empty"),
    ("missing.jsonl", '{"path": "docs/nothere.pdf", "summary": "x"}\n', r"^Line 1 of missing.jsonl names the file docs/nothere.pdf, which does not exist"),
    ("array.jsonl", '["document", "summary"]\n', r"^Line 1 of array.jsonl is not a JSON object"),
    ("notes.xlsx", "whatever", r"not a pairs file"),
])
def test_bad_pairs_files_are_typed_errors_naming_the_line(tmp_path: Path, counter: TokenCounter, name: str,
                                                          content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PairsError, match=message) as info:
        PairSet.load(path, counter.count)
    assert info.value.name == "PairsError" and "\n" not in info.value.message


def test_flags_empty_and_duplicate_pairs(tmp_path: Path, counter: TokenCounter) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [
        {"document": "The vote was postponed until March.", "summary": "Vote postponed."},
        {"document": "The vote  was postponed until MARCH.", "summary": "Another summary of the same text."},
        {"document": "", "summary": "No document."},
        {"document": "A document with a blank summary.", "summary": "  "},
        {"document": "Sales grew by ten percent.", "summary": "Sales up."},
    ])
    pairset = PairSet.load(path, counter.count)
    assert [i.problem for i in pairset.items] == [None, "same as p.jsonl, line 1", "empty document", "empty summary", None]
    assert pairset.counts() == {"total": 5, "usable": 2, "empty": 2, "duplicates": 1, "unreadable": 0}
    assert pairset.to_rows()[2]["problem"] == "empty document"


def test_validation_split_is_seeded_and_independent_of_file_order(tmp_path: Path, corpus: Path, counter: TokenCounter) -> None:
    records = toy_pairs(corpus, n=12)
    a = PairSet.load(write_jsonl(tmp_path / "a.jsonl", records), counter.count)
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    b = PairSet.load(write_jsonl(tmp_path / "b.jsonl", shuffled), counter.count)
    train_a, val_a = a.split(0.25, seed=3)
    train_b, val_b = b.split(0.25, seed=3)
    assert len(val_a) == 3 and len(train_a) == 9
    assert [i.record.id for i in val_a] == [i.record.id for i in val_b]
    assert {i.record.id for i in train_a} == {i.record.id for i in train_b}
    assert [i.record.id for i in a.split(0.25, seed=4)[1]] != [i.record.id for i in val_a]
    assert a.fingerprint() == b.fingerprint()
    # At least one validation pair from four usable pairs on; none below that.
    four = PairSet.load(write_jsonl(tmp_path / "four.jsonl", records[:4]), counter.count)
    assert [len(part) for part in four.split(0.1)] == [3, 1]
    three = PairSet.load(write_jsonl(tmp_path / "three.jsonl", records[:3]), counter.count)
    assert [len(part) for part in three.split(0.1)] == [3, 0]


def test_examples_use_the_inference_prompts_and_chunk_budget(tmp_path: Path, corpus: Path, counter: TokenCounter) -> None:
    records = toy_pairs(corpus, n=2, lines=40)
    records.append({"document": "Sales grew by ten percent in the third quarter.", "summary": "Sales up."})
    pairset = PairSet.load(write_jsonl(tmp_path / "p.jsonl", records), counter.count)
    library = PromptLibrary.load()
    built = summary_examples(pairset.items, library, counter.count, max_source_len=128)
    assert [e.template_id for e in built.examples] == [library.get("meeting", "map").id] * 2 + [library.get("generic", "map").id]
    meeting = library.get("meeting", "map").render(built.chunks[0][1]).text
    assert built.examples[0].source == meeting and meeting.startswith("Summarize this part of a meeting transcript")
    assert all(counter.count(e.source) <= 128 for e in built.examples)
    assert built.cut == 2  # the two long dialogues were cut to their first chunk; the short text was not
    assert built.examples[2].target == "Sales up."


def test_replay_plan_mixes_general_and_document_instructions(tmp_path: Path, corpus: Path, counter: TokenCounter) -> None:
    general = load_general()
    assert len(general) >= 30 and all(g.instruction and g.answer for g in general)
    pairset = PairSet.load(write_jsonl(tmp_path / "p.jsonl", toy_pairs(corpus, n=12)), counter.count)
    library = PromptLibrary.load()
    train_items, val_items = pairset.split(0.25, seed=1)
    train = summary_examples(train_items, library, counter.count, 128)
    val = summary_examples(val_items, library, counter.count, 128)
    plan = plan_replay(library, counter, train_docs=train.chunks, val_docs=val.chunks, n_summary=len(train.examples),
                       share=0.4, max_source_len=128, seed=1)
    assert len(plan.train) == round(9 * 0.4 / 0.6)  # 6 replay for 9 pairs: 40 % of the mix
    tasks = [p.task for p in plan.train]
    assert tasks.count("general") == 3 and all(t.startswith("replay:") for t in tasks[3:])
    assert {p.template_id for p in plan.train if p.task != "general"} <= {
        "replay.key_points@1", "replay.title@1", "replay.question@1", "replay.action_items@1"}
    held_general = [p for p in plan.heldout if p.task == "general"]
    assert len(held_general) == 10 and all(p.reference for p in held_general)
    assert not {p.origin for p in held_general} & {p.origin for p in plan.train}  # held out means never trained on
    assert all(counter.count(p.source) <= 128 for p in plan.train + plan.heldout)
    assert plan_replay(library, counter, train_docs=train.chunks, val_docs=[], n_summary=9, share=0.0,
                       max_source_len=128, seed=1).train == []
    assert json.loads(json.dumps([p.source for p in plan.train]))  # plain text, picklable

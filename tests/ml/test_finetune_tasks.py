"""Several tasks in one pairs file, without a model: instructions read, tasks split and scored
separately, bad task files refused in one sentence, and earlier pairs of a continued adapter
split into replayed and held-out without overlap."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from desktop.core.errors import PairsError
from desktop.ml.finetune.card import EvaluationCard, task_kinds
from desktop.ml.finetune.continual import EARLIER_EVAL_MAX, plan_earlier
from desktop.ml.finetune.examples import Example
from desktop.ml.finetune.pairset import PairSet
from desktop.ml.finetune.schedule import ProgressiveOrder, user_share
from desktop.ml.finetune.settings import FinetuneSettings
from desktop.ml.finetune.tasks import SUMMARY_TASK, accuracy, choices, task_of
from desktop.ml.models.adapters import LabelTask
from tests.ml._finetune_data import URGENCY_INSTRUCTION, toy_pairs, urgency_pairs, write_jsonl


def _words(text: str) -> int:
    return len(text.split())


def test_a_pairs_file_with_instructions_gives_one_task_per_instruction(tmp_path: Path, corpus: Path) -> None:
    rows = toy_pairs(corpus, n=8) + urgency_pairs(corpus, n=8)
    pairs = PairSet.load(write_jsonl(tmp_path / "mixed.jsonl", rows), _words)
    assert pairs.tasks() == {SUMMARY_TASK: 8, task_of(URGENCY_INSTRUCTION): 8}
    train, val = pairs.split(0.25, seed=1)
    # Each task is split on its own: both are tested, none is left without training rows.
    assert sorted(i.task for i in val) == sorted([SUMMARY_TASK] * 2 + [task_of(URGENCY_INSTRUCTION)] * 2)
    assert len(train) == 12
    # The same document with an instruction and without one is two pairs, not a duplicate.
    same_doc = [{"document": rows[0]["document"], "summary": "x y"},
                {"document": rows[0]["document"], "instruction": "Who speaks first?", "answer": "#Person1#"}]
    twice = PairSet.load(write_jsonl(tmp_path / "same.jsonl", same_doc), _words)
    assert [i.problem for i in twice.items] == [None, None]


def test_instructions_all_empty_and_a_task_with_two_examples_are_one_sentence_each(tmp_path: Path, corpus: Path) -> None:
    rows = [{**r, "instruction": "  "} for r in toy_pairs(corpus, n=4)]
    with pytest.raises(PairsError, match=r"^Every \"instruction\" in blank\.jsonl is empty; .*\.$"):
        PairSet.load(write_jsonl(tmp_path / "blank.jsonl", rows), _words)
    csv = tmp_path / "blank.csv"
    csv.write_text("document,instruction,summary\nHello there.,,Hi\nGood bye.,,Bye\n", encoding="utf-8")
    with pytest.raises(PairsError, match="Every \"instruction\" in blank.csv is empty"):
        PairSet.load(csv, _words)
    few = toy_pairs(corpus, n=6) + urgency_pairs(corpus, n=2)
    pairs = PairSet.load(write_jsonl(tmp_path / "few.jsonl", few), _words)
    with pytest.raises(PairsError) as err:
        pairs.check_tasks()
    assert str(err.value) == (f"The task \"{URGENCY_INSTRUCTION}\" has only 2 usable examples; give it at least 4, "
                              "or remove its rows.")


def test_the_card_reports_each_task_with_accuracy_for_fixed_answers() -> None:
    def ex(task: str, target: str) -> Example:
        return Example(f"prompt {target}", target, task, "t@1", "test")

    urgent = task_of(URGENCY_INSTRUCTION)
    val = [ex(SUMMARY_TASK, "the budget was approved"), ex(urgent, "high"), ex(urgent, "low"), ex(urgent, "high")]
    train = val + [ex(urgent, "low"), ex(SUMMARY_TASK, "a meeting about the plan")]
    kinds = task_kinds(train)
    assert kinds == {SUMMARY_TASK: "text", urgent: "choice"}
    card = EvaluationCard.build(val, ["nothing", "low", "low", "low"], ["the budget was approved", "High.", "low", "low"],
                                [], [], [], kinds=kinds)
    by_task = {t.task: t for t in card.tasks}
    assert by_task[URGENCY_INSTRUCTION].kind == "choice" and by_task[URGENCY_INSTRUCTION].items == 3
    assert by_task[URGENCY_INSTRUCTION].before == {"accuracy": pytest.approx(1 / 3, abs=1e-3)}
    assert by_task[URGENCY_INSTRUCTION].after == {"accuracy": pytest.approx(2 / 3, abs=1e-3)}
    assert by_task["summary"].after["rouge1"] == 1.0 and by_task["summary"].before["rouge1"] == 0.0
    assert f"{URGENCY_INSTRUCTION} (3): accuracy 0.333 -> 0.667" in card.table()
    assert EvaluationCard.from_dict(json.loads(json.dumps(card.to_dict()))) == card
    assert accuracy(["Yes!", "no"], ["yes", "yes"]) == 0.5
    assert choices(["yes", "no", "Yes"]) == ["yes", "no"] and choices(["a long free answer", "another one"]) is None


def test_progressive_plan_rises_from_its_start_to_the_final_share() -> None:
    settings = FinetuneSettings(progressive_start=0.25, ramp_ratio=0.5)
    is_new = [True] * 30 + [False] * 10
    order = ProgressiveOrder(is_new, 8, seed=3, total_steps=40, settings=settings)
    shares = [sum(is_new[i] for i in order.batch(s)) / 8 for s in range(40)]
    assert shares[0] == 0.25 and shares[-1] == 0.75 and all(a <= b for a, b in pairwise(shares))
    assert user_share(10, 40, 0.25, 0.75, 0.5) == pytest.approx(0.5)
    assert settings.with_overrides(schedule="progressive").warmup_steps(40) == 20  # warm-up spans the ramp
    # Every new pair is drawn once before any is drawn twice.
    first = [i for s in range(12) for i in order.batch(s) if is_new[i]]
    assert len(set(first[:30])) == 30


def test_earlier_pairs_are_either_replayed_or_held_out_never_both() -> None:
    def ex(key: str) -> Example:
        return Example(f"p {key}", f"t {key}", SUMMARY_TASK, "t@1", "old", key=key, earlier=True)

    train = [ex(f"k{i:02d}") for i in range(20)]
    val = [ex(f"v{i}") for i in range(3)]
    replay, held = plan_earlier(train, val, n_new=10, seed=5)
    assert len(replay) == 5 and {e.key for e in val} <= {e.key for e in held} and len(held) <= EARLIER_EVAL_MAX
    assert not {e.key for e in replay} & {e.key for e in held}
    replay, held = plan_earlier(train[:3], [], n_new=10, seed=5)
    assert len(held) == 1 and len(replay) == 2  # without earlier validation pairs, one training pair is held out


def test_a_yes_no_urgency_answer_becomes_the_apps_urgency_label() -> None:
    task = LabelTask("urgency", "Is this email urgent? yes/no", ("yes", "no"))
    assert (task.label_value("yes"), task.label_value("No"), task.label_value("maybe")) == ("urgent", "not urgent", "maybe")

"""An adapter over time, on the tiny random T5: version 1 learns summaries and an instructed
urgency task at once; "Continue training" writes version 2 from version 1's weights with a
progressive schedule, replaying earlier pairs; versions switch back; the app answers urgency
with the adapter's own task; bad continues are one sentence and touch no adapter."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from desktop.core.errors import FinetuneError, ModelNotFound
from desktop.core.ingest import read_document
from desktop.core.prompting.prompts import PromptLibrary
from desktop.ml.engine.classify import classify_document
from desktop.ml.engine.loader import load_text_model
from desktop.ml.finetune import FinetuneRequest, FinetuneResult, keep_result, preset, run_finetune
from desktop.ml.finetune.continual import PAIRS_FILE, read_pairs_record
from desktop.ml.finetune.model import file_hashes
from desktop.ml.finetune.run_folder import RunFolder
from desktop.ml.models.adapter_versions import list_versions, switch_version
from desktop.ml.models.adapters import AdapterManifest, adapter_id
from desktop.ml.models.store import ModelStore
from tests.ml._finetune_data import URGENCY_INSTRUCTION, toy_pairs, urgency_pairs, write_jsonl

#: One worker runs the whole module, so the two trained versions are built once (``make test``
#: distributes by group).
pytestmark = pytest.mark.xdist_group("finetune-continual")
TINY = preset("tiny").with_overrides(threads=1, val_share=0.25, eval_every=0, checkpoint_every=0, samples=1)


@dataclass
class Lineage:
    store: ModelStore
    first: FinetuneResult
    second: FinetuneResult
    prepared: dict[str, Any]
    v1_pairs: dict[str, Any]
    new_pairs: Path


@pytest.fixture(scope="module")
def lineage(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, corpus: Path) -> Lineage:
    root = tmp_path_factory.mktemp("continual")
    store = ModelStore(root / "store")
    store.import_folder(tiny_model_dir, "tiny-t5")
    first_pairs = write_jsonl(root / "first.jsonl", toy_pairs(corpus, n=16) + urgency_pairs(corpus, n=12))
    first = run_finetune(FinetuneRequest("tiny-t5", [str(first_pairs)], "mine", TINY.with_overrides(steps=40),
                                         store_root=str(store.root)))
    keep_result(first, store)
    v1_pairs = read_pairs_record(store.adapter_dir("mine")) or {}
    new_pairs = write_jsonl(root / "new.jsonl", toy_pairs(corpus, n=12, start=40))
    settings = TINY.with_overrides(steps=20, schedule="progressive", progressive_start=0.2, ramp_ratio=0.5)
    second = run_finetune(FinetuneRequest("", [str(new_pairs)], "mine", settings, store_root=str(store.root),
                                          continue_from="mine"))
    prepared = RunFolder(second.run_dir).read_json("prepared.json")
    keep_result(second, store)
    return Lineage(store, first, second, prepared, v1_pairs, new_pairs)


def test_progressive_share_of_new_pairs_rises_in_the_batches_the_trainer_ran(lineage: Lineage) -> None:
    mix = lineage.second.history.mix
    assert [s for s, _ in mix] == list(range(1, 21))
    shares = [v for _, v in mix]
    new = sum(1 for e in lineage.prepared["train"] if e["task"] == "summary" and not e["earlier"])
    final = new / len(lineage.prepared["train"])
    assert shares[0] == pytest.approx(0.25)  # 0.2 of a batch of 8, rounded: 2 new pairs
    assert all(a <= b for a, b in pairwise(shares)) and shares[-1] > shares[0] + 0.2
    assert shares[-1] == pytest.approx(round(8 * final) / 8)
    # The fixed schedule of version 1 drew from the whole mix: no rise, shares scattered around its mean.
    fixed = [v for _, v in lineage.first.history.mix]
    assert len(set(fixed)) > 1 and fixed[0] > 0.25


def test_a_continued_adapter_starts_from_its_old_weights(lineage: Lineage) -> None:
    first, second = lineage.first, lineage.second
    assert first.train_loss_first is not None and first.train_loss_last is not None
    assert second.train_loss_first is not None
    # The base model starts far off; version 1 ended low; version 2's first batch is near that end.
    assert first.train_loss_last < first.train_loss_first * 0.6
    assert abs(second.train_loss_first - first.train_loss_last) < abs(second.train_loss_first - first.train_loss_first)
    assert second.settings["lora_r"] == TINY.lora_r and second.settings["method"] == "lora"


def test_earlier_pair_forgetting_is_measured_on_earlier_pairs_not_replayed(lineage: Lineage) -> None:
    prepared = lineage.prepared
    v1_keys = {r["key"] for r in lineage.v1_pairs["pairs"]}
    new_keys = {e["key"] for e in prepared["train"] + prepared["val"] if not e["earlier"] and e["key"]}
    replayed = {e["key"] for e in prepared["train"] if e["earlier"]}
    held = {e["key"] for e in prepared["earlier"]}
    v1_val = {r["key"] for r in lineage.v1_pairs["pairs"] if r["split"] == "val"}
    assert replayed and held and held <= v1_keys and replayed <= v1_keys
    assert not held & replayed and not held & new_keys and v1_val <= held
    card = lineage.second.card
    assert card.previous_version == 1 and card.earlier_items == len(held)
    assert card.earlier_before and card.earlier_previous and card.earlier_after
    assert card.val_previous is not None and card.replay_previous is not None
    table = card.table()
    assert f"earlier pairs, version 1 ({len(held)})" in table and "your pairs, version 1" in table
    # Version 2 keeps every pair of the lineage, for the next continue.
    v2 = read_pairs_record(lineage.store.adapter_dir("mine")) or {}
    assert {r["key"] for r in v2["pairs"]} == v1_keys | new_keys


def test_an_instruction_tasks_accuracy_is_on_the_card_and_the_adapter(lineage: Lineage) -> None:
    tasks = {t.task: t for t in lineage.first.card.tasks}
    assert set(tasks) == {"summary", URGENCY_INSTRUCTION}
    urgency = tasks[URGENCY_INSTRUCTION]
    assert urgency.kind == "choice" and urgency.items == 3
    assert set(urgency.after) == {"accuracy"} and 0.0 <= urgency.after["accuracy"] <= 1.0
    assert "rouge1" in tasks["summary"].after
    assert f"{URGENCY_INSTRUCTION} (3): accuracy" in lineage.first.card.table()
    [v1] = [v for v in list_versions(lineage.store.root / "adapters", "mine") if v.version == 1]
    assert v1.manifest.tasks[0]["instruction"] == URGENCY_INSTRUCTION
    assert sorted(v1.manifest.tasks[0]["choices"]) == ["high", "low"]
    assert v1.manifest.card["tasks"][1]["after"] == urgency.after


def test_versions_are_listed_with_cards_and_switch_back(lineage: Lineage) -> None:
    adapters = lineage.store.root / "adapters"
    versions = list_versions(adapters, "mine")
    assert [(v.version, v.active) for v in versions] == [(1, False), (2, True)]
    assert versions[1].manifest.parent_version == 1 and versions[1].manifest.card["previous_version"] == 1
    assert [a.name for a in lineage.store.list_adapters()] == ["mine"]  # one adapter, two versions
    v2_id = adapter_id(lineage.store.adapter_dir("mine"))
    switch_version(adapters, "mine", 1)
    assert adapter_id(lineage.store.adapter_dir("mine")) == adapter_id(versions[0].path) != v2_id
    assert (AdapterManifest.read(lineage.store.adapter_dir("mine")) or AdapterManifest("", "", "")).version == 1
    assert [(v.version, v.active) for v in list_versions(adapters, "mine")] == [(1, True), (2, False)]
    switch_version(adapters, "mine", 2)
    assert adapter_id(lineage.store.adapter_dir("mine")) == v2_id
    with pytest.raises(ModelNotFound, match=r"has no version 7 \(versions: 1, 2\)"):
        switch_version(adapters, "mine", 7)


def test_the_app_answers_urgency_with_the_adapters_own_task(lineage: Lineage, corpus: Path) -> None:
    doc = read_document(corpus / "email" / "unencoded-latin1-subject.eml")
    labels = {}
    for name in ("tiny-t5", "mine"):
        model = load_text_model(name, backend="torch", quantization="float32", device="cpu", threads=1,
                                store_root=lineage.store.root)
        labels[name] = classify_document(model, PromptLibrary.load(), doc, 128)
        model.close()
    assert labels["tiny-t5"]["urgency"] in ("urgent", "normal", "not urgent")
    assert labels["mine"]["urgency"] in ("high", "low")  # only the adapter's task offers these answers
    assert labels["mine"]["type"] == labels["mine"]["type"] and "asks_reader" in labels["mine"]


def test_bad_continues_are_one_sentence_and_leave_adapters_untouched(lineage: Lineage, tmp_path: Path) -> None:
    store = lineage.store
    before = {a.name: file_hashes(a.path) for a in store.list_adapters()}

    def attempt(**kwargs: Any) -> str:
        request = FinetuneRequest(kwargs.pop("model", ""), [str(lineage.new_pairs)], kwargs.pop("out", "mine"),
                                  TINY.with_overrides(steps=2), store_root=str(store.root), **kwargs)
        with pytest.raises((FinetuneError, ModelNotFound)) as err:
            run_finetune(request)
        return str(err.value)

    assert attempt(continue_from="nobody") == "There is no fine-tuned adapter called nobody to continue (adapters: mine)."
    other = store.import_folder(store.model_dir("tiny-t5"), "other-t5")
    message = attempt(continue_from="mine", model="other-t5")
    assert message.startswith("The adapter mine was trained on tiny-t5, not other-t5;") and message.count(".") == 1
    store.remove(other.name)
    # A copy of the adapter whose base model is gone.
    orphan = store.adapter_dir("orphan")
    orphan.mkdir()
    for f in ("adapter_config.json", "adapter_model.safetensors", PAIRS_FILE):
        (orphan / f).write_bytes((store.adapter_dir("mine") / f).read_bytes())
    AdapterManifest("orphan", "gone-t5", "abc").write(orphan)
    assert attempt(continue_from="orphan", out="orphan").startswith(
        "The adapter orphan needs its base model gone-t5, which is not installed;")
    store.delete_adapter("orphan")
    assert {a.name: file_hashes(a.path) for a in store.list_adapters()} == before
    assert [v.version for v in list_versions(store.root / "adapters", "mine")] == [1, 2]


def test_continuing_an_earlier_version_writes_the_next_number(lineage: Lineage) -> None:
    adapters = lineage.store.root / "adapters"
    switch_version(adapters, "mine", 1)
    try:
        result = run_finetune(FinetuneRequest("tiny-t5", [str(lineage.new_pairs)], "mine",
                                              TINY.with_overrides(steps=2, replay=0.0), store_root=str(lineage.store.root),
                                              continue_from="mine"))
        assert result.parent_version == 1 and result.card.previous_version == 1
        keep_result(result, lineage.store)
        versions = list_versions(adapters, "mine")
        assert [(v.version, v.active, v.manifest.parent_version) for v in versions] == [(1, False, None), (2, False, 1),
                                                                                         (3, True, 1)]
    finally:
        switch_version(adapters, "mine", 2)

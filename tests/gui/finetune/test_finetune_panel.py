"""The fine-tune panel end to end: pairs from every kind of source, a real training child process
on the tiny T5 (loss curve, Pause/Resume, Cancel, resuming an interrupted run), the evaluation
card, Keep into the main window's model picker, Discard, and the adapters list."""

from __future__ import annotations

import csv
import json
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.events import Loss
from desktop.core.settings import Settings, save_settings
from desktop.gui.finetune import FinetunePanel
from desktop.gui.finetune.finetune_settings_form import parameter_count
from desktop.gui.finetune.loss_chart import TRAIN_COLOR, VAL_COLOR, LossChart, nice_ticks
from desktop.gui.finetune.pairs_table_model import FLAGS
from desktop.ml.finetune import append_saved_pair
from desktop.ml.finetune.run_folder import RunFolder
from desktop.ml.models.store import ModelStore
from tests.gui._window import OFFSCREEN_NOISE, make_window
from tests.ml._finetune_data import toy_pairs, write_jsonl

pytestmark = OFFSCREEN_NOISE
BASE = "tiny-t5"


@pytest.fixture
def store(tiny_model_dir: Path) -> ModelStore:
    """The app's own store (under this test's PRECIS_HOME), holding the tiny model; training on one
    thread (the app's setting), which is quicker for a tiny model on a busy machine."""
    save_settings(Settings(threads=1))
    s = ModelStore()
    s.import_folder(tiny_model_dir, BASE)
    return s


@pytest.fixture
def pairs_file(tmp_path: Path, corpus: Path) -> Path:
    """12 toy pairs the tiny model can learn, plus a duplicate and one with an empty summary."""
    records = toy_pairs(corpus, n=12)
    records += [dict(records[0], id="copy"), {"id": "blank", "document": "A short note about nothing.", "summary": " "}]
    return write_jsonl(tmp_path / "pairs.jsonl", records)


@pytest.fixture
def panel(qtbot: QtBot, store: ModelStore) -> Iterator[FinetunePanel]:
    p = FinetunePanel(preset_name="tiny")
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    yield p
    p.shutdown()


def _load(qtbot: QtBot, panel: FinetunePanel, source: Path | str | None) -> None:
    view = panel.pairs_view
    started = view.add_saved_pairs() if source is None else view.add_source(source)
    assert started is not None
    assert view.loading  # read in a thread: the window goes on painting meanwhile
    qtbot.waitUntil(lambda: not view.loading, timeout=30_000)


def _train_points(panel: FinetunePanel) -> int:
    return len(panel.training.chart.train)


def _answer_box(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    seen.append(box.text())
    box.button(button).click()


# ----- pairs -------------------------------------------------------------------------------
def test_imports_pairs_from_files_folders_and_saved_digests(qtbot: QtBot, panel: FinetunePanel, pairs_file: Path,
                                                            tmp_path: Path) -> None:
    view = panel.pairs_view
    assert panel.train_blocker() == "Import pairs to train on." and not panel.training.train_button.isEnabled()
    _load(qtbot, panel, pairs_file)
    model = view.model
    assert model.rowCount() == 14
    first = model.row_texts(0)
    assert first[0] == "line 1 · pairs.jsonl" and first[1].startswith("Ms. Dawson") and first[2].startswith("#Person1#")
    assert int(first[3]) > int(first[4]) > 0  # counted with the tiny model's own tokenizer
    assert model.flags_of(12) == ["duplicate (same as pairs.jsonl, line 1)"]
    assert model.flags_of(13) == ["empty summary"]
    text = view.counts.text()
    assert "14 pairs" in text and "<b>12</b> usable" in text and "2 flagged and left out (1 empty, 1 duplicate)" in text
    assert view.split_sizes() == (11, 1) and "<b>11</b> for training, <b>1</b> for validation" in text
    assert panel.train_blocker() == "" and panel.training.train_button.isEnabled()

    # Too long for the model input: flagged (and counted), not left out.
    panel.form.disclosure.set_expanded(True)
    assert panel.form.advanced.isVisible() and panel.form.disclosure.button.arrowType().name == "DownArrow"
    panel.form.source_spin.setValue(40)
    assert model.long_count() > 0 and "too long (cut to fit)" in view.counts.text()
    long_row = next(r for r in range(12) if model.flags_of(r))
    assert model.data(model.index(long_row, FLAGS)) == "too long: first 40 tokens used"

    # A CSV, a folder of report + report.summary.txt, and the digests saved from the app.
    with open(tmp_path / "more.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["document", "summary"])
        writer.writerow(["The budget meeting moved to Friday at ten.", "Budget meeting: Friday 10:00."])
        writer.writerow(["Ana will send the slides before the review.", "Ana sends the slides."])
    _load(qtbot, panel, tmp_path / "more.csv")
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "q3.txt").write_text("Revenue grew in the third quarter while costs stayed flat.", encoding="utf-8")
    (folder / "q3.summary.txt").write_text("Q3: revenue up, costs flat.", encoding="utf-8")
    _load(qtbot, panel, folder)
    append_saved_pair("The printer on floor two is fixed.", "Printer fixed.")
    _load(qtbot, panel, None)
    assert model.rowCount() == 18
    assert [model.row_texts(r)[0] for r in (14, 16, 17)] == ["line 2 · more.csv", "q3.txt", "line 1 · saved-pairs.jsonl"]
    assert view.sources_label.text() == "From pairs.jsonl, more.csv, reports/, saved from edited digests"

    # A malformed file: its sentence, and the pairs listed before stay.
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"document": "x", "summary": "y"}\n{not json\n', encoding="utf-8")
    with qtbot.waitSignal(view.failed, timeout=10_000) as failed:
        view.add_source(bad)
    assert failed.args == ["PairsError", "Line 2 of bad.jsonl is not valid JSON."]
    assert view.message.isVisible() and view.message.text() == "Line 2 of bad.jsonl is not valid JSON."
    assert model.rowCount() == 18 and str(bad) not in view.sources

    view.clear()
    assert model.rowCount() == 0 and view.sources == [] and panel.train_blocker() == "Import pairs to train on."


def test_settings_form_defaults_names_and_method(panel: FinetunePanel, store: ModelStore, tmp_path: Path) -> None:
    form = panel.form
    assert form.base_model == BASE and [form.base_combo.itemData(i) for i in range(form.base_combo.count())] == [BASE]
    assert form.method == "lora" and form.full_radio.isEnabled()  # the tiny model is small enough for full
    assert form.replay_spin.value() == 30 and form.replay_slider.value() == 30
    assert form.name == f"{BASE}-mine" and form.name_problem() is None
    assert not form.advanced.isVisible()
    s = form.settings()
    assert (s.steps, s.lora_r, s.max_source_len, s.replay) == (60, 8, 128, 0.3)
    form.set_preset("standard")
    assert form.settings().lora_r == 16 and form.steps_spin.text() == "from epochs"
    form.name_edit.setText("bad name!")
    assert "letters, digits" in (form.name_problem() or "") and form.name_status.isVisible()
    form.name_edit.setText(BASE)
    assert form.name_status.text() == f"A model or adapter called {BASE} exists already; choose another name."
    # A model too large for full fine-tuning (its safetensors header alone is read).
    big = tmp_path / "big"
    big.mkdir()
    header = json.dumps({"w": {"dtype": "F32", "shape": [20000, 20000], "data_offsets": [0, 0]}}).encode()
    (big / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header)
    assert parameter_count(big) == 400_000_000
    assert 0 < parameter_count(store.model_dir(BASE)) < 10_000_000


def test_loss_chart_autoscales_and_draws_both_series(qtbot: QtBot) -> None:
    assert nice_ticks(0, 60, 5) == [0, 20, 40, 60] and nice_ticks(2.1, 2.9, 4) == [2.2, 2.4, 2.6, 2.8]
    chart = LossChart()
    qtbot.addWidget(chart)
    chart.resize(420, 220)

    def pixels(color: object) -> int:
        image = chart.grab().toImage()
        return sum(1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
                   if image.pixelColor(x, y) == color)

    assert pixels(TRAIN_COLOR) == 0 and pixels(VAL_COLOR) == 0  # the placeholder only
    chart.set_total(40)
    chart.add(0, None, 9.5)
    for step in range(1, 21):
        chart.add(step, 10.0 / step, 9.0 - step * 0.2 if step % 10 == 0 else None)
    assert (len(chart.train), len(chart.val)) == (20, 3) and pixels(TRAIN_COLOR) > 0 and pixels(VAL_COLOR) > 0
    chart.add(15, 0.7)  # a resumed run redraws from its checkpoint on
    assert chart.train[-1] == (15, 0.7) and len(chart.train) == 15


# ----- training ------------------------------------------------------------------------------
def test_trains_pauses_resumes_cancels_and_resumes_the_interrupted_run(qtbot: QtBot, panel: FinetunePanel,
                                                                        pairs_file: Path, tmp_path: Path) -> None:
    _load(qtbot, panel, pairs_file)
    panel.form.name_edit.setText("notes")
    panel.form.steps_spin.setValue(30)  # the tiny preset checkpoints every 20 steps
    qtbot.mouseClick(panel.training.train_button, Qt.MouseButton.LeftButton)
    task = panel.task
    assert task is not None and panel.running and not panel.form.isEnabled() and panel.training.pause_button.isVisible()
    qtbot.waitUntil(lambda: _train_points(panel) >= 2, timeout=60_000)
    assert panel.training.values["step"].text().endswith("/ 30") and panel.training.bar.maximum() == 30
    assert panel.training.chart.val and panel.training.chart.val[0][0] == 0  # validation loss before training

    # Pause: the child confirms within a second and trains no further until Resume.
    asked = time.monotonic()
    with qtbot.waitSignal(task.paused_changed, timeout=1_000, check_params_cb=lambda paused: paused):
        qtbot.mouseClick(panel.training.pause_button, Qt.MouseButton.LeftButton)
    assert time.monotonic() - asked < 1.0 and panel.training.pause_button.text() == "Resume"
    points = _train_points(panel)
    qtbot.wait(1500)
    assert _train_points(panel) <= points + 1 and panel.training.stage.text() == "Paused"
    qtbot.mouseClick(panel.training.pause_button, Qt.MouseButton.LeftButton)
    assert panel.training.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: bool(panel.training.chart.train) and panel.training.chart.train[-1][0] > 20, timeout=60_000)
    panel.grab().save(str(tmp_path / "finetune-training.png"))

    # Cancel: stops within a second; nothing in the store; the checkpoint at step 20 stays.
    asked = time.monotonic()
    with qtbot.waitSignal(task.ended, timeout=2_000):
        qtbot.mouseClick(panel.training.cancel_button, Qt.MouseButton.LeftButton)
    assert time.monotonic() - asked < 1.0
    assert not panel.running and "Cancelled. Nothing was added to your models." in panel.training.stage.text()
    store = ModelStore()
    assert store.list_adapters() == [] and not store.adapter_dir("notes").exists()
    assert panel.training.resume_run_button.isVisible() and panel.training.resume_run_button.isEnabled()
    assert panel.training.resume_run_button.text() == "Resume interrupted run (step 20 of 30)"

    # Resume the interrupted run: the curve is redrawn up to step 20 and training goes on to the end.
    qtbot.mouseClick(panel.training.resume_run_button, Qt.MouseButton.LeftButton)
    assert panel.task is not None and panel.task is not task and panel.task.request.resume
    with qtbot.waitSignal(panel.task.finished, timeout=90_000) as done:
        pass
    result = done.args[0]
    assert result.resumed_from == 20 and result.steps == 30 and panel.pending is result
    assert [s for s, _ in panel.training.chart.train][:1] == [1] and panel.training.chart.train[-1][0] == 30
    card = panel.card_view
    assert card.isVisible() and "resumed at step 20" in card.summary.text()

    # Discard: the run and its checkpoints go; still nothing in the store.
    qtbot.mouseClick(card.discard_button, Qt.MouseButton.LeftButton)
    assert panel.pending is None and not card.keep_button.isEnabled() and card.message.text().startswith("Discarded")
    assert not RunFolder.for_name(store.root, "notes").path.exists() and store.list_adapters() == []
    assert not panel.training.resume_run_button.isVisible() and panel.training.train_button.isEnabled()


def test_full_run_shows_the_card_and_keep_reaches_the_model_picker(qtbot: QtBot, store: ModelStore, pairs_file: Path,
                                                                    tmp_path: Path) -> None:
    win, queue = make_window(qtbot)
    try:
        win.finetune_action.trigger()
        panel = win.finetune_panel
        assert isinstance(panel, FinetunePanel) and panel.isVisible()
        panel.form.set_preset("tiny")
        panel.form.steps_spin.setValue(12)
        _load(qtbot, panel, pairs_file)
        losses: list[Loss] = []
        assert panel.train()
        assert panel.task is not None
        panel.task.loss.connect(losses.append)
        with qtbot.waitSignal(panel.task.finished, timeout=90_000) as done:
            pass
        result = done.args[0]
        assert [e.step for e in losses if e.train is not None] == list(range(1, 13))
        assert len(panel.training.chart.train) == 12 and len(panel.training.chart.val) == 2  # before and at the end

        card = panel.card_view
        assert card.isVisible() and card.name_edit.text() == f"{BASE}-mine"
        for metric in ("rouge1", "rouge2", "rougeL"):
            before, after = result.card.val_before[metric], result.card.val_after[metric]
            assert card.cell_text("val", metric).startswith(f"{before:.3f} → {after:.3f} ")
            before, after = result.card.replay_before[metric], result.card.replay_after[metric]
            assert card.cell_text("replay", metric).startswith(f"{before:.3f} → {after:.3f} ")
        assert result.card.val_pairs == 1 and result.card.replay_items > 0
        assert "Document start" in card.samples.toHtml() and result.card.samples[0].reference in card.samples.toPlainText()
        panel.grab().save(str(tmp_path / "finetune-card.png"))
        assert not panel.training.train_button.isEnabled()  # keep or discard first

        # Keep under another name: in the store, in the adapters tab and in the main window's picker.
        card.name_edit.setText("my-notes")
        with qtbot.waitSignal(panel.adapter_kept, timeout=5_000):
            qtbot.mouseClick(card.keep_button, Qt.MouseButton.LeftButton)
        assert [a.name for a in ModelStore().list_adapters()] == ["my-notes"]
        assert "my-notes" in win.model_picker.names() and win.model_picker.select("my-notes")
        assert win.model_picker.current_kind() == "adapter"
        adapters = panel.adapters_view
        assert adapters.names() == ["my-notes"] and adapters.selected() == "my-notes"
        row = adapters.tree.topLevelItem(0)
        assert row.text(1) == BASE and row.text(2)[:2] == "20" and "→" in row.text(3)
        assert panel.form.name == f"{BASE}-mine" and panel.training.train_button.isEnabled()

        # Rename, export as a folder, delete after a confirmation.
        assert adapters.rename("my-notes", "meeting-notes")
        assert [a.name for a in ModelStore().list_adapters()] == ["meeting-notes"]
        assert "meeting-notes" in win.model_picker.names() and "my-notes" not in win.model_picker.names()
        out = adapters.export("meeting-notes", tmp_path / "exported")
        assert out == tmp_path / "exported" and (out / "adapter_config.json").is_file()
        assert json.loads((out / "precis-adapter.json").read_text(encoding="utf-8"))["name"] == "meeting-notes"
        assert adapters.export("meeting-notes", tmp_path / "exported") == tmp_path / "exported" / "meeting-notes"
        seen: list[str] = []
        QTimer.singleShot(100, lambda: _answer_box(QMessageBox.StandardButton.Cancel, seen))
        qtbot.mouseClick(adapters.delete_button, Qt.MouseButton.LeftButton)
        assert seen == ["Delete the adapter meeting-notes?"] and adapters.names() == ["meeting-notes"]
        QTimer.singleShot(100, lambda: _answer_box(QMessageBox.StandardButton.Yes, seen))
        qtbot.mouseClick(adapters.delete_button, Qt.MouseButton.LeftButton)
        assert ModelStore().list_adapters() == [] and adapters.names() == [] and not adapters.empty.isHidden()
        assert "meeting-notes" not in win.model_picker.names()
    finally:
        if win.finetune_panel is not None:
            win.finetune_panel.shutdown()  # type: ignore[attr-defined]
        queue.shutdown()


def _keep_version(store: ModelStore, name: str, version: int, card: object, tasks: list[dict]) -> None:
    """A real LoRA adapter (random A, seeded by the version) kept as ``version`` of ``name``."""
    import torch

    from desktop.ml.finetune import preset
    from desktop.ml.finetune.model import load_base, make_trainable, save_adapter
    from desktop.ml.models.adapter_versions import add_version
    from desktop.ml.models.adapters import AdapterManifest

    torch.manual_seed(version)
    model = make_trainable(load_base(store.model_dir(BASE)), preset("tiny").with_overrides(lora_r=2, target_modules=("q",)))
    folder = store.root / f"made-v{version}"
    save_adapter(model, folder, BASE)
    installed = store.get(BASE)
    assert installed is not None
    AdapterManifest(name, BASE, installed.revision, version=version, parent_version=version - 1 or None,
                    card=card.to_dict(), tasks=tasks, metrics={"steps": 10}).write(folder)  # type: ignore[attr-defined]
    if version == 1:
        store.adapter_dir(name).parent.mkdir(parents=True, exist_ok=True)
        folder.rename(store.adapter_dir(name))
    else:
        add_version(store.root / "adapters", name, folder)


def _cards() -> tuple[object, object]:
    from desktop.ml.finetune.card import EvaluationCard, Previous
    from desktop.ml.finetune.examples import Example
    from desktop.ml.finetune.tasks import task_of

    urgent = task_of("Is this email urgent? yes/no")
    val = [Example("Summarize: the board met", "the board approved the budget", "summary", "t@1", "a.txt"),
           Example("Is this email urgent? yes/no\n\nServer down", "yes", urgent, "t@1", "b.txt"),
           Example("Is this email urgent? yes/no\n\nLunch menu", "no", urgent, "t@1", "c.txt")]
    held = [Example("Write a title.\n\nx", "Budget", "general", "t@1", "general:1", reference="The budget")]
    earlier = [Example("Summarize: old", "an old summary of the plan", "summary", "t@1", "old.txt", key="k", earlier=True)]
    first = EvaluationCard.build(val, ["nothing", "no", "no"], ["the board approved it", "yes", "no"], held, ["Budget"],
                                 ["Budget"], 1, kinds={"summary": "text", urgent: "choice"})
    previous = Previous(1, ["the board approved it", "yes", "no"], ["Budget"], earlier, ["x"], ["an old summary"],
                        ["an old summary of the plan"])
    second = EvaluationCard.build(val, ["nothing", "no", "no"], ["the board approved the budget", "yes", "no"], held,
                                  ["Budget"], ["The budget"], 1, kinds={"summary": "text", urgent: "choice"},
                                  previous=previous)
    return first, second


def test_schedule_and_continue_training_shape_the_request(qtbot: QtBot, panel: FinetunePanel, store: ModelStore,
                                                          pairs_file: Path) -> None:
    first, second = _cards()
    tasks = [{"instruction": "Is this email urgent? yes/no", "kind": "choice", "choices": ["yes", "no"]}]
    _keep_version(store, "mine", 1, first, tasks)
    _keep_version(store, "mine", 2, second, tasks)
    panel.refresh()
    form = panel.form
    assert form.plan.continue_from is None and form.plan.schedule == "fixed" and form.settings().schedule == "fixed"
    combo = form.plan.start_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["A new adapter",
                                                                 f"Continue training mine (version 2, on {BASE})"]
    form.plan.set_schedule("progressive")
    form.plan.copies_box.setChecked(False)
    form.name_edit.setText("mine")
    assert "exists already" in (form.name_problem() or "")  # a new adapter cannot take a kept one's name

    # "Continue training…" under the adapter's versions sets the Train tab up for its next version.
    panel.tabs.setCurrentIndex(1)
    panel.adapters_view.select("mine")
    qtbot.mouseClick(panel.adapters_view.versions.continue_button, Qt.MouseButton.LeftButton)
    assert panel.tabs.currentIndex() == 0 and form.plan.continue_from == "mine"
    assert form.name == "mine" and form.name_problem() is None and not form.name_edit.isEnabled()
    assert form.base_model == BASE and not form.base_combo.isEnabled() and form.method == "lora"
    few = write_jsonl(pairs_file.with_name("few.jsonl"), [{"document": f"Note {i} about the budget.", "instruction":
                                                          "Is this urgent? yes/no", "answer": "yes"} for i in range(2)])
    _load(qtbot, panel, few)
    assert panel.train_blocker() == ("The task \"Is this urgent? yes/no\" has only 2 usable examples; give it at least 4, "
                                     "or remove its rows.")
    panel.pairs_view.clear()
    _load(qtbot, panel, pairs_file)
    assert panel.train_blocker() == ""
    request = panel.request()
    assert (request.continue_from, request.out, request.model) == ("mine", "mine", BASE)
    assert request.settings.schedule == "progressive" and request.settings.keep_pairs is False
    form.plan.set_continue(None)
    assert form.name != "mine" and form.name_edit.isEnabled() and panel.request().continue_from is None


def test_versions_are_listed_with_their_cards_and_switch_back(qtbot: QtBot, panel: FinetunePanel,
                                                             store: ModelStore) -> None:
    from desktop.gui.finetune.evaluation_card_view import extras_html
    from desktop.ml.models.adapters import adapter_id

    first, second = _cards()
    _keep_version(store, "mine", 1, first, [])
    v1_id = adapter_id(store.adapter_dir("mine"))
    _keep_version(store, "mine", 2, second, [])
    panel.refresh()
    adapters = panel.adapters_view
    assert adapters.names() == ["mine"] and adapters.tree.topLevelItem(0).text(0) == "mine (version 2)"
    adapters.select("mine")
    versions = adapters.versions
    rows = [versions.tree.topLevelItem(i) for i in range(versions.tree.topLevelItemCount())]
    assert [(r.text(0), r.text(5)) for r in rows] == [("1", ""), ("2", "in use")]
    assert rows[1].text(3) == "0.667 → 1.000" and rows[0].text(3) == ""  # earlier pairs: version 1 → version 2
    card = versions.card_text()
    assert "earlier pairs, version 1 (1)" in card and "Is this email urgent? yes/no (2): accuracy 0.500 -> 1.000" in card
    assert not versions.use_button.isEnabled()  # the version in use
    versions.tree.setCurrentItem(rows[0])
    with qtbot.waitSignal(adapters.adapters_changed, timeout=5_000):
        qtbot.mouseClick(versions.use_button, Qt.MouseButton.LeftButton)
    assert adapter_id(store.adapter_dir("mine")) == v1_id
    assert adapters.tree.topLevelItem(0).text(0) == "mine"
    rows = [versions.tree.topLevelItem(i) for i in range(versions.tree.topLevelItemCount())]
    assert [r.text(5) for r in rows] == ["in use", ""]
    # The evaluation card of a continued run: each task, and base / version 1 / new side by side.
    text = extras_html(second)
    assert "Is this email urgent? yes/no (2)</td><td align='right'>accuracy 0.500 → 1.000" in text
    from desktop.ml.finetune import FinetuneResult
    from desktop.ml.finetune.trainer import History

    result = FinetuneResult("mine", "lora", store.root, store.root, BASE, "r", second, History(), 20,  # type: ignore[arg-type]
                            continued_from="mine", version=3)
    panel.card_view.set_result(result)
    shown = panel.card_view.samples.toPlainText()
    assert "Against the base model and version 1" in shown and "Earlier pairs (1, not replayed)" in shown
    assert "Is this email urgent? yes/no (2)" in shown and "accuracy 0.500 → 1.000" in shown


def test_pairs_table_shows_each_rows_task(qtbot: QtBot, tmp_path: Path, corpus: Path) -> None:
    from desktop.gui.finetune.pairs_table_model import SUMMARY, PairsTableModel
    from desktop.ml.finetune import PairSet
    from tests.ml._finetune_data import URGENCY_INSTRUCTION, urgency_pairs

    rows = toy_pairs(corpus, n=2) + urgency_pairs(corpus, n=4)
    model = PairsTableModel()
    model.set_pairs(PairSet.load(write_jsonl(tmp_path / "tasks.jsonl", rows), lambda t: len(t.split())))
    shown = [model.data(model.index(r, SUMMARY)) for r in range(6)]
    assert shown[0] == rows[0]["summary"] and shown[2] == f"[{URGENCY_INSTRUCTION}] {rows[2]['answer']}"

"""The model manager dialog: catalog, import, refusals, downloads from a local fake Hub, remove."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.errors import InvalidModel
from desktop.gui.models.model_list import NOT_APPLICABLE, SELF_CHECK
from desktop.gui.models.model_manager import CATALOG, IMPORTED, ModelManagerDialog
from desktop.ml.models.catalog import Catalog
from desktop.ml.models.manifest import ModelManifest
from desktop.ml.models.store import ModelStore
from desktop.ml.models.validate import validate_model_dir
from tests.fake_hub import FakeHub

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

SMALL = "flan-t5-small"


@pytest.fixture(autouse=True)
def _stand_in(unpinned_catalog: Path) -> None:
    """The tiny model stands in for flan-t5-small here: the dialog (made before ``hub``) reads the
    catalog less its FLAN-T5 checksums, which are the real files' and would refuse it."""


@pytest.fixture
def hub(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """The catalog's flan-t5-small, served from 127.0.0.1 with the tiny model's files."""
    entry = Catalog.load().get(SMALL)
    assert entry is not None
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with FakeHub() as fake:
        fake.add_folder(entry.hub_id, entry.revision, tiny_model_dir, {"pytorch_model.bin": b"pickle"})
        monkeypatch.setenv("HF_ENDPOINT", fake.url)  # the task's child process inherits it
        yield fake


def _wait_task(qtbot: QtBot, dialog: ModelManagerDialog, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: dialog.task is not None and not dialog.task.is_running(), timeout=timeout)


def test_lists_the_catalog_with_sizes_and_status(dialog: ModelManagerDialog) -> None:
    catalog = Catalog.load()
    for entry in catalog:
        assert dialog.row_status(entry.name) == "not installed"
    assert dialog.select(CATALOG, "flan-t5-base")
    item = dialog.tree.currentItem()
    assert item.text(0) == "flan-t5-base (default)" and item.text(1) == "248 M" and item.text(2) == "995.0 MB"
    assert dialog.download_button.isEnabled() and not dialog.quantize_button.isEnabled()
    assert not dialog.remove_button.isEnabled()
    assert str(ModelStore().root) in dialog.where.text()


def test_import_folder_installs_and_lists_the_model(dialog: ModelManagerDialog, qtbot: QtBot, tiny_model_dir: Path) -> None:
    with qtbot.waitSignal(dialog.models_changed, timeout=60_000):
        dialog.import_folder(tiny_model_dir, "tiny")
        assert dialog.progress_panel.isVisibleTo(dialog) and not dialog.import_button.isEnabled()
    _wait_task(qtbot, dialog)
    assert ModelStore().is_installed("tiny")
    assert dialog.row_status("tiny") == "installed"
    assert dialog.select(IMPORTED, "tiny") and dialog.quantize_button.isEnabled() and dialog.remove_button.isEnabled()
    assert "tiny is installed" in dialog.message.text()
    assert not dialog.progress_panel.isVisibleTo(dialog)


def test_pickle_only_folder_is_refused_with_the_sentence(dialog: ModelManagerDialog, qtbot: QtBot,
                                                        tiny_model_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pickled-t5"
    folder.mkdir()
    for f in tiny_model_dir.iterdir():
        if f.suffix != ".safetensors":
            (folder / f.name).write_bytes(f.read_bytes())
    (folder / "pytorch_model.bin").write_bytes(b"a pickle Precis will not load")
    with pytest.raises(InvalidModel) as expected:
        validate_model_dir(folder)
    failures: list[tuple[str, str]] = []
    dialog.task = None
    dialog.import_folder(folder)
    assert dialog.task is not None
    dialog.task.failed.connect(lambda *a: failures.append(a))
    _wait_task(qtbot, dialog)
    assert failures == [("InvalidModel", expected.value.message)]
    assert dialog.message.text() == expected.value.message and dialog.message.property("error") is True
    assert ModelStore().installed() == []


def test_download_from_the_hub_with_progress(dialog: ModelManagerDialog, qtbot: QtBot, hub: FakeHub) -> None:
    hub.delay_per_chunk = 0.01  # a few hundred KB/s: several progress events
    details: list[str] = []
    stages: list[str] = []
    assert dialog.select(CATALOG, SMALL)
    with qtbot.waitSignal(dialog.models_changed, timeout=60_000):
        dialog.download_button.click()
        assert dialog.task is not None
        dialog.task.progress.connect(lambda *_a: details.append(dialog.progress_detail.text()))
        dialog.task.progress.connect(lambda *_a: stages.append(dialog.progress_stage.text()))
    _wait_task(qtbot, dialog)
    assert details and any(" of " in d and "MB" in d for d in details)
    assert any("left" in d for d in details)
    # The speed, as the download measures it over the last few seconds: "… model.safetensors (310.2 KB/s)".
    assert any(re.search(r"^Downloading flan-t5-small: downloading .+ \([\d.]+ [KM]?B/s\)$", s) for s in stages), stages
    assert ModelStore().is_installed(SMALL)
    assert dialog.row_status(SMALL) == "installed"
    assert hub.fetches_of("pytorch_model.bin") == 0
    assert not dialog.download_button.isEnabled()  # installed: nothing to download


def test_cancel_download_keeps_the_partial_files(dialog: ModelManagerDialog, qtbot: QtBot, hub: FakeHub) -> None:
    hub.delay_per_chunk = 0.05
    dialog.download(SMALL)
    assert dialog.task is not None
    qtbot.waitUntil(lambda: ModelStore().partial_bytes(SMALL) > 50_000, timeout=30_000)
    with qtbot.waitSignal(dialog.task.ended, timeout=1_000):
        dialog.cancel_button.click()
    assert "Download cancelled" in dialog.message.text()
    assert dialog.row_status(SMALL).startswith("partly downloaded (")  # type: ignore[union-attr]
    assert dialog.select(CATALOG, SMALL) and dialog.download_button.text() == "Resume download"


def test_cancel_on_a_silent_connection_stops_the_download_itself(dialog: ModelManagerDialog, qtbot: QtBot, hub: FakeHub,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    """The Hub sends the weights' first 16 KiB and then nothing for a minute: Cancel still ends the
    download within a second, by the download's own hand (the child reports it cancelled), not by
    the window killing the process after its grace period."""
    caplog.set_level(logging.INFO, logger="desktop.gui.process.child_task")
    hub.delay_per_chunk = 60.0
    hub.slow_files = {"model.safetensors"}
    dialog.download(SMALL)
    assert dialog.task is not None
    qtbot.waitUntil(lambda: any(name == "model.safetensors" for name, _ in hub.served), timeout=30_000)
    qtbot.wait(300)  # the connection is silent now
    started = time.monotonic()
    with qtbot.waitSignal(dialog.task.ended, timeout=1_000):
        dialog.cancel_button.click()
    assert time.monotonic() - started < 1.0
    assert "Download cancelled" in dialog.message.text()
    assert not any("did not stop within" in r.getMessage() for r in caplog.records)


def test_unreachable_hub_shows_the_sentence(dialog: ModelManagerDialog, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    dialog.download(SMALL)
    _wait_task(qtbot, dialog)
    assert dialog.message.text() == (
        f"Precis could not reach the Hugging Face Hub to download {SMALL}; check your internet connection. "
        "You can still summarize with the built-in extractive engine."
    )


def test_remove_asks_then_deletes(dialog: ModelManagerDialog, qtbot: QtBot, tiny_model_dir: Path) -> None:
    ModelStore().import_folder(tiny_model_dir, "tiny")
    dialog.refresh()
    assert dialog.select(IMPORTED, "tiny")
    answers: list[str] = []

    def answer(button: QMessageBox.StandardButton) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        answers.append(box.text())
        box.button(button).click()

    QTimer.singleShot(100, lambda: answer(QMessageBox.StandardButton.Cancel))
    dialog.remove_button.click()
    assert answers == ["Remove the model tiny?"] and ModelStore().is_installed("tiny")
    QTimer.singleShot(100, lambda: answer(QMessageBox.StandardButton.Yes))
    with qtbot.waitSignal(dialog.models_changed, timeout=5_000):
        dialog.remove_button.click()
    assert not ModelStore().is_installed("tiny") and dialog.row_status("tiny") is None
    assert dialog.message.text() == "tiny was removed."


def test_build_quantized_version(dialog: ModelManagerDialog, qtbot: QtBot, tiny_model_dir: Path) -> None:
    pytest.importorskip("ctranslate2")
    ModelStore().import_folder(tiny_model_dir, "tiny")
    dialog.refresh()
    assert dialog.select(IMPORTED, "tiny")
    stages: list[str] = []
    failures: list[tuple[str, str]] = []
    dialog.quantize_button.click()
    assert dialog.task is not None
    dialog.task.progress.connect(lambda stage, *_: stages.append(stage))
    dialog.task.failed.connect(lambda *a: failures.append(a))
    assert dialog.progress_bar.maximum() == 0  # no measure of a conversion: a busy bar
    _wait_task(qtbot, dialog, timeout=180_000)
    assert not failures, failures
    assert any(s.startswith("building the int8 version") for s in stages)
    assert dialog.row_status("tiny").startswith("installed · quantized version built (")  # type: ignore[union-attr]
    assert "quantized version of tiny is built" in dialog.message.text()
    # The build loaded the conversion once: its self-check (token agreement with the float32
    # model) is in the manifest, and in the list.
    record = ModelManifest.read(ModelStore().model_dir("tiny")).self_check["conversions"]  # type: ignore[union-attr]
    [entry] = record.values()
    shown = dialog.tree.row_status("tiny", SELF_CHECK)
    assert shown == f"✓ {entry['backend']} int8 {entry['agreement']:.0%}", shown
    assert f"{entry['agreement']:.0%} of tokens agree with the float32 model" in dialog.tree.row_tooltip("tiny")  # type: ignore[operator]


def test_adapters_are_listed_and_removable(dialog: ModelManagerDialog, qtbot: QtBot, tiny_model_dir: Path) -> None:
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import T5ForConditionalGeneration

    from desktop.gui.models.model_manager import ADAPTER
    from desktop.ml.models.adapters import AdapterManifest

    store = ModelStore()
    base = store.import_folder(tiny_model_dir, "tiny")
    folder = store.adapter_dir("meetings")
    model = get_peft_model(T5ForConditionalGeneration.from_pretrained(tiny_model_dir),
                           LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=2, target_modules=["q", "v"]))
    model.save_pretrained(folder, safe_serialization=True)
    AdapterManifest("meetings", "tiny", base.revision).write(folder)
    dialog.refresh()
    assert dialog.row_status("meetings") == "adapter on tiny"
    assert dialog.select(ADAPTER, "meetings") and dialog.remove_button.isEnabled()
    assert not dialog.download_button.isEnabled() and not dialog.quantize_button.isEnabled()
    with qtbot.waitSignal(dialog.models_changed):
        assert dialog.remove_model(ADAPTER, "meetings", confirm=False)
    assert store.list_adapters() == [] and store.is_installed("tiny")


def test_store_names_from_folder_names() -> None:
    from desktop.gui.models.model_manager import store_name
    from desktop.ml.models.store import check_name

    for folder, expected in [("tiny-t5", "tiny-t5"), ("My T5 (v2)", "My-T5-v2"), ("...", "imported-model"), ("flan_t5.base+ft", "flan_t5.base+ft")]:
        assert store_name(folder) == expected
        check_name(store_name(folder))


def test_the_self_check_column_says_passed_refused_or_not_run(dialog: ModelManagerDialog, tiny_model_dir: Path) -> None:
    """Each installed model's self-check from its manifest: the arrival record (the float32 answers,
    made here by the real import), each conversion's agreement, a refused one said as refused.
    The conversions are recorded the way the loader records them (``self_check._mirror``), with
    measured-looking numbers: the real measurement is test_build_quantized_version's."""
    from desktop.ml.models.self_check import BOUND, SelfCheck, _mirror

    store = ModelStore()
    store.import_folder(tiny_model_dir, "tiny")
    folder = store.model_dir("tiny")
    dialog.refresh()
    assert dialog.tree.row_status("tiny", SELF_CHECK) == "✓ answers kept"
    assert "No conversion has been loaded yet." in dialog.tree.row_tooltip("tiny")  # type: ignore[operator]
    _mirror(folder, "ctranslate2-int8-cpu", SelfCheck("ctranslate2", "int8", "cpu", 0.97, True))
    _mirror(folder, "onnx-int8-cpu", SelfCheck("onnx", "int8", "cpu", 0.04, False))
    dialog.refresh()
    assert dialog.tree.row_status("tiny", SELF_CHECK) == "⚠ ctranslate2 int8 97%, onnx int8 4% refused"
    tip = dialog.tree.row_tooltip("tiny") or ""
    assert "ctranslate2 int8 on CPU: 97% of tokens agree with the float32 model on 8 fixed prompts; passed." in tip
    assert "onnx int8 on CPU: 4% of tokens agree" in tip and f"at least {BOUND:.0%}), so Precis will not use it." in tip
    # A model from before the self-check: said so, not shown as passed.
    manifest = ModelManifest.read(folder)
    assert manifest is not None
    manifest.self_check = {}
    manifest.write(folder)
    dialog.refresh()
    assert dialog.tree.row_status("tiny", SELF_CHECK) == "not run"
    assert dialog.tree.row_status("flan-t5-base", SELF_CHECK) == ""  # not installed: nothing to say


def test_a_speech_model_says_the_self_check_does_not_apply(dialog: ModelManagerDialog, whisper_model_dir: Path) -> None:
    """A Whisper model imported for real: never asked the prompts, and the column says why."""
    ModelStore().import_folder(whisper_model_dir, "whisper-mine")
    dialog.refresh()
    assert dialog.tree.row_status("whisper-mine", SELF_CHECK) == NOT_APPLICABLE  # "—", as for every transcriber
    assert "does not apply to this model: it is a speech-to-text model" in (dialog.tree.row_tooltip("whisper-mine") or "")

"""Whisper models in the model manager, apart from FLAN-T5: listed under their own heading with
size, MIT licence and no self-check ("—"), downloaded (from a fake Hub, every file pinned),
imported and removed like FLAN-T5, never offered as a summarizer in the toolbar's picker."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.settings import load_settings
from desktop.gui.models.model_list import LICENCE, NOT_APPLICABLE, SELF_CHECK, SUMMARIZERS, TRANSCRIBERS
from desktop.gui.models.model_manager import CATALOG, IMPORTED, ModelManagerDialog
from desktop.gui.models.model_picker import ModelPicker
from desktop.ml.models.catalog import Catalog, CatalogEntry
from desktop.ml.models.manifest import human_bytes
from desktop.ml.models.store import ModelStore
from tests.fake_hub import FakeHub

pytestmark = [pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints"),
              pytest.mark.xdist_group("recordings")]
REVISION = "fedcba9876543210fedcba9876543210fedcba98"
HUB_ID = "precis-test/faster-whisper-test"


def _groups(dialog: ModelManagerDialog) -> dict[str, list[str]]:
    """Each heading of the list and the names of the rows under it, in order."""
    groups: dict[str, list[str]] = {}
    heading = ""
    tree = dialog.tree
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        name = item.data(0, 0x0100 + 1)  # the row's name role (_NAME)
        if name is None:
            heading = item.text(0)
            groups[heading] = []
        else:
            groups[heading].append(name)
    return groups


def _picker_names(qtbot: QtBot) -> list[str]:
    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.refresh(load_settings())
    return [picker.itemData(i) for i in range(picker.count())]


def _wait_task(qtbot: QtBot, dialog: ModelManagerDialog) -> None:
    qtbot.waitUntil(lambda: dialog.task is not None and not dialog.task.is_running(), timeout=60_000)


def test_whisper_models_are_listed_apart_with_size_licence_and_no_self_check(dialog: ModelManagerDialog) -> None:
    catalog = Catalog.load()
    groups = _groups(dialog)
    assert list(groups)[:2] == [SUMMARIZERS, TRANSCRIBERS]
    assert groups[SUMMARIZERS] == [e.name for e in catalog.of_kind("summarizer")]
    assert groups[TRANSCRIBERS] == [e.name for e in catalog.of_kind("transcriber")]
    assert {"whisper-tiny", "whisper-base", "whisper-small", "whisper-large-v3"} <= set(groups[TRANSCRIBERS])
    assert dialog.select(CATALOG, "whisper-base")
    item = dialog.tree.currentItem()
    base = catalog.get("whisper-base")
    assert base is not None
    assert item.text(0) == "whisper-base (default)" and item.text(1) == "74 M"
    assert item.text(2) == human_bytes(base.download_bytes) and item.text(LICENCE) == "MIT"
    assert item.text(SELF_CHECK) == NOT_APPLICABLE and "Not applicable" in item.toolTip(SELF_CHECK)
    assert dialog.row_status("whisper-base") == "not installed"
    assert dialog.download_button.isEnabled() and not dialog.quantize_button.isEnabled()
    assert dialog.tree.row_status("flan-t5-base", LICENCE) == "Apache-2.0"


def test_a_whisper_downloads_imports_and_is_removed_like_flan_t5_but_is_never_a_summarizer(
        qtbot: QtBot, whisper_model_dir: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pins = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(whisper_model_dir.iterdir())}
    entry = CatalogEntry(name="whisper-test", hub_id=HUB_ID, revision=REVISION, parameters=1,
                         download_bytes=sum(p.stat().st_size for p in whisper_model_dir.iterdir()), license="MIT",
                         description="a test Whisper", backends={"ctranslate2": ("int8",)}, kind="transcriber",
                         format="ctranslate2", files=tuple(pins), checksums=tuple(sorted(pins.items())))
    catalog = Catalog([*Catalog.load().of_kind("summarizer"), entry], "flan-t5-base", "whisper-test")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with FakeHub() as hub:
        hub.add_folder(HUB_ID, REVISION, whisper_model_dir, {"README.md": b"# test"})
        dialog = ModelManagerDialog(catalog=catalog, endpoint=hub.url)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.select(CATALOG, "whisper-test")
        with qtbot.waitSignal(dialog.models_changed, timeout=60_000):
            dialog.download_button.click()
        _wait_task(qtbot, dialog)
    store = ModelStore()
    assert store.get("whisper-test").kind == "transcriber"  # type: ignore[union-attr]
    assert dialog.row_status("whisper-test") == "installed"
    assert "choose it for recordings in Settings" in dialog.message.text()
    assert dialog.tree.row_status("whisper-test", SELF_CHECK) == NOT_APPLICABLE
    assert dialog.select(CATALOG, "whisper-test")
    assert not dialog.quantize_button.isEnabled() and dialog.remove_button.isEnabled()

    # An imported Whisper folder is listed with the transcribers, not with the imported summarizers.
    with qtbot.waitSignal(dialog.models_changed, timeout=60_000):
        dialog.import_folder(whisper_model_dir, "my-whisper")
    _wait_task(qtbot, dialog)
    store.import_folder(tiny_model_dir, "tiny")
    dialog.refresh()
    groups = _groups(dialog)
    assert groups[TRANSCRIBERS] == ["whisper-test", "my-whisper"]
    assert groups["Imported models"] == ["tiny"]
    assert dialog.select(IMPORTED, "my-whisper") and not dialog.quantize_button.isEnabled()
    assert dialog.tree.row_status("my-whisper", SELF_CHECK) == NOT_APPLICABLE

    # The toolbar's picker offers the summarizer only.
    assert _picker_names(qtbot) == ["tiny", "extractive"]

    assert dialog.remove_model(IMPORTED, "my-whisper", confirm=False)
    assert dialog.remove_model(CATALOG, "whisper-test", confirm=False)
    assert dialog.row_status("whisper-test") == "not installed" and dialog.row_status("my-whisper") is None
    assert [m.name for m in store.installed()] == ["tiny"]

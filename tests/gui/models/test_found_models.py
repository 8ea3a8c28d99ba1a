"""The model manager and the model picker with models already in the Hugging Face cache, and the
Hugging Face settings a download uses (issue 28): found models listed and used in place, with no
request to the (fake) Hub; HF_ENDPOINT, HF_TOKEN (never the token itself), HF_HUB_OFFLINE and the
cache folder shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.settings import load_settings
from desktop.gui.models.model_list import COLUMNS, FOUND, FOUND_TEXT, format_parameters
from desktop.gui.models.model_manager import CATALOG, ModelManagerDialog
from desktop.gui.models.model_picker import ModelPicker
from desktop.ml.models.catalog import Catalog
from desktop.ml.models.hub_env import hub_cache_dir
from desktop.ml.models.manifest import human_bytes
from desktop.ml.models.random_model import place_in_hf_cache
from desktop.ml.models.store import ModelStore
from tests.fake_hub import FakeHub

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

SMALL = "flan-t5-small"
#: A T5 that is not in the catalog, as another program might have left it in the cache.
OTHER = "acme/t5-meeting-notes"
REVISION = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def cached(tiny_model_dir: Path) -> Path:
    """The tiny model in this test's Hugging Face cache under flan-t5-small's hub id and another."""
    entry = Catalog.load().get(SMALL)
    assert entry is not None
    cache = hub_cache_dir()[0]
    place_in_hf_cache(tiny_model_dir, cache, OTHER, REVISION)
    return place_in_hf_cache(tiny_model_dir, cache, entry.hub_id, REVISION)


@pytest.fixture
def dialog(qtbot: QtBot) -> Iterator[ModelManagerDialog]:
    d = ModelManagerDialog()
    qtbot.addWidget(d)
    d.resize(900, 560)
    d.show()
    yield d
    if d.task is not None:
        d.task.kill()
        d.task.wait(10)


def test_a_cached_flan_t5_is_found_and_nothing_is_downloaded(cached: Path, dialog: ModelManagerDialog,
                                                              monkeypatch: pytest.MonkeyPatch, tiny_model_dir: Path) -> None:
    assert dialog.row_status(SMALL) == FOUND_TEXT
    assert dialog.row_status("flan-t5-base") == "not installed"
    # The catalog's row says where the copy is; Download says there is nothing to download.
    assert dialog.select(CATALOG, SMALL)
    assert not dialog.download_button.isEnabled() and dialog.download_button.text() == "No download needed"
    assert str(cached) in dialog.download_button.toolTip()
    assert str(cached) in (dialog.tree.row_tooltip(SMALL, 3) or "")
    assert dialog.quantize_button.isEnabled()  # its int8 version can be built, into the store's derived/
    assert not dialog.remove_button.isEnabled()  # the Hugging Face cache is never changed
    # A T5 that is not in the catalog gets a row of its own, under its hub id.
    assert dialog.row_status(OTHER) == FOUND_TEXT
    assert dialog.select(FOUND, OTHER)
    item = dialog.tree.currentItem()
    found = ModelStore().find_cached(OTHER)
    assert found is not None and found.path != cached
    assert item.text(1) == format_parameters(found.parameters) and item.text(2) == human_bytes(found.size_bytes)
    assert "Hugging Face cache, revision 0123456789ab" in item.text(COLUMNS.index("Description"))
    assert not dialog.download_button.isEnabled() and dialog.quantize_button.isEnabled()
    # Asked to download anyway, it says so and the Hub hears nothing.
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with FakeHub() as hub:
        entry = Catalog.load().get(SMALL)
        assert entry is not None
        hub.add_folder(entry.hub_id, entry.revision, tiny_model_dir)
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        dialog.download(SMALL)
        assert dialog.task is None
        assert "already on this computer" in dialog.message.text() and "nothing is downloaded" in dialog.message.text()
        assert hub.requests == []
    assert not (ModelStore().root / SMALL).exists()  # and no copy


def test_a_model_in_the_store_wins_over_the_cached_one(cached: Path, dialog: ModelManagerDialog, tiny_model_dir: Path) -> None:
    ModelStore().import_folder(tiny_model_dir, SMALL)
    dialog.refresh()
    assert dialog.row_status(SMALL) == "installed"
    assert dialog.select(CATALOG, SMALL) and dialog.download_button.text() == "Download"
    assert dialog.remove_button.isEnabled()


def test_without_a_cache_the_catalog_is_as_before(dialog: ModelManagerDialog) -> None:
    assert dialog.row_status(SMALL) == "not installed" and dialog.row_status(OTHER) is None
    assert dialog.select(CATALOG, SMALL) and dialog.download_button.isEnabled()
    assert dialog.download_button.text() == "Download"


def test_the_hub_settings_are_shown_and_the_token_never(dialog: ModelManagerDialog, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    dialog.refresh()
    text = dialog.hub.text()
    assert "Models download from the Hugging Face Hub (https://huggingface.co)." in text
    assert "No Hugging Face token is set" in text and "Offline mode" not in text
    assert str(hub_cache_dir()[0]) in text
    secret = "hf_" + "s3cr3t" * 6
    cache = tmp_path / "elsewhere"
    monkeypatch.setenv("HF_ENDPOINT", "https://hf-mirror.example.org/")
    monkeypatch.setenv("HF_TOKEN", secret)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    dialog.hide()
    dialog.show()  # shown again: the settings are read again, as the next download reads them
    text = dialog.hub.text()
    assert "Models download from the mirror https://hf-mirror.example.org (HF_ENDPOINT)." in text
    assert "A Hugging Face token is set (HF_TOKEN) and is sent with downloads." in text
    assert "Offline mode is on (HF_HUB_OFFLINE)" in text
    assert str(cache) in text
    shown = [dialog.hub.text(), dialog.hub.toolTip(), dialog.where.text(), dialog.message.text()]
    shown += [dialog.tree.currentItem().toolTip(c) for c in range(6)] if dialog.tree.currentItem() else []
    assert not any(secret in s for s in shown)


def test_the_picker_offers_found_models_and_jobs_get_their_name(cached: Path, qtbot: QtBot) -> None:
    picker = ModelPicker()
    qtbot.addWidget(picker)
    settings = load_settings()
    settings.model = SMALL
    picker.refresh(settings)
    assert picker.installed_count == 2  # nothing installed, two models found: no "get a model" banner
    assert picker.current_name() == SMALL and picker.currentText() == SMALL  # not "(not installed)"
    assert picker.current_kind() == "found"
    assert OTHER in picker.names()
    assert picker.spec_overrides() == {"model": SMALL, "engine": "auto"}
    # That name resolves to the cached snapshot, with no copy (what the job's loader does with it).
    ref = ModelStore().resolve(SMALL)
    assert ref.path == cached and ref.revision == REVISION

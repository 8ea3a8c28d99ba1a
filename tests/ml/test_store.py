"""The model store: import, list, resolve (name, folder, adapter), derived files, remove, adapters."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from desktop.core.errors import EngineError, InvalidModel, ModelNotFound
from desktop.core.events import Progress
from desktop.ml.models.adapters import AdapterManifest
from desktop.ml.models.manifest import MANIFEST, MARKER
from desktop.ml.models.store import ModelStore


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "store")


def test_default_root_follows_settings_and_precis_home(_precis_home: Path) -> None:
    assert ModelStore().root == _precis_home / "data" / "models"


def test_import_copies_only_model_files_with_checksums(store: ModelStore, tiny_model_dir: Path, tmp_path: Path) -> None:
    src = Path(shutil.copytree(tiny_model_dir, tmp_path / "src"))
    (src / "pytorch_model.bin").write_bytes(b"pickle")
    (src / "README.md").write_text("hello")
    events: list[Progress] = []
    model = store.import_folder(src, "mine", on_progress=events.append)
    assert model.name == "mine" and model.source == "import" and model.complete
    assert model.revision.startswith("import-")
    files = sorted(p.name for p in model.path.iterdir())
    assert "pytorch_model.bin" not in files and "README.md" not in files
    assert {"model.safetensors", "spiece.model", "tokenizer.json", "config.json", MANIFEST, MARKER} <= set(files)
    manifest = json.loads((model.path / MANIFEST).read_text())
    weights = manifest["files"]["model.safetensors"]
    assert weights["sha256"] == hashlib.sha256((src / "model.safetensors").read_bytes()).hexdigest()
    assert manifest["source"] == "import" and manifest["name"] == "mine"
    assert events and events[-1].done == events[-1].total == model.size_bytes
    assert [m.name for m in store.installed()] == ["mine"]
    assert not any((store.root / ".partial").iterdir())
    # Same weights, same revision: caches keyed on it survive a re-import.
    again = store.import_folder(src, "mine", replace=True)
    assert again.revision == model.revision


def test_import_refuses_existing_name_and_bad_names(store: ModelStore, tiny_model_dir: Path) -> None:
    store.import_folder(tiny_model_dir, "mine")
    with pytest.raises(EngineError, match="already installed"):
        store.import_folder(tiny_model_dir, "mine")
    for bad in ("../up", "derived", ".hidden", "a/b"):
        with pytest.raises(EngineError, match="cannot be used"):
            store.import_folder(tiny_model_dir, bad)


def test_import_of_pickle_only_folder_leaves_nothing(store: ModelStore, tiny_model_dir: Path, tmp_path: Path) -> None:
    src = Path(shutil.copytree(tiny_model_dir, tmp_path / "pickled"))
    (src / "model.safetensors").unlink()
    (src / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(InvalidModel, match="only PyTorch pickle weights"):
        store.import_folder(src)
    assert store.installed() == [] and not (store.root / "pickled").exists()


def test_incomplete_folders_are_never_installed(store: ModelStore, tiny_model_dir: Path) -> None:
    partial = store.root / ".partial" / "half"
    partial.mkdir(parents=True)
    (partial / "model.safetensors.part").write_bytes(b"x" * 10)
    unmarked = Path(shutil.copytree(tiny_model_dir, store.root / "copied"))
    assert store.installed() == []
    assert not store.is_installed("half") and not store.is_installed("copied")
    assert store.partial_bytes("half") == 10
    listed = store.installed(include_incomplete=True)
    assert [(m.name, m.complete) for m in listed] == [("copied", False)]
    # A folder in the store without a marker still resolves as a plain model folder by path.
    assert store.resolve(str(unmarked)).path == unmarked.resolve()


def test_resolve_by_name_and_by_folder(store: ModelStore, tiny_model_dir: Path) -> None:
    model = store.import_folder(tiny_model_dir, "mine")
    ref = store.resolve("mine")
    assert (ref.name, ref.path, ref.revision, ref.adapter_path) == ("mine", model.path, model.revision, None)
    by_dir = store.resolve(str(tiny_model_dir))
    assert by_dir.name == tiny_model_dir.name and by_dir.path == tiny_model_dir.resolve()
    assert by_dir.revision.startswith("local-") and store.resolve(tiny_model_dir).revision == by_dir.revision
    assert store.resolve(str(model.path)).revision == model.revision  # a store folder keeps its manifest's revision


def test_resolve_unknown_names_say_what_to_do(store: ModelStore, tiny_model_dir: Path) -> None:
    store.import_folder(tiny_model_dir, "mine")
    with pytest.raises(ModelNotFound) as info:
        store.resolve("nonesuch")
    assert "installed: mine" in info.value.message and "precis-cli models download flan-t5-base" in info.value.message
    with pytest.raises(ModelNotFound, match=r"flan-t5-small is not downloaded yet.*models download flan-t5-small"):
        store.resolve("flan-t5-small")


def _make_adapter(folder: Path, base_dir: Path, base_name: str, base_revision: str) -> Path:
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import T5ForConditionalGeneration

    base = T5ForConditionalGeneration.from_pretrained(base_dir)
    peft_model = get_peft_model(base, LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=2, target_modules=["q", "v"]))
    peft_model.save_pretrained(folder, safe_serialization=True)
    AdapterManifest(folder.name, base_name, base_revision, metrics={"rougeL": 0.31}).write(folder)
    return folder


def test_adapters_resolve_rename_export_delete(store: ModelStore, tiny_model_dir: Path, tmp_path: Path) -> None:
    base = store.import_folder(tiny_model_dir, "mine")
    folder = _make_adapter(store.adapter_dir("meetings"), tiny_model_dir, "mine", base.revision)
    [info] = store.list_adapters()
    assert (info.name, info.base_model, info.metrics) == ("meetings", "mine", {"rougeL": 0.31})

    ref = store.resolve("meetings")
    assert (ref.name, ref.path, ref.revision) == ("mine", base.path, base.revision)
    assert ref.adapter_path == folder.resolve() and ref.adapter_id and ref.adapter_id.startswith("lora-")
    assert ref.slug != store.resolve("mine").slug
    assert store.resolve(str(folder)).adapter_id == ref.adapter_id  # an adapter folder by path

    store.rename_adapter("meetings", "minutes")
    assert [a.name for a in store.list_adapters()] == ["minutes"]
    assert store.resolve("minutes").adapter_id == ref.adapter_id  # content, not name
    assert AdapterManifest.read(store.adapter_dir("minutes")).name == "minutes"  # type: ignore[union-attr]

    zipped = store.export_adapter("minutes", tmp_path / "out" / "minutes.zip")
    with zipfile.ZipFile(zipped) as zf:
        assert "minutes/adapter_model.safetensors" in zf.namelist()
    copied = store.export_adapter("minutes", tmp_path / "copy")
    assert (copied / "adapter_config.json").is_file()
    with pytest.raises(EngineError, match="already exists"):
        store.export_adapter("minutes", tmp_path / "copy")

    derived = store.derived_dir(store.resolve("minutes"), "onnx", "int8", 1)
    derived.mkdir()
    store.delete_adapter("minutes")
    assert store.list_adapters() == [] and not derived.exists()
    assert store.is_installed("mine")
    with pytest.raises(ModelNotFound, match="no fine-tuned adapter called minutes"):
        store.delete_adapter("minutes")


def test_adapter_for_another_base_revision_is_refused(store: ModelStore, tiny_model_dir: Path) -> None:
    store.import_folder(tiny_model_dir, "mine")
    _make_adapter(store.adapter_dir("old"), tiny_model_dir, "mine", "import-0000000000000000")
    with pytest.raises(ModelNotFound, match="another version of mine"):
        store.resolve("old")


def test_remove_deletes_model_and_its_derived_files_only(store: ModelStore, tiny_model_dir: Path) -> None:
    store.import_folder(tiny_model_dir, "one")
    store.import_folder(tiny_model_dir, "two")
    one, two = store.resolve("one"), store.resolve("two")
    d1 = store.derived_dir(one, "ctranslate2", "int8", 3)
    d2 = store.derived_dir(two, "ctranslate2", "int8", 3)
    assert d1.parent.name == one.slug and d1.name == "ctranslate2-int8-3"
    d1.mkdir()
    d2.mkdir()
    store.remove("one")
    assert [m.name for m in store.installed()] == ["two"]
    assert not d1.parent.exists() and d2.is_dir()
    assert not any((store.root / ".trash").iterdir())
    with pytest.raises(ModelNotFound, match=r"No model called one is installed \(installed: two\)"):
        store.remove("one")


def test_remove_clears_an_unfinished_download(store: ModelStore) -> None:
    partial = store.root / ".partial" / "flan-t5-small"
    partial.mkdir(parents=True)
    (partial / "model.safetensors.part").write_bytes(b"x")
    store.remove("flan-t5-small")
    assert not partial.exists()

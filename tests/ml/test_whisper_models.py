"""Whisper models like FLAN-T5: the random test model has the real vocabulary and layout, the
catalog pins every file, downloads check them, imports take them, and a job finds the model."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from desktop.core import paths
from desktop.core.errors import DownloadError, InvalidModel
from desktop.ml.models.catalog import Catalog, CatalogEntry, CatalogError
from desktop.ml.models.download import download
from desktop.ml.models.manifest import ModelManifest
from desktop.ml.models.random_whisper import EOT, SOT, TRANSCRIBE, whisper_dir
from desktop.ml.models.store import ModelStore
from desktop.ml.models.transcriber import recording_options
from desktop.ml.models.whisper_validate import TRANSCRIBER_FILES, validate_whisper_dir
from tests.fake_hub import FakeHub

pytestmark = pytest.mark.xdist_group("recordings")
REVISION = "fedcba9876543210fedcba9876543210fedcba98"


def test_the_random_model_is_laid_out_like_systrans_with_the_real_vocabulary(whisper_model_dir: Path) -> None:
    from faster_whisper import WhisperModel

    assert {p.name for p in whisper_model_dir.iterdir()} == {
        "model.bin", "config.json", "tokenizer.json", "vocabulary.json", "preprocessor_config.json"}
    assert (whisper_model_dir / "tokenizer.json").read_bytes() == (whisper_dir() / "tokenizer.json").read_bytes()
    config = json.loads((whisper_model_dir / "config.json").read_text())
    assert config["lang_ids"] == list(range(50259, 50358))  # 99 languages, in Whisper's order
    assert 220 in config["suppress_ids_begin"] and EOT in config["suppress_ids_begin"]
    assert len(json.loads((whisper_model_dir / "vocabulary.json").read_text())) == 51865
    pre = json.loads((whisper_model_dir / "preprocessor_config.json").read_text())
    assert pre["feature_size"] == 80 and pre["sampling_rate"] == 16000 and pre["n_fft"] == 400
    with np.load(whisper_dir() / "mel_filters.npz") as real:
        assert np.allclose(np.array(pre["mel_filters"]).T, real["mel_80"], atol=1e-7)
    info = validate_whisper_dir(whisper_model_dir)
    assert info.spec == "WhisperSpec" and info.multilingual and info.mel_bins == 80
    model = WhisperModel(str(whisper_model_dir), device="cpu", compute_type="int8", cpu_threads=1)
    assert model.model.is_multilingual and model.model.n_mels == 80
    assert model.hf_tokenizer.token_to_id("<|startoftranscript|>") == SOT
    assert model.hf_tokenizer.token_to_id("<|transcribe|>") == TRANSCRIBE


def test_folders_that_are_not_a_whisper_model_are_refused(tmp_path: Path, tiny_model_dir: Path,
                                                          whisper_model_dir: Path) -> None:
    with pytest.raises(InvalidModel, match="no model.bin"):
        validate_whisper_dir(tiny_model_dir)
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "tokenizer.json"):
        (broken / name).write_bytes((whisper_model_dir / name).read_bytes())
    (broken / "model.bin").write_bytes(b"\x80\x04\x95pickle, not CTranslate2")
    with pytest.raises(InvalidModel, match="not a CTranslate2 model"):
        validate_whisper_dir(broken)


def test_the_catalog_offers_whisper_sizes_with_every_file_pinned() -> None:
    catalog = Catalog.load()
    names = [e.name for e in catalog.of_kind("transcriber")]
    assert names == ["whisper-tiny", "whisper-base", "whisper-small", "whisper-large-v3"]
    assert catalog.default_transcriber == "whisper-base" and catalog.default_name == "flan-t5-base"
    for entry in catalog.of_kind("transcriber"):
        assert entry.license == "MIT" and entry.format == "ctranslate2" and entry.hub_id.startswith("Systran/")
        assert set(entry.files) >= {"model.bin", "config.json", "tokenizer.json"}
        assert set(entry.files) == {name for name, _sha in entry.checksums}  # every file pinned
    assert "preprocessor_config.json" in catalog.get("whisper-large-v3").files  # 128 mel bins


@pytest.mark.parametrize(("mutate", "needle"), [
    (lambda e: e.update(kind="speaker"), "kinds are"),
    (lambda e: e.update(format="pickle"), "formats are"),
    (lambda e: e["files"][0].update(sha256="abc"), "64-hex"),
    (lambda e: e["files"][0].update(name="../model.bin"), "plain"),
])
def test_malformed_pins_name_the_problem(tmp_path: Path, mutate, needle: str) -> None:
    data = json.loads(paths.catalog_path().read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    mutate(next(m for m in data["models"] if m["name"] == "whisper-base"))
    (tmp_path / "c.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogError, match=needle):
        Catalog.load(tmp_path / "c.json")


def _pins(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _entry(folder: Path, pins: dict[str, str] | None = None, **changes) -> CatalogEntry:
    pins = _pins(folder) if pins is None else pins
    fields = {"name": "whisper-test", "hub_id": "precis-test/faster-whisper-test", "revision": REVISION,
              "parameters": 1, "download_bytes": sum(p.stat().st_size for p in folder.iterdir()), "license": "MIT",
              "description": "test", "backends": {"ctranslate2": ("int8",)}, "kind": "transcriber",
              "format": "ctranslate2", "files": tuple(pins), "checksums": tuple(sorted(pins.items()))}
    return CatalogEntry(**{**fields, **changes})


@pytest.fixture
def hub(whisper_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    with FakeHub() as fake:
        fake.add_folder("precis-test/faster-whisper-test", REVISION, whisper_model_dir,
                        {"README.md": b"# test", ".gitattributes": b"*.bin lfs"})
        yield fake


def test_a_pinned_whisper_downloads_exactly_its_files_and_verifies_them(hub: FakeHub, tmp_path: Path,
                                                                        whisper_model_dir: Path) -> None:
    store = ModelStore(tmp_path / "store")
    model = download(_entry(whisper_model_dir), store, endpoint=hub.url)
    assert model.kind == "transcriber" and store.get("whisper-test").kind == "transcriber"
    # Never asked the text self-check's prompts; its manifest says so and why.
    record = ModelManifest.read(model.path).self_check  # type: ignore[union-attr]
    assert record["applies"] is False and "speech-to-text" in record["why"] and "reference" not in record
    got = {p.name for p in model.path.iterdir() if not p.name.startswith(".")} - {"precis-model.json"}
    assert got == {p.name for p in whisper_model_dir.iterdir()}
    assert hub.fetches_of("README.md") == 0
    options = recording_options("whisper-test", store_root=store.root)
    assert options.model_dir == str(model.path) and options.model_id == f"whisper-test@{REVISION[:16]}"


def test_a_file_that_is_not_the_pinned_one_is_refused(hub: FakeHub, tmp_path: Path, whisper_model_dir: Path) -> None:
    store = ModelStore(tmp_path / "store")
    pins = _pins(whisper_model_dir)
    with pytest.raises(DownloadError, match="not the file the catalog pins"):  # the Hub's LFS checksum disagrees
        download(_entry(whisper_model_dir, {**pins, "model.bin": "0" * 64}), store, endpoint=hub.url)
    with pytest.raises(DownloadError, match="checksum did not match"):  # checked on the bytes themselves
        download(_entry(whisper_model_dir, {**pins, "config.json": "0" * 64}), store, endpoint=hub.url)
    with pytest.raises(DownloadError, match="lists no vocabulary.txt"):
        download(_entry(whisper_model_dir, {**pins, "vocabulary.txt": "1" * 64}), store, endpoint=hub.url)
    assert not store.installed(include_incomplete=True)


def test_a_converted_whisper_folder_imports_like_flan_t5(tmp_path: Path, whisper_model_dir: Path) -> None:
    src = tmp_path / "faster-whisper-mine"
    src.mkdir()
    for p in whisper_model_dir.iterdir():
        (src / p.name).write_bytes(p.read_bytes())
    (src / "README.md").write_text("notes", encoding="utf-8")
    store = ModelStore(tmp_path / "store")
    model = store.import_folder(src)
    assert model.kind == "transcriber" and model.source == "import"
    assert {p.name for p in model.path.iterdir() if p.name in TRANSCRIBER_FILES} == {p.name for p in whisper_model_dir.iterdir()}
    assert not (model.path / "README.md").exists()
    assert recording_options("faster-whisper-mine", store_root=store.root).model_dir == str(model.path)


def test_a_job_is_told_how_to_get_a_missing_model(tmp_path: Path, tiny_model_dir: Path, whisper_model_dir: Path) -> None:
    store = ModelStore(tmp_path / "store")
    missing = recording_options("whisper-base", store_root=store.root)
    assert missing.model_dir is None and "`precis-cli models download whisper-base` (about 147.9 MB)" in missing.missing
    unknown = recording_options("whisper-huge", store_root=store.root)
    assert "no Whisper model called 'whisper-huge'" in unknown.missing
    store.import_folder(tiny_model_dir, "flan-mine")
    assert "is not a Whisper model" in recording_options("flan-mine", store_root=store.root).missing
    folder = recording_options(str(whisper_model_dir), store_root=store.root, language="transcribe", spoken="de")
    assert folder.model_dir == str(whisper_model_dir.resolve()) and folder.model_id.startswith("whisper-test@local-")
    assert folder.language == "transcribe" and folder.spoken == "de"


def test_the_settings_give_the_options_a_job_reads_with(tmp_path: Path, whisper_model_dir: Path) -> None:
    from desktop.core.settings import Settings
    from desktop.ml.models.transcriber import settings_recording_options

    settings = Settings(model_store=str(tmp_path / "store"), recording_model=str(whisper_model_dir),
                        recording_language="transcribe", max_recording_hours=2.5)
    options = settings_recording_options(settings)
    assert options.model_dir == str(whisper_model_dir.resolve()) and options.language == "transcribe"
    assert settings.limits().max_recording_seconds == 9000
    assert Settings.from_dict({"recording_language": "paraphrase", "max_recording_hours": "x"}).recording_language == "translate"

"""The FLAN-T5 entries' pinned checksums: well formed, where the download uses them, matching the
real shared tokenizer bytes, recorded in models/PROVENANCE.md, and enforced against a Hub that
serves other files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from desktop.core import paths
from desktop.core.errors import DownloadError
from desktop.ml.models.catalog import Catalog, CatalogError
from desktop.ml.models.download import download
from desktop.ml.models.manifest import is_model_file
from desktop.ml.models.random_model import shared_dir
from desktop.ml.models.store import ModelStore
from tests.fake_hub import FakeHub

CATALOG = Catalog.load()
FLAN = [e for e in CATALOG.of_kind("summarizer") if e.hub_id.startswith("google/flan-t5-")]
PINNED = [e for e in FLAN if e.checksums]
PROVENANCE = paths.catalog_path().parent / "PROVENANCE.md"


def test_the_pinned_entries_pin_weights_and_tokenizer() -> None:
    assert [e.name for e in PINNED] == ["flan-t5-small", "flan-t5-base", "flan-t5-large"]
    for entry in PINNED:
        assert entry.checksum("model.safetensors") and entry.checksum("spiece.model"), entry.name
        assert not entry.files  # the default T5 file set is kept: pins only add checksums


@pytest.mark.parametrize("entry", FLAN, ids=lambda e: e.name)
def test_every_pin_is_a_sha256_of_a_file_the_download_takes(entry) -> None:  # type: ignore[no-untyped-def]
    for name, sha in entry.checksums:
        assert len(sha) == 64 and set(sha) <= set("0123456789abcdef"), (entry.name, name)
        assert is_model_file(name), (entry.name, name)  # a pin on a file never fetched would check nothing


@pytest.mark.parametrize("entry", FLAN, ids=lambda e: e.name)
def test_every_pin_is_in_the_provenance_notes(entry) -> None:  # type: ignore[no-untyped-def]
    """Each checksum appears in models/PROVENANCE.md, in that model's section, with its sources."""
    raw = next(m for m in json.loads(paths.catalog_path().read_text(encoding="utf-8"))["models"]
               if m["name"] == entry.name)
    assert "pins_source" in raw
    notes = PROVENANCE.read_text(encoding="utf-8")
    section = notes.split(f"### {entry.name} @ {entry.revision[:8]}")[1].split("\n### ")[0]
    for name, sha in entry.checksums:
        assert f"| {name} |" in section and sha in section, (entry.name, name)


@pytest.mark.parametrize("entry", PINNED, ids=lambda e: e.name)
def test_the_spiece_pin_is_the_real_tokenizer(entry) -> None:  # type: ignore[no-untyped-def]
    """The shared spiece.model is byte-identical to the Hub's (its README): the pin must be its sha256."""
    real = shared_dir() / "models" / "flan-t5" / "spiece.model"
    if not real.is_file():
        pytest.skip(f"the real FLAN-T5 tokenizer is not at {real} (set PRECIS_SHARED)")
    assert entry.checksum("spiece.model") == hashlib.sha256(real.read_bytes()).hexdigest()


@pytest.mark.parametrize("bad", ["D60ACB128CF7B7F2536E8F38A5B18A05535C9E14C7A355904270E15B0945EA86", "z" * 64, "ab" * 31])
def test_a_malformed_checksum_is_refused(tmp_path: Path, bad: str) -> None:
    data = json.loads(paths.catalog_path().read_text(encoding="utf-8"))
    data["models"][0]["checksums"]["spiece.model"] = bad
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogError, match="64-hex sha256"):
        Catalog.load(path)


def test_a_hub_serving_other_weights_is_refused_before_they_are_fetched(
        tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped flan-t5-small against a Hub whose listing has other weights at the pinned
    revision (here the random tiny model): refused from the listing, no weights downloaded."""
    entry = CATALOG.get("flan-t5-small")
    assert entry is not None
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    store = ModelStore(tmp_path / "store")
    with FakeHub() as hub:
        hub.add_folder(entry.hub_id, entry.revision, tiny_model_dir)
        with pytest.raises(DownloadError, match="not the file the catalog pins"):
            download(entry, store, endpoint=hub.url)
        fetched = [path for path, _ in hub.requests if "/resolve/" in path]
    assert fetched == []
    assert not (store.root / entry.name).exists()

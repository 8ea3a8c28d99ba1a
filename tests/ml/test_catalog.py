"""The checked-in catalog loads, and a malformed one fails with a sentence naming the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from desktop.core import paths
from desktop.ml.models.catalog import Catalog, CatalogError


def _raw() -> dict:
    return json.loads(paths.catalog_path().read_text(encoding="utf-8"))


def test_shipped_catalog_loads() -> None:
    catalog = Catalog.load()
    assert catalog.default.name == "flan-t5-base"
    assert catalog.names()[:2] == ["flan-t5-small", "flan-t5-base"]
    base = catalog.get("flan-t5-base")
    assert base is not None and base.hub_id == "google/flan-t5-base"
    assert len(base.revision) == 40
    assert base.supports("ctranslate2", "int8") and not base.supports("tensorflow")
    assert "lora" in base.finetune
    assert catalog.get("gpt-2") is None and "gpt-2" not in catalog
    assert all(e.download_bytes > 0 and e.parameters > 0 for e in catalog.entries)


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d["models"][0].update(revision="main"), "40-character commit"),
        (lambda d: d["models"][0].pop("hub_id"), "'hub_id'"),
        (lambda d: d["models"][0].update(parameters="77M"), "'parameters'"),
        (lambda d: d["models"][1].update(backends={"onnx": []}), "onnx"),
        (lambda d: d["models"][1].update(name=d["models"][0]["name"]), "more than once"),
        (lambda d: d.update(default="flan-t5-huge"), "default"),
        (lambda d: d.update(schema=2), "schema"),
        (lambda d: d.update(models=[]), "at least one model"),
        (lambda d: d["models"][0].update(name="../evil"), "folder name"),
    ],
)
def test_malformed_catalog_names_the_problem(tmp_path: Path, mutate, needle: str) -> None:
    data = copy.deepcopy(_raw())
    mutate(data)
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        Catalog.load(path)
    assert needle in info.value.message


def test_unreadable_catalog(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="missing"):
        Catalog.load(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogError, match="could not be read"):
        Catalog.load(bad)

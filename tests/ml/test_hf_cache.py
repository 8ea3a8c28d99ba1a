"""Models found in the Hugging Face cache: listed, resolved and used where they are, never copied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.core.errors import ModelNotFound
from desktop.ml.models.hf_cache import find_cached_models
from desktop.ml.models.hub_env import hub_environment
from desktop.ml.models.random_model import place_in_hf_cache
from desktop.ml.models.store import ModelStore

REV = "7bcac572ce56db69c1ea7c8af255c5d7c9672fc2"
OLD = "1111111111111111111111111111111111111111"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "hf" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(folder))
    return folder


def test_the_layout_is_huggingface_hubs_own(tiny_model_dir: Path, cache: Path) -> None:
    """What the tests lay out is what huggingface_hub reads as a cached download."""
    from huggingface_hub import scan_cache_dir, try_to_load_from_cache

    snapshot = place_in_hf_cache(tiny_model_dir, cache, "google/flan-t5-base", REV)
    [repo] = scan_cache_dir(cache).repos
    assert repo.repo_id == "google/flan-t5-base" and repo.repo_type == "model"
    [revision] = repo.revisions
    assert revision.commit_hash == REV and revision.refs == frozenset({"main"})
    assert try_to_load_from_cache("google/flan-t5-base", "model.safetensors", cache_dir=cache) == str(
        snapshot / "model.safetensors")


def test_a_cached_flan_t5_is_found_and_resolved_in_place(tiny_model_dir: Path, cache: Path, tmp_path: Path) -> None:
    snapshot = place_in_hf_cache(tiny_model_dir, cache, "google/flan-t5-base", REV)
    place_in_hf_cache(tiny_model_dir, cache, "someone/t5-finetune", OLD)
    store = ModelStore(tmp_path / "store")
    found = store.found_models()
    assert [(f.name, f.hub_id, f.revision, f.refs) for f in found] == [
        ("flan-t5-base", "google/flan-t5-base", REV, ("main",)),
        ("someone/t5-finetune", "someone/t5-finetune", OLD, ("main",)),
    ]
    assert found[0].path == snapshot and found[0].size_bytes > 8_000_000 and found[0].parameters > 0
    for name in ("flan-t5-base", "google/flan-t5-base"):
        ref = store.resolve(name)
        assert (ref.name, ref.path, ref.revision) == ("flan-t5-base", snapshot, REV)
    assert store.resolve("someone/t5-finetune").path.parent.name == "snapshots"
    assert store.installed() == []  # nothing was copied into the store
    assert not any((store.root).iterdir()) or all(p.name == "derived" for p in store.root.iterdir())


def test_refs_main_wins_and_broken_or_partial_snapshots_are_skipped(tiny_model_dir: Path, cache: Path) -> None:
    place_in_hf_cache(tiny_model_dir, cache, "google/flan-t5-small", OLD)
    newer = place_in_hf_cache(tiny_model_dir, cache, "google/flan-t5-small", REV)
    # A download that stopped half way: the config arrived, the weights did not.
    partial = cache / "models--google--flan-t5-small" / "snapshots" / ("2" * 40)
    partial.mkdir()
    os.symlink(newer / "config.json", partial / "config.json")
    (cache / "models--google--flan-t5-small" / "refs" / "main").write_text("2" * 40)
    [found] = find_cached_models(cache)
    assert found.revision in (OLD, REV) and found.refs == ()
    # A blob removed by hand leaves a broken link: that snapshot is not offered either.
    (newer / "model.safetensors").unlink()
    (newer / "model.safetensors").symlink_to(Path("..") / ".." / "blobs" / ("0" * 64))
    (cache / "models--google--flan-t5-small" / "refs" / "main").write_text(REV)
    [found] = find_cached_models(cache)
    assert found.revision == OLD


def test_pickle_only_and_non_t5_repos_are_not_offered(tiny_model_dir: Path, cache: Path, tmp_path: Path) -> None:
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    for name in ("config.json", "tokenizer.json"):
        (pickled / name).write_bytes((tiny_model_dir / name).read_bytes())
    (pickled / "pytorch_model.bin").write_bytes(b"pickle")
    place_in_hf_cache(pickled, cache, "someone/pickled-t5", REV)
    bert = tmp_path / "bert"
    bert.mkdir()
    (bert / "config.json").write_text('{"model_type": "bert"}')
    place_in_hf_cache(bert, cache, "someone/bert", REV)
    assert find_cached_models(cache) == []
    with pytest.raises(ModelNotFound):
        ModelStore(tmp_path / "store").resolve("someone/pickled-t5")


def test_the_store_wins_over_the_cache(tiny_model_dir: Path, cache: Path, tmp_path: Path) -> None:
    place_in_hf_cache(tiny_model_dir, cache, "google/flan-t5-base", REV)
    store = ModelStore(tmp_path / "store")
    store.import_folder(tiny_model_dir, "flan-t5-base")
    assert store.resolve("flan-t5-base").path == store.root / "flan-t5-base"


def test_the_environment_is_read_when_asked_and_the_token_never_shown(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    env = hub_environment()
    assert env.endpoint == "https://huggingface.co" and env.endpoint_from is None
    assert env.offline and env.offline_from == "HF_HUB_OFFLINE"  # conftest turns it on
    assert env.token_from is None and env.cache_dir == Path(os.environ["HF_HOME"]) / "hub"
    monkeypatch.setenv("HF_ENDPOINT", "https://mirror.example/")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_TOKEN", "hf_SecretValue")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "c"))
    env = hub_environment()
    assert (env.endpoint, env.endpoint_from, env.offline, env.token_from) == (
        "https://mirror.example", "HF_ENDPOINT", False, "HF_TOKEN")
    assert env.cache_dir == tmp_path / "c" and env.cache_from == "HF_HUB_CACHE"
    text = "\n".join(env.lines()) + repr(env) + str(env.as_dict())
    assert "hf_SecretValue" not in text
    assert env.lines()[0] == "Models download from the mirror https://mirror.example (HF_ENDPOINT)."
    assert "A Hugging Face token is set (HF_TOKEN) and is sent with downloads." in env.lines()

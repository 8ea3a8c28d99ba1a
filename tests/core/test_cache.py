"""The summary cache: keyed by everything that shapes an output, persistent, and never fatal when its
database is damaged or locked by another Precis."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.core import paths
from desktop.core.cache import SummaryCache, cache_key
from desktop.ml.engine.job import JobSpec, run_job
from desktop.ml.models.store import ModelStore

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def test_outputs_persist_across_instances(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    cache = SummaryCache(db)
    assert cache.get("k") is None and cache.misses == 1
    cache.put("k", "summary one", "meeting.map@1")
    cache.put_many([("k2", "two", "t"), ("k3", "three", "t")])
    cache.close()
    again = SummaryCache(db)
    assert again.get("k") == "summary one" and again.hits == 1
    assert len(again) == 3 and again.notices == []
    again.close()


def test_memory_only_cache_works_without_a_file() -> None:
    cache = SummaryCache(None)
    cache.put("k", "v")
    assert cache.get("k") == "v" and len(cache) == 1


def test_every_part_of_the_key_matters() -> None:
    base = ("tiny@rev|torch|int8", "meeting.map@1", '{"max_new_tokens": 64}', "Alice: hello")
    keys = {cache_key(*base)}
    for i in range(len(base)):
        changed = list(base)
        changed[i] += "x"
        keys.add(cache_key(*changed))
    assert len(keys) == len(base) + 1
    # Parts are length-prefixed: moving text from one part to the next is a different key.
    assert cache_key("ab", "c") != cache_key("a", "bc")


def test_a_corrupt_file_is_set_aside_and_a_fresh_cache_works(tmp_path: Path) -> None:
    db = tmp_path / "summaries.sqlite3"
    db.write_bytes(b"this is not a database" * 200)
    cache = SummaryCache(db)
    assert any("damaged" in n and "set aside" in n for n in cache.notices)
    assert list(tmp_path.glob("summaries.sqlite3.damaged-*"))
    cache.put("k", "v")
    cache.close()
    assert SummaryCache(db).get("k") == "v"


def test_a_cache_locked_before_opening_is_bypassed(tmp_path: Path) -> None:
    db = tmp_path / "summaries.sqlite3"
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN EXCLUSIVE")  # a rollback-journal database: nobody else may even read
    try:
        cache = SummaryCache(db)
        assert any("in use by another Precis window" in n for n in cache.notices)
        cache.put("k", "v")
        assert cache.get("k") == "v"  # kept in memory for this job
    finally:
        other.rollback()
        other.close()


@pytest.fixture()
def tiny_installed(tiny_model_dir: Path) -> str:
    ModelStore().import_folder(tiny_model_dir, "tiny")
    return "tiny"


def test_a_job_completes_while_another_connection_holds_the_write_lock(tiny_installed: str) -> None:
    db = paths.chunk_cache_db()
    seed = SummaryCache(db)  # an existing cache in WAL mode, as Precis leaves it
    seed.put("seed", "x")
    seed.close()
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO outputs VALUES ('other', 'y', '', 0)")
    try:
        spec = JobSpec(paths=[str(SAMPLES / "product-sync-meeting.vtt")], engine="flan-t5", model=tiny_installed,
                       backend="torch", quantization="float32", threads=1, length="short", classify=False)
        digest = run_job(spec).digest
    finally:
        other.rollback()
        other.close()
    assert digest.documents[0].summary and digest.points
    assert any("summary cache" in w for w in digest.warnings), digest.warnings
    assert digest.stats["generated"] > 0

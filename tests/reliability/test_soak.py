"""Soak: one job over a folder of hundreds of documents (the corpus repeated), with the extractive
engine and with the tiny model. Every readable document is summarized, every unreadable one is
reported, and memory does not grow with the number of documents: the job's peak RSS is within
10% of the peak of the same job over its first 50 documents. A second check runs the same job
again and again in one process (as the GUI's worker does) and finds no leak between jobs.

A process's peak RSS is noisy: with the tiny model, the same pair of jobs has measured 168/167 MB
in most runs and 194/230 MB in one, both jobs higher, from allocator and thread timing rather
than from the number of documents. So a pair over the limit is measured once more and the
better pair counts: growth that comes from the documents shows in both, a timing spike rarely
twice. Both attempts are reported.

Short form in CI; ``make soak-long`` runs 600 documents with each engine.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core.errors import DocumentError
from desktop.ml.models.store import ModelStore
from tests.reliability.conftest import LONG
from tests.reliability.probes import PYTHON, REPO, child_env, run_measured

CORPUS_FOLDERS = ("pdf", "docx", "email", "transcript")
#: Allowed growth of the peak RSS beyond that of the first 50 documents (the issue: 10%).
GROWTH = 0.10
ERROR_NAMES = {c.__name__ for c in DocumentError.__subclasses__()}


def soak_folder(corpus: Path, folder: Path, count: int, *, max_bytes: int | None = None, seed: int = 7) -> list[Path]:
    """``count`` links to corpus files: the corpus over and over, each pass in a new shuffled
    order, named so the folder's sorted order is the order they were drawn in."""
    files = sorted(p for f in CORPUS_FOLDERS for p in (corpus / f).rglob("*")
                   if p.is_file() and (max_bytes is None or p.stat().st_size <= max_bytes))
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    links: list[Path] = []
    while len(links) < count:
        batch = files[:]
        rng.shuffle(batch)
        for source in batch[: count - len(links)]:
            link = folder / f"{len(links):04d}-{source.name}"
            os.symlink(source, link)
            links.append(link)
    return links


def run_soak(folder: Path, spec: dict, home: Path, out: Path, repeat: int = 1, timeout: float = 900) -> list[dict]:
    cmd = [PYTHON, "-m", "tests.reliability.soak_runner", str(out), json.dumps(spec), str(folder), str(repeat)]
    # A fixed hash seed: set and dict layouts (the TF-IDF vocabulary) then allocate alike run to run.
    done = run_measured(cmd, timeout=timeout, cwd=REPO, env=child_env(home, PYTHONHASHSEED="0"))
    assert done.rc == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    return json.loads(out.read_text())


def check_accounting(job: dict, links: list[Path]) -> dict:
    """Each file is summarized or reported, exactly once, and every copy of a file fares alike."""
    read = set(job["documents"])
    failed = {e["path"] for e in job["errors"]}
    assert read.isdisjoint(failed) and read | failed == {str(p) for p in links}
    assert {e["error"] for e in job["errors"]} <= ERROR_NAMES
    missing = read - set(job["digest_paths"])
    assert not missing, sorted(missing)[:5]
    outcome: dict[str, set[bool]] = {}
    for link in links:
        outcome.setdefault(os.readlink(link), set()).add(str(link) in read)
    assert all(len(v) == 1 for v in outcome.values()), [k for k, v in outcome.items() if len(v) > 1]
    return {"documents": len(links), "summarized": len(read), "reported": len(failed),
            "with_text_summary": len(set(job["summarized"]) & read)}


def check_flat(run_pair: Callable[[int], tuple[dict, dict]], label: str, figures) -> dict:
    """Peak RSS of a job against the same job over its first 50 documents, measured up to twice
    (see the module docstring); returns the job of the better attempt for the other checks."""
    attempts: list[tuple[float, dict, dict]] = []
    for attempt in range(2):
        first50, job = run_pair(attempt)
        attempts.append((job["peak_mb"] / first50["peak_mb"] - 1, first50, job))
        if attempts[-1][0] <= GROWTH:
            break
    growth, first50, job = min(attempts, key=lambda a: a[0])
    reading = job["reading"]
    figures(label, peak_first_50_mb=first50["peak_mb"], peak_all_mb=job["peak_mb"], growth_pct=round(100 * growth, 1),
            rss_at_doc_50_mb=reading[49], rss_at_last_doc_mb=reading[-1], seconds=job["seconds"],
            attempts=[f"{f['peak_mb']} -> {j['peak_mb']} MB" for _g, f, j in attempts])
    message = f"peak RSS {job['peak_mb']} MB vs {first50['peak_mb']} MB for the first 50 documents"
    assert growth <= GROWTH, f"{message}: +{100 * growth:.0f}% at {len(reading)} documents, in each of 2 attempts"
    return job


def test_soak_extractive(corpus: Path, tmp_path: Path, figures) -> None:
    count = 600 if LONG else 160
    links = soak_folder(corpus, tmp_path / "all", count)
    first = tmp_path / "first50"
    first.mkdir()
    for link in links[:50]:
        os.symlink(os.readlink(link), first / link.name)
    spec = {"engine": "extractive"}

    def run_pair(attempt: int) -> tuple[dict, dict]:
        [baseline] = run_soak(first, spec, tmp_path / "home", tmp_path / f"first{attempt}.json")
        [job] = run_soak(tmp_path / "all", spec, tmp_path / "home", tmp_path / f"all{attempt}.json")
        return baseline, job

    job = check_flat(run_pair, "soak: extractive RSS", figures)
    counts = check_accounting(job, links)
    assert counts["summarized"] > 0.8 * count
    figures("soak: extractive accounting", **counts)


def test_soak_tiny_model(corpus: Path, tmp_path: Path, tiny_model_dir: Path, figures) -> None:
    """The model path: the tiny random T5 imported into the store, run by CTranslate2."""
    ModelStore().import_folder(tiny_model_dir, "tiny")
    count = 600 if LONG else 100
    # The short form leaves out the multi-megabyte files, whose thousands of chunks would take
    # minutes even with a 2-layer model; the long form takes the whole corpus.
    links = soak_folder(corpus, tmp_path / "all", count, max_bytes=None if LONG else 400_000)
    first = tmp_path / "first50"
    first.mkdir()
    for link in links[:50]:
        os.symlink(os.readlink(link), first / link.name)
    home = Path(os.environ["PRECIS_HOME"])
    spec = {"engine": "flan-t5", "model": "tiny", "backend": "ctranslate2", "quantization": "int8", "device": "cpu",
            "threads": 1, "length": "short", "use_cache": False, "classify": False}

    def run_pair(attempt: int) -> tuple[dict, dict]:
        [baseline] = run_soak(first, spec, home, tmp_path / f"first{attempt}.json")
        [job] = run_soak(tmp_path / "all", spec, home, tmp_path / f"all{attempt}.json")
        return baseline, job

    job = check_flat(run_pair, "soak: tiny model RSS", figures)
    assert job["engine"].startswith("flan-t5") and job["stats"]["backend"] == "ctranslate2"
    counts = check_accounting(job, links)
    assert counts["summarized"] > 0.8 * count
    figures("soak: tiny model accounting", chunks=job["stats"]["chunks"], **counts)


def test_repeated_jobs_in_one_worker_do_not_leak(corpus: Path, tmp_path: Path, figures) -> None:
    """The GUI's worker runs job after job in one process: RSS after the last job is within 10%
    of RSS after the first."""
    repeat = 8 if LONG else 4
    soak_folder(corpus, tmp_path / "docs", 40, max_bytes=400_000)
    jobs = run_soak(tmp_path / "docs", {"engine": "extractive"}, tmp_path / "home", tmp_path / "out.json", repeat=repeat)
    after = [j["after_mb"] for j in jobs]
    figures("soak: repeated jobs in one process", jobs=repeat, rss_after_each_job_mb=after)
    assert max(after[1:]) <= after[0] * (1 + GROWTH), after
    assert all(j["documents"] == jobs[0]["documents"] for j in jobs)


pytestmark = pytest.mark.timeout(1800 if LONG else 600)

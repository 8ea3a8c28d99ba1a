"""Fuzz every reader and the CLI: damaged versions of every corpus file, of documents no test has
seen, and hypothesis-made inputs give a Document or a typed DocumentError, within a time and a
memory bound, and never a traceback.

The short form runs in CI; ``make fuzz-long`` (PRECIS_FUZZ_LONG=1) runs five times the mutations and
over ten times the hypothesis examples.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.errors import DocumentError
from desktop.core.ingest import read_bytes
from desktop.core.ingest.context import ReadContext
from tests.reliability import hypo
from tests.reliability.conftest import LONG
from tests.reliability.heldout import write_heldout
from tests.reliability.mutations import all_mutations
from tests.reliability.probes import MEMORY_BOUND_MB, PYTHON, REPO, child_env, cli, run_measured, time_bound_s
from tests.reliability.runner import cases_for, check_document

SCALE = 5 if LONG else 1
EXAMPLES = 2000 if LONG else 150
pytestmark = pytest.mark.timeout(7200 if LONG else 600)
CORPUS_FOLDERS = ("pdf", "docx", "email", "transcript")
DOCUMENT_FILES = Path(__file__).resolve().parents[1] / "files" / "documents"


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for folder in CORPUS_FOLDERS for p in (corpus / folder).rglob("*") if p.is_file())


def run_fuzz(files: list[Path], scale: int, tmp_path: Path, timeout: float) -> list[dict]:
    """The runner in a child process; fails with the case that hung if it does not finish."""
    out = tmp_path / "results.jsonl"
    cmd = [PYTHON, "-m", "tests.reliability.runner", str(out), str(scale), *map(str, files)]
    try:
        done = run_measured(cmd, timeout=timeout, cwd=REPO, env=child_env(tmp_path / "home"))
    except AssertionError:
        started = [json.loads(line) for line in out.read_text().splitlines() if '"start"' in line]
        raise AssertionError(f"the fuzz runner did not finish; last case started: {started[-1] if started else None}")
    assert done.rc == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert "done" in lines[-1], lines[-3:]
    return [r for r in lines if "outcome" in r]


def check_results(results: list[dict]) -> dict:
    failures = [f"{r['id']}: {r.get('detail', '')}" for r in results if r["outcome"] == "FAIL"]
    assert not failures, "\n\n".join(failures[:5])
    slow = [(r["id"], r["seconds"]) for r in results if r["seconds"] > time_bound_s(r["bytes"], r.get("ocr_pages", 0))]
    assert not slow, slow[:10]
    peak = max(r["peak_mb"] for r in results)
    assert peak < MEMORY_BOUND_MB, [(r["id"], r["peak_mb"]) for r in results if r["peak_mb"] >= MEMORY_BOUND_MB][:5]
    outcomes = Counter(r["outcome"] for r in results)
    worst = max(results, key=lambda r: r["seconds"] / time_bound_s(r["bytes"], r.get("ocr_pages", 0)))
    return {
        "cases": len(results),
        "documents": outcomes["Document"],
        "typed_errors": len(results) - outcomes["Document"],
        "caught_by_net": sum(r["net"] for r in results),
        "outcomes": dict(outcomes.most_common()),
        "max_case_s": max(r["seconds"] for r in results),
        "slowest_vs_bound": f"{worst['seconds']:.2f}s of {time_bound_s(worst['bytes'], worst.get('ocr_pages', 0)):.1f}s "
                            f"({worst['id']})",
        "peak_rss_mb": peak,
        "max_case_growth_mb": max(r["grew_mb"] for r in results),
    }


# ----- deterministic mutations ----------------------------------------------------------------
def test_every_corpus_file_mutated_gives_only_typed_errors(corpus: Path, tmp_path: Path, figures) -> None:
    files = corpus_files(corpus)
    assert len(files) >= 60
    results = run_fuzz(files, SCALE, tmp_path, timeout=3600 if LONG else 420)
    summary = check_results(results)
    mutated = {r["file"] for r in results}
    assert mutated == {str(f) for f in files if f.stat().st_size}  # every file, save the empty one
    figures("fuzz: corpus mutations", files=len(files), **summary)


def test_document_files_mutated_give_only_typed_errors(tmp_path: Path, figures) -> None:
    """Slides, sheets, OpenDocument, RTF, web pages and e-books: the generated and public test
    files of tests/files/documents, damaged like the corpus."""
    files = sorted(p for p in DOCUMENT_FILES.rglob("*") if p.is_file() and p.suffix != ".py" and p.suffix != ".md")
    assert len(files) >= 25
    results = run_fuzz(files, SCALE, tmp_path, timeout=3600 if LONG else 420)
    summary = check_results(results)
    assert {r["file"] for r in results} == {str(f) for f in files}
    figures("fuzz: document formats", files=len(files), **summary)


def test_heldout_documents_read_and_survive_mutation(tmp_path: Path, figures) -> None:
    """Fresh documents in formats written differently from anything the reader tests used."""
    files = write_heldout(tmp_path / "heldout")
    for path in files:
        doc = read_bytes(path.read_bytes(), ReadContext(path=path))
        check_document(doc)
        assert doc.blocks, path.name
    results = run_fuzz(files, 4 * SCALE, tmp_path, timeout=1800 if LONG else 240)
    figures("fuzz: held-out documents", files=len(files), **check_results(results))


# ----- hypothesis -------------------------------------------------------------------------
_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not LONG,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def fuzz_property(kind: str, strategy: st.SearchStrategy[tuple[bytes, str]], figures) -> None:
    """Run one property (a Document or a DocumentError, within the time bound) over ``strategy``
    and report how many examples it tried."""
    tried = [0]

    @_SETTINGS
    @given(strategy)
    def read_one(case: tuple[bytes, str]) -> None:
        data, name = case
        tried[0] += 1
        started = time.perf_counter()
        try:
            check_document(read_bytes(data, ReadContext(path=Path("/nonexistent") / name)))
        except DocumentError:
            pass
        assert time.perf_counter() - started < time_bound_s(len(data)), (kind, name, len(data))

    read_one()
    figures(f"fuzz: hypothesis {kind}", cases=tried[0])


def test_random_bytes(figures) -> None:
    fuzz_property("random bytes", st.tuples(st.binary(max_size=8192), hypo.NAMES), figures)


def test_format_token_soup(figures) -> None:
    fuzz_property("format tokens", st.tuples(hypo.token_soup(), hypo.NAMES), figures)


def test_structured_emails(figures) -> None:
    fuzz_property("emails", st.tuples(hypo.emails(), st.sampled_from(["m.eml", "m.mbox", "m.txt"])), figures)


def test_structured_docx(figures) -> None:
    fuzz_property("docx packages", st.tuples(hypo.docx_packages(), st.just("w.docx")), figures)


def test_structured_office_packages(figures) -> None:
    fuzz_property("office packages", hypo.office_packages(), figures)


def test_structured_pdfs(figures) -> None:
    fuzz_property("pdfs", st.tuples(hypo.pdfs(), st.just("p.pdf")), figures)


def test_structured_transcripts(figures) -> None:
    names = st.sampled_from(["t.vtt", "t.srt", "t.json", "t.txt"])
    fuzz_property("transcripts", st.tuples(hypo.transcripts(), names), figures)


# ----- the CLI ----------------------------------------------------------------------------
def _mutated_folder(corpus: Path, folder: Path, per_file: int, max_bytes: int) -> list[Path]:
    """A few mutations of each corpus file under ``max_bytes``, written to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for f in corpus_files(corpus):
        data = f.read_bytes()
        if not data or len(data) > max_bytes:
            continue
        picks = all_mutations(data, f.name, cases_for(len(data), 1))[:: max(1, cases_for(len(data), 1) // per_file)]
        for i, m in enumerate(picks[:per_file]):
            path = folder / f"{len(out):03d}-{i}-{Path(m.name).name}"
            path.write_bytes(m.data)
            out.append(path)
    return out


def test_cli_in_process_on_mutated_files(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], figures) -> None:
    from desktop.cli import main

    files = _mutated_folder(corpus, tmp_path / "in", per_file=6 if LONG else 2, max_bytes=400_000)
    started = time.monotonic()
    rc = main(["extract", "--format", "json", str(tmp_path / "in")])
    out, err = capsys.readouterr()
    assert rc in (0, 1) and "Traceback" not in err
    result = json.loads(out)
    assert len(result["documents"]) + len(result["errors"]) == len(files)
    assert {e["error"] for e in result["errors"]} <= {c.__name__ for c in DocumentError.__subclasses__()}
    rc = main(["summarize", "--engine", "extractive", "--no-progress", "--format", "json", str(tmp_path / "in")])
    out, err = capsys.readouterr()
    assert rc in (0, 1) and "Traceback" not in err
    digest = json.loads(out)
    assert len(digest["errors"]) == len(result["errors"])
    # Each damaged file alone too: the summarizer sees odd documents one at a time.
    for path in files[:: 3 if LONG else 12]:
        for args in (["extract", str(path)], ["summarize", "--engine", "extractive", "--no-progress", str(path)]):
            rc = main(args)
            _out, err = capsys.readouterr()
            assert rc in (0, 1) and "Traceback" not in err, (args, err[-2000:])
    figures("fuzz: CLI in-process", files=len(files), readable=len(result["documents"]),
            seconds=round(time.monotonic() - started, 1))


def test_cli_subprocess_on_mutated_files(corpus: Path, tmp_path: Path, figures) -> None:
    """The real ``precis-cli`` executable: exit status 0 or 1, no traceback, bounded time and memory."""
    files = _mutated_folder(corpus, tmp_path / "in", per_file=1, max_bytes=100_000)[:: 1 if LONG else 3]
    env = child_env(tmp_path / "home")
    size = sum(p.stat().st_size for p in files)
    runs = []
    for args in (["extract", "--format", "json", *map(str, files)],
                 ["summarize", "--engine", "extractive", "--no-progress", "--format", "json", *map(str, files)],
                 ["summarize", "--engine", "extractive", "--no-progress", str(files[0])]):
        done = run_measured(cli(args), timeout=180, cwd=tmp_path, env=env)
        assert done.rc in (0, 1), done.stderr[-3000:]
        assert "Traceback" not in done.stderr, done.stderr[-3000:]
        json.loads(done.stdout) if "json" in args else None
        assert done.peak_mb < MEMORY_BOUND_MB
        runs.append((round(done.seconds, 1), round(done.peak_mb)))
    assert runs[0][0] < 20 + time_bound_s(size)
    figures("fuzz: CLI subprocess", files=len(files), runs_s_mb=runs)

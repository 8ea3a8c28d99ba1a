"""precis-cli summarize, eval and extract on the shared corpus, with the extractive engine and the tiny T5."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from desktop.cli import main
from desktop.core.digest import Source
from desktop.core.document import Document
from desktop.core.ingest import expand_paths, iter_documents
from desktop.ml.models.store import ModelStore
from tests.ml._digest_checks import assert_valid_source

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"
TINY = ["--engine", "flan-t5", "--model", "tiny", "--backend", "torch", "--quantize", "none", "--threads", "1",
        "--length", "short", "--no-progress"]


def _docs(paths: list[Path]) -> list[Document]:
    return [o.document for o in iter_documents(paths) if o.document is not None]


def _summarize(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    capsys.readouterr()
    code = main(["summarize", *args, "--format", "json"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def _check_json(data: dict, docs: list[Document]) -> None:
    """The documented keys, and every source a real place in the documents read."""
    assert {"title", "overview", "points", "documents", "stats"} <= set(data)
    assert data["title"] and data["overview"] and data["points"]
    assert {"chunks", "seconds", "cache_hits"} <= set(data["stats"])
    for section in ("points", "decisions", "action_items", "asks", "deadlines"):
        for point in data[section]:
            assert point["text"] and point["sources"]
            for source in point["sources"]:
                assert {"path", "locator"} <= set(source)
                assert_valid_source(Source.from_dict(source), docs)
    assert [d["path"] for d in data["documents"]] == [str(d.path) for top in docs for d in top.walk() if d.blocks]
    assert all({"path", "summary"} <= set(d) for d in data["documents"])


@pytest.fixture()
def tiny(tiny_model_dir: Path) -> str:
    ModelStore().import_folder(tiny_model_dir, "tiny")  # the per-test store under PRECIS_HOME
    return "tiny"


def test_summarizing_loads_no_evaluation_or_training_libraries(corpus: Path, tmp_path: Path) -> None:
    """Every MB a summarizing process holds adds to the model's: rouge-score (NLTK, absl: about
    30 MB), torch and Qt belong to ``eval``, fine-tuning and the window, not to ``summarize``;
    icalendar and pathspec to ``rollup`` and ``watch``."""
    code = (
        "import sys\nfrom desktop.cli import main\n"
        f"assert main(['summarize', {str(corpus / 'pdf' / 'multicolumn.pdf')!r}, '--engine', 'extractive', "
        f"'--no-progress', '--out', {str(tmp_path / 'd.md')!r}]) == 0\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'rouge_score', 'nltk', 'absl', 'torch', 'PySide6', 'icalendar', 'pathspec'})\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=120,
                   env={**os.environ, "PRECIS_HOME": str(tmp_path / "home")})


# ------------------------------------------------------------------ extractive engine

def test_corpus_files_and_folders_with_the_extractive_engine(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [corpus / "transcript/qmsum-TS3003c-product-meeting.txt", corpus / "pdf/federal-register-2020-17221.pdf",
             corpus / "email/metrics-grimoire-thread-2015-11.mbox"]
    code, data, err = _summarize(capsys, *map(str, files), "--engine", "extractive")
    assert code == 0 and err == ""
    _check_json(data, _docs(files))
    assert data["engine"] == "extractive" and data["decisions"] and data["action_items"]

    folder = SAMPLES
    code, data, err = _summarize(capsys, str(folder), "--engine", "extractive", "--length", "long")
    assert code == 0
    _check_json(data, _docs([folder]))
    assert {Path(d["path"]).name for d in data["documents"]} == {p.name for p in folder.iterdir()}
    assert data["asks"] and data["deadlines"] and data["action_items"]


def test_a_corpus_folder_with_broken_files_still_gives_a_digest(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = _summarize(capsys, str(corpus / "pdf"), "--engine", "extractive", "--length", "short")
    assert code == 1  # some PDFs are encrypted, empty or scanned
    failed = {Path(e["path"]).name for e in data["errors"]}
    assert {"empty.pdf", "grayscale-image.pdf", "r4-aes-user-password.pdf"} <= failed
    assert len(err.strip().splitlines()) == len(data["errors"])
    read = {Path(d["path"]).name for d in data["documents"]}
    assert {"chelsea_pdta.pdf", "federal-register-2020-17221.pdf", "scotus-transcript-p1.pdf"} <= read
    assert not read & failed
    assert "## Notes" not in data["overview"] and data["points"]


def test_one_broken_file_among_good_ones(corpus: Path, tmp_path: Path) -> None:
    """Run as a user would (a real process, real logging): exit 1, a digest of the rest, one line on stderr."""
    out = tmp_path / "digest.json"
    good = [SAMPLES / "product-sync-meeting.vtt", corpus / "email/metrics-grimoire-thread-2015-11.mbox"]
    broken = corpus / "docx/legacy-word97-multi-page.doc"
    proc = subprocess.run([sys.executable, "-m", "desktop.cli", "summarize", str(good[0]), str(broken), str(good[1]),
                           "--engine", "extractive", "--out", str(out)], check=False, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "legacy-word97-multi-page.doc" in lines[0] and "Traceback" not in proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    _check_json(data, _docs(good))
    assert [e["error"] for e in data["errors"]] == ["UnsupportedFormat"]


def test_out_writes_the_file_in_the_format_of_its_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("d.md", "d.txt", "d.json", "d.docx"):
        assert main(["summarize", str(SAMPLES / "office-move-thread.eml"), "--engine", "extractive", "--out", str(tmp_path / name)]) == 0
    assert capsys.readouterr().out == ""
    assert (tmp_path / "d.md").read_text(encoding="utf-8").startswith("# Re: Office move to the Harbour Street building")
    assert "**" not in (tmp_path / "d.txt").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))["asks"]
    word = docx.Document(str(tmp_path / "d.docx"))
    assert word.paragraphs[0].text == "Re: Office move to the Harbour Street building"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.docx", "d.json", "d.md", "d.txt"]


def test_a_question_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = _summarize(capsys, str(SAMPLES), "--engine", "extractive", "--query", "when is the office move?")
    assert code == 0 and data["query"] == "when is the office move?" and data["title"].startswith("Answer:")
    assert any("5-6 December" in p["text"] for p in data["points"])


# ------------------------------------------------------------------ the tiny model

def test_corpus_files_and_a_folder_with_the_tiny_model(corpus: Path, tiny: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    files = [corpus / "transcript/teams-voice-tags.vtt", corpus / "pdf/scotus-transcript-p1.pdf",
             corpus / "email/forwarded-rfc822-with-pdf.eml"]
    code, data, err = _summarize(capsys, *map(str, files), *TINY)
    assert code == 0, err
    _check_json(data, _docs(files))
    assert data["engine"] == "flan-t5 (tiny)" and data["stats"]["generated"] > 0
    assert all(d["summary"] and d["labels"]["type"] for d in data["documents"])

    code, again, _ = _summarize(capsys, *map(str, files), *TINY)  # the same job again: all from the cache
    assert code == 0 and again["stats"]["generated"] == 0 and again["stats"]["cache_hits"] > 0

    out = tmp_path / "samples.md"
    assert main(["summarize", str(SAMPLES), *TINY, "--out", str(out)]) == 0
    markdown = out.read_text(encoding="utf-8")
    assert markdown.startswith("# ") and "## Key points" in markdown and "## Documents" in markdown
    for sample in SAMPLES.iterdir():
        assert f"### {sample.name}" in markdown


def test_a_missing_model_names_the_download_command(capsys: pytest.CaptureFixture[str]) -> None:
    sample = str(SAMPLES / "product-sync-meeting.vtt")
    capsys.readouterr()
    assert main(["summarize", sample, "--engine", "flan-t5", "--model", "flan-t5-base", "--no-progress"]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1 and "precis-cli models download flan-t5-base" in out.err

    code, data, err = _summarize(capsys, sample, "--engine", "auto", "--model", "flan-t5-base", "--no-progress")
    assert code == 0
    assert data["engine"] == "extractive" and data["points"]
    assert "precis-cli models download flan-t5-base" in data["warnings"][0]
    assert "extractive engine" in err


# ------------------------------------------------------------------ eval and extract

def test_eval_prints_rouge_of_the_extractive_engine(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = corpus / "references/dialogsum_test_pairs.jsonl"
    capsys.readouterr()
    assert main(["eval", "--pairs", str(pairs), "--engine", "extractive", "--json", "--limit", "8"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["items"]) == 8
    for metric in ("rouge1", "rouge2", "rougeL"):
        assert 0.0 <= report[metric] <= 1.0
        assert report[metric] == pytest.approx(sum(i[metric] for i in report["items"]) / 8)
    assert report["rouge1"] > 0.1 and report["rouge1"] >= report["rouge2"]
    assert all(i["summary"] for i in report["items"])

    assert main(["eval", "--pairs", str(pairs), "--engine", "extractive", "--limit", "2"]) == 0
    table = capsys.readouterr().out
    assert "2 pairs, engine extractive" in table and "rougeL:" in table


def test_extract_the_whole_corpus_without_a_traceback(corpus: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "desktop.cli", "extract", str(corpus), "--format", "json"], check=False,
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1  # some files are broken on purpose
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    assert data["errors"] and all({"path", "error", "message"} <= set(e) for e in data["errors"])
    assert all(e["message"] and e["message"] in proc.stderr for e in data["errors"])
    # Issue 30: no extracted text of any corpus file holds a typographic ligature (U+FB00-FB06).
    assert not re.search("[\ufb00-\ufb06]", json.dumps(data, ensure_ascii=False))
    errors = {Path(e["path"]).name: e["error"] for e in data["errors"]}
    assert errors["legacy-word97-multi-page.doc"] == "UnsupportedFormat"
    assert errors["r4-aes-user-password.pdf"] == "PasswordRequired"
    assert errors["grayscale-image.pdf"] == "EmptyDocument"  # a picture: OCR finds no text on it
    read = {Path(d["path"]).name: d for d in data["documents"]}
    for name in ("chelsea_pdta.pdf", "qmsum-TS3003c-product-meeting.txt", "metrics-grimoire-thread-2015-11.mbox",
                 "seattle-council-briefing-2021-08-02.vtt", "tender-document-zh.docx", "mime-torture-test.eml"):
        assert name in read and (read[name]["blocks"] or read[name]["children"])
    assert len(read) + len(errors) == len(expand_paths([corpus])) >= 65  # every supported file, one way or the other


def test_eval_with_the_tiny_model_and_the_real_tokenizer(corpus: Path, tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    """eval runs the model engine end to end on FLAN-T5's own tokenizer (random weights: the
    scores are near zero, the shape of the report is what is checked)."""
    pairs = corpus / "references/dialogsum_test_pairs.jsonl"
    capsys.readouterr()
    engine = [a for a in TINY if a != "--no-progress"]  # eval has no progress switch
    assert main(["eval", "--pairs", str(pairs), *engine, "--json", "--limit", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["items"]) == 2 and all(i["summary"] for i in report["items"])
    assert all(0.0 <= report[m] <= 1.0 for m in ("rouge1", "rouge2", "rougeL"))

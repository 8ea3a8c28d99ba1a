"""Slides, sheets, OpenDocument, RTF, web pages and e-books through precis-cli extract, summarize and
batch: their locators (slide, sheet and cells, chapter) reach the blocks, the digest's sources and
its Markdown citations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core.digest import Source
from desktop.core.ingest import EXTENSION_GROUPS, SUPPORTED_EXTENSIONS, expand_paths, iter_documents
from desktop.ml.batch.runner import BatchOptions, run_batch
from desktop.ml.engine.job import JobSpec
from tests.batch._helpers import latest
from tests.ml._digest_checks import assert_valid_source

FILES = Path(__file__).resolve().parents[1] / "files" / "documents"
NEW = ["board-update.pptx", "renovation-budget.xlsx", "board-minutes.odt", "board-update.odp",
       "renovation-budget.ods", "public/pages_table_sample.rtf", "renovation-news.html", "renovation-news.mhtml",
       "renovation.epub"]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_extract_prints_each_format_with_its_locators(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "extract", *(str(FILES / n) for n in NEW))
    assert code == 0, err
    for line in ("=== board-update.pptx [presentation] Riverside Library renovation",
                 "[slide 3] (table) Quarter | Work | Cost", "[sheet Budget, A1:D5] (table) Item | Quarter | Cost | Approved",
                 "[chapter 2] (heading) The work", "=== renovation-news.html [web_page]", "[¶ 1] (heading) Minutes of the board meeting",
                 "=== pages_table_sample.rtf [document]", "=== renovation-budget.ods [spreadsheet]"):
        assert line in out, line
    code, out, _ = _run(capsys, "extract", "--format", "json", str(FILES / "board-update.pptx"), str(FILES / "renovation.epub"))
    docs = json.loads(out)["documents"]
    assert docs[0]["blocks"][0]["locator"] == {"paragraph": 1, "section": "Riverside Library renovation", "slide": 1}
    assert docs[1]["blocks"][0]["locator"] == {"paragraph": 1, "section": "The decision", "chapter": 1}


def test_summarize_cites_slides_sheets_and_chapters(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(FILES / n) for n in NEW]
    code, out, err = _run(capsys, "summarize", "--engine", "extractive", "--no-progress", "--format", "json", *paths)
    assert code == 0, err
    digest = json.loads(out)
    docs = [o.document for o in iter_documents(paths) if o.document is not None]
    assert len(docs) == len(NEW) and not digest["errors"]
    sources = [Source.from_dict(s) for p in digest["points"] for s in p["sources"]]
    sources += [Source.from_dict(s) for d in digest["documents"] for s in d.get("sources", [])]
    for source in sources:
        assert_valid_source(source, docs)
    kinds = {key for s in sources for key in ("slide", "sheet", "chapter") if getattr(s.locator, key) is not None}
    assert kinds == {"slide", "sheet", "chapter"}, kinds
    assert {d["kind"] for d in digest["documents"]} >= {"presentation", "spreadsheet", "ebook", "web_page", "document"}
    for name, citation in (("board-update.pptx", "(board-update.pptx, slide "), ("renovation.epub", "(renovation.epub, chapter "),
                           ("renovation-budget.xlsx", "(renovation-budget.xlsx, sheet Budget, A1:D5)")):
        code, markdown, _ = _run(capsys, "summarize", "--engine", "extractive", "--no-progress", str(FILES / name))
        assert code == 0 and citation in markdown, markdown


def test_batch_writes_a_cited_digest_per_new_format(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    for name in NEW:
        shutil.copyfile(FILES / name, src / Path(name).name)
    result = run_batch(BatchOptions(srcs=[str(src)], out_dir=out, recursive=True, workers=1),
                       JobSpec(paths=[], engine="extractive"))
    assert (result.done, result.failed) == (len(NEW), 0)
    rows = latest(out)
    assert {r["status"] for r in rows.values()} == {"done"} and len(rows) == len(NEW)
    assert "(board-update.pptx, slide " in (out / "board-update.pptx.md").read_text(encoding="utf-8")
    assert "(renovation.epub, chapter " in (out / "renovation.epub.md").read_text(encoding="utf-8")


def test_folders_are_walked_for_the_new_extensions(tmp_path: Path) -> None:
    for name in NEW:
        shutil.copyfile(FILES / name, tmp_path / Path(name).name)
    (tmp_path / "notes.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # not a format Precis reads: not walked
    found = {p.name for p in expand_paths([tmp_path])}
    assert found == {Path(n).name for n in NEW}
    assert {".pptx", ".xlsx", ".odt", ".odp", ".ods", ".rtf", ".html", ".htm", ".mhtml", ".epub"} <= SUPPORTED_EXTENSIONS


def test_one_qt_free_list_of_extensions_grouped_for_file_dialogs() -> None:
    groups = list(EXTENSION_GROUPS.values())
    assert frozenset().union(*groups) == SUPPORTED_EXTENSIONS
    assert sum(len(g) for g in groups) == len(SUPPORTED_EXTENSIONS)  # each extension in one group
    assert EXTENSION_GROUPS["Slides"] >= {".pptx", ".odp"} and EXTENSION_GROUPS["E-books"] == {".epub"}

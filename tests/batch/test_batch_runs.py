"""Batch runs over real documents: typed failures recorded and the rest done, a changed file redone,
a vanished one reported with its digest kept, a killed worker retried, settings that change redo."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from pathlib import Path

import pytest

from desktop.core.errors import BatchError
from desktop.ml.batch.manifest import Manifest
from desktop.ml.batch.runner import BatchOptions, run_batch
from desktop.ml.batch.sizing import plan_workers
from desktop.ml.engine.job import JobSpec
from tests.batch._helpers import copy_corpus, latest, manifest_lines, run_cli, temp_files

EXTRACTIVE = JobSpec(paths=[], engine="extractive")


def test_batch_over_the_corpus_records_typed_failures_and_does_the_rest(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    srcs = [corpus / "docx", corpus / "transcript", corpus / "email" / "false-multipart.eml",
            corpus / "email" / "forwarded-rfc822-with-pdf.eml", corpus / "pdf" / "empty.pdf",
            corpus / "pdf" / "r4-aes-user-password.pdf", corpus / "pdf" / "scotus-transcript-p1.pdf"]
    args = (*map(str, srcs), "--out", str(out), "--engine", "extractive", "--workers", "2", "--format", "both",
            "--no-progress")
    result = run_cli(*args)
    assert result.returncode == 1, result.stderr  # some files failed; the rest is done
    rows = latest(out)
    expected = {p.relative_to(corpus).as_posix() for s in srcs for p in ([s] if s.is_file() else s.iterdir())
                if p.suffix.lower() in {".pdf", ".docx", ".doc", ".eml", ".vtt", ".srt", ".txt", ".json"}}
    assert set(rows) == expected
    failures = {k: r["error"] for k, r in rows.items() if r["status"] == "failed"}
    assert failures["docx/legacy-word97-multi-page.doc"] == "UnsupportedFormat"
    assert failures["pdf/r4-aes-user-password.pdf"] == "PasswordRequired"
    assert failures["pdf/empty.pdf"] == "EmptyDocument"
    assert failures["docx/blank-word-document.docx"] == "EmptyDocument"
    assert failures["email/false-multipart.eml"] == "EmptyDocument"
    for key, row in rows.items():
        if row["status"] == "failed":
            assert row["message"] and row["message"].endswith(".") and not row["outputs"], key
        else:
            assert row["outputs"] == [f"{key}.md", f"{key}.json"]
    assert len(failures) <= 6 and len(rows) - len(failures) >= 20
    # The Supreme Court transcript's digest quotes its own first page.
    assert "SUPREME COURT" in (out / "pdf/scotus-transcript-p1.pdf.md").read_text(encoding="utf-8")
    assert "UnsupportedFormat" in result.stderr and "files/min, ETA" in result.stderr

    again = run_cli(*args)  # done files are skipped; failures are tried again (and fail again)
    assert again.returncode == 1
    assert f"{len(rows) - len(failures)} already done" in again.stderr
    rerun = manifest_lines(out)[len(rows):]
    assert sorted(r["key"] for r in rerun) == sorted(failures)


def test_changed_file_redone_vanished_reported_settings_change_redoes(corpus: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    txt, vtt, srt = copy_corpus(corpus, src, ("transcript/qmsum-TS3003c-product-meeting.txt",
                                              "transcript/teams-voice-tags.vtt", "transcript/utf16le-bom.srt"))
    options = BatchOptions(srcs=[str(src)], out_dir=out, recursive=True, workers=1)
    first = run_batch(options, EXTRACTIVE)
    assert (first.done, first.failed, first.skipped) == (3, 0, 0)

    with txt.open("a", encoding="utf-8") as fh:
        fh.write("\nProject Manager: We decided to ship the remote control in March.\n")
    srt.unlink()
    second = run_batch(options, EXTRACTIVE)
    assert (second.done, second.skipped) == (1, 1)
    assert [r.key for r in second.missing] == ["transcript/utf16le-bom.srt"]
    rows = latest(out)
    changed = rows["transcript/qmsum-TS3003c-product-meeting.txt"]
    assert changed["run"] == second.run and changed["sha256"] == hashlib.sha256(txt.read_bytes()).hexdigest()
    assert rows["transcript/teams-voice-tags.vtt"]["run"] == first.run
    gone = rows["transcript/utf16le-bom.srt"]
    assert gone["status"] == "skipped" and gone["error"] == "FileUnreadable"
    assert (out / "transcript/utf16le-bom.srt.md").is_file()  # never deleted

    third = run_batch(BatchOptions(srcs=[str(src)], out_dir=out, recursive=True, workers=1),
                      JobSpec(paths=[], engine="extractive", length="short"))
    assert third.done == 2 and third.skipped == 0
    assert vtt.exists() and not temp_files(out)


def test_a_killed_worker_is_retried_and_a_file_that_always_kills_it_fails_typed(corpus: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    copy_corpus(corpus, src, ("pdf/WARN-Report-2015-2016.pdf", "docx/tender-document-zh.docx"))
    starts: dict[str, int] = {}

    def kill_worker(key: str, pid: int) -> None:
        starts[key] = starts.get(key, 0) + 1
        if key.endswith(".pdf") and starts[key] == 1:
            os.kill(pid, signal.SIGKILL)  # it has just started reading the 30-page report
        elif key.endswith(".docx"):  # every time, long before its 0.3 s of work is done
            os.kill(pid, signal.SIGKILL)

    summary = run_batch(BatchOptions(srcs=[str(src)], out_dir=out, recursive=True, workers=2), EXTRACTIVE,
                        on_start=kill_worker)
    rows = latest(out)
    pdf, docx = rows["pdf/WARN-Report-2015-2016.pdf"], rows["docx/tender-document-zh.docx"]
    assert pdf["status"] == "done" and pdf["attempts"] == 2
    assert (out / "pdf/WARN-Report-2015-2016.pdf.md").is_file()
    assert docx["status"] == "failed" and docx["error"] == "WorkerCrashed" and docx["attempts"] == 3
    assert starts == {"pdf/WARN-Report-2015-2016.pdf": 2, "docx/tender-document-zh.docx": 3}
    assert summary.retried == 3 and (summary.done, summary.failed) == (1, 1)


def test_two_runs_cannot_share_an_output_folder(tmp_path: Path) -> None:
    with Manifest(tmp_path), pytest.raises(BatchError, match="Another batch run"):
        Manifest(tmp_path).open()


def test_worker_count_comes_from_cores_and_memory() -> None:
    flan = JobSpec(paths=[], model="flan-t5-base", quantization="float32")
    assert plan_workers(EXTRACTIVE, None, "extractive", cores=4, free_mb=16000).workers == 4
    roomy = plan_workers(flan, None, "flan-t5", cores=4, free_mb=64000)
    assert (roomy.workers, roomy.threads, roomy.note) == (4, 1, None)
    tight = plan_workers(flan, 4, "flan-t5", cores=4, free_mb=5000)
    assert tight.workers == 2 and tight.threads == 2 and "running 2 instead" in (tight.note or "")
    assert plan_workers(flan, None, "flan-t5", cores=8, free_mb=500).workers == 1
    few = plan_workers(flan, 8, "flan-t5", units=3, cores=8, free_mb=64000)
    assert (few.workers, few.threads) == (3, 2)


def test_together_folder_makes_one_digest_per_folder(corpus: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "minutes", tmp_path / "out"
    copy_corpus(corpus, src, ("transcript/teams-voice-tags.vtt", "transcript/utf16le-bom.srt",
                              "email/missing-final-boundary.eml"))
    (src / "notes.txt").write_text("Budget review. We agreed to cut travel costs by a tenth.\n", encoding="utf-8")
    summary = run_batch(BatchOptions(srcs=[str(src)], out_dir=out, recursive=True, together="folder", workers=1),
                        EXTRACTIVE)
    assert summary.done == 3
    rows = latest(out)
    assert set(rows) == {"./", "transcript/", "email/"}
    assert rows["transcript/"]["outputs"] == ["transcript.digest.md"] and len(rows["transcript/"]["sources"]) == 2
    assert "travel costs" in (out / "minutes.digest.md").read_text(encoding="utf-8")
    assert (out / "email.digest.md").is_file()


def test_a_model_batch_converts_the_model_inside_a_worker(corpus: Path, tmp_path: Path, tiny_model_dir: Path) -> None:
    """The first load of a model converts it (CTranslate2) in a child of the worker process, so
    workers must be allowed children; every file is then summarized by the model, not the fallback."""
    src, out = tmp_path / "src", tmp_path / "out"
    copy_corpus(corpus, src, ("transcript/teams-voice-tags.vtt",))
    spec = JobSpec(paths=[], engine="flan-t5", model=str(tiny_model_dir), length="short", classify=False)
    summary = run_batch(BatchOptions(srcs=[str(src)], out_dir=out, recursive=True, fmt="json", workers=1), spec)
    rows = latest(out)
    assert (summary.done, summary.failed) == (1, 0), rows
    for key in rows:
        digest = json.loads((out / f"{key}.json").read_text(encoding="utf-8"))
        assert digest["engine"] != "extractive" and digest["documents"]


def test_a_worker_that_dies_while_idle_is_replaced_before_it_is_given_a_file(corpus: Path, tmp_path: Path) -> None:
    """Killed between two files (out of memory, a user's kill): the next file goes to a new worker."""
    src, out = tmp_path / "src", tmp_path / "out"
    copy_corpus(corpus, src, ("docx/tender-document-zh.docx", "pdf/WARN-Report-2015-2016.pdf"))
    pids: list[int] = []

    def on_start(key: str, pid: int) -> None:
        pids.append(pid)

    def on_row(row: object, summary: object) -> None:
        if len(pids) == 1:  # the one worker has just finished its first file and sits idle
            os.kill(pids[0], signal.SIGKILL)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and Path(f"/proc/{pids[0]}/status").exists() \
                    and "zombie" not in Path(f"/proc/{pids[0]}/status").read_text():
                time.sleep(0.02)

    summary = run_batch(BatchOptions(srcs=[str(src)], out_dir=out, recursive=True, workers=1), EXTRACTIVE,
                        on_start=on_start, on_row=on_row)
    rows = latest(out)
    assert {k: r["status"] for k, r in rows.items()} == {"docx/tender-document-zh.docx": "done",
                                                        "pdf/WARN-Report-2015-2016.pdf": "done"}
    assert len(set(pids)) == 2 and summary.done == 2

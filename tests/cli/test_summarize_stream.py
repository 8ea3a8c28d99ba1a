"""precis-cli summarize --stream: the preview, partial summaries and the digest as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.ml.models.store import ModelStore

TINY = ["--engine", "flan-t5", "--model", "tiny", "--backend", "torch", "--quantize", "none", "--threads", "1",
        "--no-progress", "--no-cache"]


def test_stream_prints_the_preview_first_then_partials_then_the_digest(corpus: Path, tiny_model_dir: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    ModelStore().import_folder(tiny_model_dir, "tiny")
    pdf = corpus / "pdf" / "scotus-transcript-p1.pdf"
    capsys.readouterr()
    assert main(["summarize", str(pdf), *TINY, "--stream"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = [line["event"] for line in lines]
    assert kinds[-1] == "digest" and kinds.count("digest") == 1
    assert kinds.index("preview") < kinds.index("partial")
    times = [line["t"] for line in lines]
    assert times == sorted(times)
    first = lines[kinds.index("preview")]
    assert first["replaced"] == [] and first["digest"]["engine"] == "extractive preview"
    assert all(p["sources"] and p["sources"][0]["locator"]["page"] for p in first["digest"]["points"])
    partials = {line["text"] for line in lines if line["event"] == "partial" and line["level"] == 0}
    later = [line for line in lines if line["event"] == "preview"][1:]
    assert later, "no preview point was replaced by a chunk summary"
    for line in later:
        assert line["digest"]["points"][line["replaced"][-1]]["text"] in partials
    final = lines[-1]["digest"]
    assert final["engine"] == "flan-t5 (tiny)" and final["points"]

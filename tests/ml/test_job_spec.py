"""One way from the user's settings to a job: ``JobSpec.from_settings``, used by the window (with
its settings in memory) and by precis-cli (with the file's), and the job defaults written once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from desktop.cli import build_parser
from desktop.cli.summarize_cmd import spec_from_args
from desktop.core.settings import Settings, save_settings
from desktop.ml.engine.job import JobSpec


def test_from_settings_copies_the_settings_then_the_overrides() -> None:
    settings = Settings(model="flan-t5-small", backend="onnx", quantization="float32", device="cpu", threads=3,
                        length="long", input_budget=256, model_store="/models", max_file_mb=7, max_pages=9,
                        ocr="always", ocr_lang="eng+deu")
    spec = JobSpec.from_settings(settings, [Path("/docs/a.pdf")], length="short", query="When?")
    assert spec.paths == ["/docs/a.pdf"] and spec.engine == "auto"
    assert (spec.model, spec.backend, spec.quantization, spec.device, spec.threads) == (
        "flan-t5-small", "onnx", "float32", "cpu", 3)
    assert (spec.length, spec.query, spec.input_budget, spec.model_store) == ("short", "When?", 256, "/models")
    assert spec.limits == settings.limits() and spec.limits.max_file_bytes == 7 * 2**20 and spec.limits.max_pages == 9
    assert (spec.ocr, spec.ocr_lang) == ("always", "eng+deu")


def test_the_extractive_model_chooses_the_extractive_engine_unless_told_otherwise() -> None:
    assert JobSpec.from_settings(Settings(model="extractive"), []).engine == "extractive"
    assert JobSpec.from_settings(Settings(), [], model="extractive").engine == "extractive"
    assert JobSpec.from_settings(Settings(), [], model="extractive", engine="auto").engine == "auto"
    with pytest.raises(TypeError, match="unknown job setting"):
        JobSpec.from_settings(Settings(), [], colour="blue")


def test_job_defaults_are_the_settings_defaults() -> None:
    """Written once, in Settings: a job made without settings is a job made with the defaults."""
    assert JobSpec(paths=[]) == JobSpec.from_settings(Settings(), [])
    shared = {f.name for f in dataclasses.fields(JobSpec)} & {f.name for f in dataclasses.fields(Settings)}
    assert {"model", "backend", "quantization", "device", "threads", "length", "input_budget", "ocr", "ocr_lang"} <= shared
    for name in shared - {"model_store"}:
        assert getattr(JobSpec(paths=[]), name) == getattr(Settings(), name), name


def test_the_cli_makes_its_job_the_same_way() -> None:
    save_settings(Settings(model_store="/models", max_file_mb=7, ocr="always", input_budget=256))
    args = build_parser().parse_args(["summarize", "--length", "short", "a.pdf"])
    spec = spec_from_args(args, ["a.pdf"])
    assert spec.model_store == "/models" and spec.limits.max_file_bytes == 7 * 2**20
    assert (spec.ocr, spec.input_budget, spec.length, spec.engine) == ("always", 256, "short", "auto")

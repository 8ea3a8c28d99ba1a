"""The setting for flagged points: saved with the other settings, given as --unsupported to
summarize and batch, and carried into the digest."""

from __future__ import annotations

import json

import pytest

from desktop.cli import build_parser, main
from desktop.core.paths import resource
from desktop.core.settings import Settings, load_settings, save_settings


def test_the_setting_is_saved_and_a_bad_value_falls_back_to_flag() -> None:
    assert Settings().to_dict()["unsupported"] == "flag"
    assert Settings.from_dict({"unsupported": "drop"}).unsupported == "drop"
    assert Settings.from_dict({"unsupported": "ignore"}).unsupported == "flag"


def test_summarize_and_batch_take_it_and_the_saved_setting_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    assert parser.parse_args(["batch", "x", "--out", "y", "--unsupported", "retry"]).unsupported == "retry"
    settings = load_settings()
    settings.unsupported = "drop"
    save_settings(settings)
    assert build_parser().parse_args(["summarize", "x"]).unsupported == "drop"
    code = main(["summarize", str(resource("samples") / "office-move-thread.eml"), "--engine", "extractive",
                 "--format", "json", "--no-progress"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["support"]["mode"] == "drop" and data["support"]["flagged"] == 0
    assert all(p["support"]["status"] == "checked" for p in data["points"])  # quotes: their facts are there
    with pytest.raises(SystemExit):
        build_parser().parse_args(["summarize", "x", "--unsupported", "ignore"])

"""precis-cli extract, summarize and batch accept recordings; models lists the Whisper sizes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from desktop.cli import main
from tests.core.ingest._recordings import write

pytestmark = pytest.mark.xdist_group("recordings")


@pytest.fixture()
def standup(tmp_path: Path, meeting_speech: np.ndarray) -> Path:
    folder = tmp_path / "calls"
    folder.mkdir()
    recording = write(folder / "standup.m4a", meeting_speech)
    (folder / "standup.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:01:00.000\n<v Mia>Morning.</v>\n",
                                        encoding="utf-8")
    return recording


def test_extract_then_summarize_a_recording(capsys: pytest.CaptureFixture[str], standup: Path,
                                            whisper_model_dir: Path) -> None:
    model = ["--recording-model", str(whisper_model_dir), "--spoken-language", "en"]
    assert main(["extract", str(standup), "--format", "json", *model]) == 0
    data = json.loads(capsys.readouterr().out)
    doc = data["documents"][0]
    assert doc["kind"] == "transcript" and doc["metadata"]["speakers_from"] == "standup.vtt"
    assert doc["blocks"] and all({"start", "end", "speaker"} <= set(b["locator"]) for b in doc["blocks"])
    # The transcript is cached: summarizing the same recording transcribes nothing again.
    assert main(["summarize", str(standup), "--engine", "extractive", "--format", "json", "--no-progress",
                 "--stream", *model]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert not [e for e in lines if e["event"] == "progress" and e["stage"].startswith("transcribing")]
    digest = lines[-1]["digest"]
    sources = [s for p in digest["points"] for s in p["sources"]]
    assert sources and all(s["path"] == str(standup) and s["locator"]["start"] is not None for s in sources)
    assert all(s["locator"]["speaker"] == "Mia" for s in sources)


def test_without_a_speech_model_a_recording_is_one_sentence(capsys: pytest.CaptureFixture[str], standup: Path) -> None:
    notes = standup.parent / "notes.txt"
    notes.write_text("The team agreed to ship on Monday. Mia will write the release notes.", encoding="utf-8")
    assert main(["extract", str(standup.parent)]) == 1
    out = capsys.readouterr()
    assert "standup.m4a is a recording, and transcribing it needs a speech model" in out.err
    assert "precis-cli models download whisper-base" in out.err
    assert "ship on Monday" in out.out  # the other file is read


def test_recording_options_are_checked(capsys: pytest.CaptureFixture[str], standup: Path) -> None:
    with pytest.raises(SystemExit, match="Whisper language code"):
        main(["extract", str(standup), "--spoken-language", "english!"])
    with pytest.raises(SystemExit):
        main(["extract", str(standup), "--recording-language", "paraphrase"])


def test_models_list_shows_the_transcribers_and_their_licence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 0
    table = capsys.readouterr().out
    assert "Transcribers for recordings (Whisper):" in table
    assert "whisper-base (default)" in table and "MIT" in table
    assert main(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["catalog"]}
    assert rows["whisper-small"]["kind"] == "transcriber" and rows["flan-t5-base"]["kind"] == "summarizer"


def test_batch_makes_one_digest_per_recording(tmp_path: Path, standup: Path, whisper_model_dir: Path) -> None:
    from tests.batch._helpers import latest, run_cli

    out = tmp_path / "digests"
    result = run_cli(str(standup.parent), "--out", str(out), "--engine", "extractive", "--workers", "1",
                     "--recording-model", str(whisper_model_dir), "--spoken-language", "en", "--no-progress")
    assert result.returncode == 0, result.stderr
    rows = latest(out)
    assert set(rows) == {"standup.m4a"} and rows["standup.m4a"]["status"] == "done"  # the captions are no unit
    digest = (out / "standup.m4a.md").read_text(encoding="utf-8")
    assert "Mia" in digest and "00:00:" in digest  # cited to a time range and its speaker

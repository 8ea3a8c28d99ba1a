"""Templates from the command line: a user's template changes the digest's sections end to end,
its version is part of the cache key, and a bad one is one sentence naming the line (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core import paths
from desktop.ml.models.store import ModelStore

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"
TEMPLATE = """# Our team's stand-up notes.
name = "standup"
version = {version}
title = "Stand-up"

[[section]]
id = "action_items"
title = "Who does what"
instruction = "Does someone promise to do something in this sentence?"
length = 3

[[section]]
id = "decisions"
title = "Agreed"
"""


def _user_template(version: int = 1, extra: str = "") -> Path:
    folder = paths.data_dir() / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "standup.toml"
    f.write_text(TEMPLATE.format(version=version) + extra, encoding="utf-8")
    return f


def test_a_user_template_changes_the_digests_sections(capsys: pytest.CaptureFixture[str]) -> None:
    _user_template()
    meeting = str(SAMPLES / "product-sync-meeting.vtt")
    assert main(["summarize", meeting, "--engine", "extractive", "--no-progress"]) == 0
    standard = capsys.readouterr().out
    assert "## Key points" in standard and "## Action items" in standard
    assert main(["summarize", meeting, "--engine", "extractive", "--template", "standup", "--no-progress"]) == 0
    md = capsys.readouterr().out
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## Who does what", "## Agreed"]  # the template's sections, order and titles only
    assert len([line for line in md.splitlines() if line.startswith("- ")]) == 3 + 2  # 3 actions (its length), 2 decisions
    assert main(["summarize", meeting, "--engine", "extractive", "--template", "standup", "--format", "json", "--no-progress"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["layout"] == [{"id": "action_items", "title": "Who does what"}, {"id": "decisions", "title": "Agreed"}]
    assert data["template"].startswith("standup@1#") and data["points"] == [] and not data["overview"]
    # The same template picked by its file, from another process.
    out = subprocess.run([sys.executable, "-m", "desktop.cli", "summarize", meeting, "--engine", "extractive",
                          "--template", str(_user_template()), "--no-progress"], capture_output=True, text=True,
                         cwd=REPO, timeout=120, check=False)
    assert out.returncode == 0 and "## Who does what" in out.stdout, out.stderr


def test_an_action_list_from_a_mail(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summarize", str(SAMPLES / "office-move-thread.eml"), "--engine", "extractive", "--template", "actions",
                 "--no-progress"]) == 0
    md = capsys.readouterr().out
    assert [line for line in md.splitlines() if line.startswith("## ")] == ["## Action items", "## Asked of you", "## Deadlines"]
    assert "(due Fri 13 Nov 2026)" in md


def test_a_bad_template_is_one_sentence_naming_the_line(capsys: pytest.CaptureFixture[str]) -> None:
    f = _user_template()
    f.write_text(f.read_text(encoding="utf-8").replace('id = "decisions"', 'id = "risks"'), encoding="utf-8")
    code = main(["summarize", str(SAMPLES / "product-sync-meeting.vtt"), "--engine", "extractive", "--template",
                 "standup", "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("precis-cli: The template standup.toml, line 13:") and "“risks”" in err, err
    assert len(err.splitlines()) == 1


def test_the_templates_version_is_part_of_the_cache_key(capsys: pytest.CaptureFixture[str], tiny_model_dir: Path) -> None:
    ModelStore().import_folder(tiny_model_dir, "tiny")
    tiny = ["--engine", "flan-t5", "--model", "tiny", "--backend", "torch", "--quantize", "none", "--threads", "1",
            "--length", "short", "--no-progress", "--format", "json", "--template", "standup"]
    meeting = str(SAMPLES / "product-sync-meeting.vtt")

    def run() -> dict:
        assert main(["summarize", meeting, *tiny]) == 0
        return json.loads(capsys.readouterr().out)["stats"]

    # The key points come from the map prompts, which now carry the template's instruction.
    points = '\n[[section]]\nid = "points"\ninstruction = "Say who promised what in this part of the meeting."\n'
    _user_template(1, points)
    first = run()
    assert first["cache_hits"] == 0 and first["generated"] > 0
    again = run()
    assert again["generated"] == 0 and again["cache_hits"] > 0
    _user_template(2, points)  # the same instruction under a new version: nothing cached may be served
    bumped = run()
    assert bumped["cache_hits"] == 0 and bumped["generated"] == first["generated"], (first, bumped)

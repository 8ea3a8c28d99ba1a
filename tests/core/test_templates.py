"""Digest templates: the shipped ones load, a user's own overrides by name, an overlay replaces the
instructions under an id that carries the template's version, and a bad file is one sentence
that names the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core import paths
from desktop.core.errors import TemplateError
from desktop.core.prompting.prompts import PromptLibrary
from desktop.core.prompting.templates import list_templates, load_template, parse_template

GOOD = """name = "standup"
version = 3
title = "Stand-up"

[[section]]
id = "action_items"
title = "Who does what"
instruction = "Does someone promise to do something in this sentence?"
length = 5

[[section]]
id = "overview"
title = "Gist"
instruction = "Say in one sentence what this stand-up was about."
length = 30
"""


def test_shipped_templates() -> None:
    names = {t.name: t for t in list_templates()}
    assert {"standard", "brief", "minutes", "actions", "rollup"} <= set(names)
    assert names["rollup"].kind == "rollup" and names["minutes"].item_sections() == ("decisions", "action_items", "deadlines")


def test_a_users_template_by_name_and_its_overlay(tmp_path: Path) -> None:
    folder = paths.data_dir() / "templates"
    folder.mkdir(parents=True)
    (folder / "standup.toml").write_text(GOOD, encoding="utf-8")
    (folder / "brief.toml").write_text(GOOD.replace('name = "standup"', 'name = "brief"'), encoding="utf-8")
    t = load_template("standup")
    assert [s.id for s in t.sections] == ["action_items", "overview"] and t.version == 3
    assert not load_template("brief").builtin  # the user's file wins over the shipped one
    base = PromptLibrary.load()
    lib = t.overlay(base)
    question = lib.get("common", "action_item")
    assert "promise to do something" in question.render("Tom: I'll fix it.").text
    assert question.id.startswith("standup@3#") and question.id != base.get("common", "action_item").id
    assert "one sentence what this stand-up" in lib.get("meeting", "final").render("notes").text
    assert lib.get("meeting", "map") == base.get("meeting", "map")  # no points section: map untouched
    bumped = tmp_path / "standup.toml"
    bumped.write_text(GOOD.replace("version = 3", "version = 4"), encoding="utf-8")
    assert parse_template(bumped).overlay(base).get("common", "action_item").id != question.id


@pytest.mark.parametrize(("text", "line", "words"), [
    (GOOD.replace('id = "overview"', 'id = "risks"'), 12, "“risks” is not a section"),
    (GOOD.replace("length = 5", "length = -2"), 9, "length must be a number of items"),
    (GOOD.replace("version = 3", "version = 0"), 2, "version must be a whole number"),
    (GOOD.replace('title = "Gist"', 'title = "Gist"\ncolour = "red"'), 14, "“colour” is not a section setting"),
    (GOOD.replace('length = 30', 'length = 30\n[[section]\nid = "points"'), 16, "TOML syntax"),
    (GOOD.replace("length = 30", "length = 30\n\n[[section]]\nid = \"action_items\""), 18, "appears twice"),
])
def test_a_bad_template_is_one_sentence_that_names_the_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        parse_template(f)
    message = err.value.message
    assert f"bad.toml, line {line}:" in message and words in message, message
    assert "\n" not in message and message.count(". ") <= 1

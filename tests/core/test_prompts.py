"""The prompt templates in resources/prompts/: complete per kind and stage, versioned, and rendered safely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.core import paths
from desktop.core.document import DocKind
from desktop.core.prompting.prompts import KIND_FOR_DOC, PromptLibrary
from desktop.ml.backends.tokenizer import TokenCounter

KINDS = ("meeting", "email", "report", "generic")
STAGES = ("map", "merge", "final", "query_map", "query_merge")


@pytest.fixture(scope="module")
def lib() -> PromptLibrary:
    return PromptLibrary.load()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stage", STAGES)
def test_every_kind_has_its_own_template_for_every_stage(lib: PromptLibrary, kind: str, stage: str) -> None:
    assert lib.has(kind, stage)
    t = lib.get(kind, stage)
    assert (t.kind, t.stage) == (kind, stage)
    assert t.id == f"{kind}.{stage}@{t.version}"
    assert "{text}" in t.template
    assert ("{query}" in t.template) == stage.startswith("query")


def test_meeting_and_email_item_prompts_and_classification_options(lib: PromptLibrary) -> None:
    assert "owner" in lib.get("meeting", "actions").template.lower()
    assert "decision" in lib.get("meeting", "decisions").template.lower()
    assert lib.has("email", "asks") and lib.has("email", "deadlines")
    assert {"meeting", "report", "contract", "newsletter", "personal mail"} <= set(lib.get("common", "doc_type").options)
    assert lib.get("common", "urgency").options == ("urgent", "normal", "not urgent")
    assert lib.get("common", "asks_reader").options == ("yes", "no")
    # FLAN's own shape (flan/v2/templates.py bool_q, format_options): text, question, OPTIONS.
    rendered = lib.get("common", "doc_type").render("Minutes of the board.").text
    assert rendered.startswith("Minutes of the board.") and "OPTIONS:\n- meeting\n- report\n- contract" in rendered
    for stage in ("decision_item", "action_item", "ask_item", "deadline_item"):
        assert lib.get("common", stage).options == ("yes", "no")
        assert lib.get("common", stage).render("X").text.endswith("OPTIONS:\n- yes\n- no")


def test_prompts_end_the_way_flan_templates_do(lib: PromptLibrary) -> None:
    """Summaries end with "Summary:", answers follow the text with the question last, as in the
    FLAN collection (xsum/multi_news, squad_v1): the shape FLAN-T5 was trained on."""
    for kind in ("meeting", "email", "report", "generic"):
        for stage in ("map", "merge", "final"):
            assert lib.get(kind, stage).template.endswith("{text}\n\nSummary:")
        for stage in ("query_map", "query_merge"):
            assert lib.get(kind, stage).template.endswith("{text}\n\nQuestion: {query}\n\nAnswer:")
        assert lib.get(kind, "map").version >= 2


def test_documents_map_to_template_sets(lib: PromptLibrary) -> None:
    assert set(KIND_FOR_DOC) == set(DocKind)
    assert lib.for_doc(DocKind.TRANSCRIPT, "map").kind == "meeting"
    assert lib.for_doc(DocKind.MAILBOX, "merge").kind == "email"
    assert lib.for_doc(DocKind.PDF, "final").kind == "report"
    assert lib.for_doc(DocKind.TEXT, "map").kind == "generic"
    # Stages a kind lacks fall back to the generic set, then to the common one.
    assert lib.get("report", "collection").kind == "generic"
    assert lib.get("meeting", "title").kind == "common"
    with pytest.raises(KeyError):
        lib.get("meeting", "no-such-stage")


def test_text_with_braces_is_inserted_verbatim(lib: PromptLibrary) -> None:
    text = "Use {text} and {query} and {0} literally; a dict: {'a': 1}."
    prompt = lib.get("meeting", "query_map").render(text, query="what about {x}?")
    assert text in prompt.text
    assert prompt.text.endswith("Question: what about {x}?\n\nAnswer:")
    assert prompt.template_id == lib.get("meeting", "query_map").id


def test_overhead_is_the_instruction_alone(lib: PromptLibrary, tiny_model_dir: Path) -> None:
    tok = TokenCounter.for_model(tiny_model_dir)
    t = lib.get("report", "map")
    chunk = "The council approved the budget for the year."
    # The instruction plus the chunk costs about the sum of the two (one EOS is shared).
    assert tok.count(t.render(chunk).text) <= t.overhead(tok.count) + tok.count(chunk)
    assert t.overhead(tok.count) > tok.count("") + 5


def test_a_version_bump_changes_template_ids_and_the_library_key(tmp_path: Path, lib: PromptLibrary) -> None:
    folder = tmp_path / "prompts"
    shutil.copytree(paths.resource("prompts"), folder)
    meeting = folder / "meeting.toml"
    version = lib.get("meeting", "map").version
    meeting.write_text(meeting.read_text(encoding="utf-8").replace(f"version = {version}", f"version = {version + 1}", 1),
                       encoding="utf-8")
    bumped = PromptLibrary.load(folder)
    assert bumped.get("meeting", "map").id == f"meeting.map@{version + 1}"
    assert bumped.get("email", "map").id == lib.get("email", "map").id
    assert bumped.version_key() != lib.version_key()


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        PromptLibrary.load(tmp_path)

"""precis-cli verify: claims against corpus documents and the samples, good lines and bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core.paths import resource
from tests.ml._check_models import STRANGERS

SAMPLES = resource("samples")


def _claims(tmp_path: Path, corpus: Path) -> Path:
    dialogue = json.loads((corpus / "references" / "dialogsum_test_pairs.jsonl").read_text(encoding="utf-8")
                          .splitlines()[0])
    lines = [
        {"id": "18", "path": str(SAMPLES / "quarterly-energy-report.md"),
         "claim": "Electricity use fell by eighteen percent in the third quarter."},
        {"id": "25", "path": str(SAMPLES / "quarterly-energy-report.md"),
         "claim": "Electricity use fell by 25% in the third quarter."},
        {"id": "date", "path": "agenda.pdf", "claim": "The Board of Education meets on April 7, 2016."},
        {"id": "dawson", "document": dialogue["document"], "claim": "Ms. Dawson takes a dictation for #Person1#."},
        {"id": "stranger", "document": dialogue["document"], "claim": f"{STRANGERS[0]} takes a dictation."},
        "not json at all",
        {"id": "no-doc", "claim": "Nothing to check it against."},
        {"id": "gone", "path": "missing.pdf", "claim": "Anything."},
        {"claim": "No id.", "document": "Some text."},
        {"id": "not", "path": str(SAMPLES / "quarterly-energy-report.md"),
         "claim": "The ventilation system in the basement archive was changed."},
    ]
    (tmp_path / "agenda.pdf").write_bytes((corpus / "pdf" / "cupertino_usd_4-6-16.pdf").read_bytes())
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def test_every_good_line_is_checked_and_every_bad_line_is_one_sentence(tmp_path: Path, corpus: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", str(_claims(tmp_path, corpus)), "--json"])
    out = capsys.readouterr()
    assert code == 1  # some lines were unusable; the rest are answered all the same
    rows = [json.loads(line) for line in out.out.splitlines()]
    by_id = {r["id"]: r for r in rows if "supported" in r}
    assert set(by_id) == {"18", "25", "date", "dawson", "stranger", "not"}
    assert by_id["18"]["supported"] and by_id["dawson"]["supported"]
    assert by_id["18"]["sources"][0]["quote"].startswith("Electricity use at the Riverside Community Library fell by 18")
    assert by_id["18"]["sources"][0]["locator"]["sentence"] == 1
    assert [(p["kind"], p["words"]) for p in by_id["25"]["problems"]] == [("number", "25%")]
    assert by_id["25"]["problems"][0]["reason"] == "the source says 18 percent, not 25%"  # each side as written
    assert [(p["kind"], p["words"]) for p in by_id["date"]["problems"]] == [("date", "April 7, 2016")]
    assert "6 April 2016, not 7 April 2016" in by_id["date"]["problems"][0]["reason"]
    assert [(p["kind"], p["words"]) for p in by_id["stranger"]["problems"]] == [("name", STRANGERS[0])]
    assert [p["kind"] for p in by_id["not"]["problems"]] == ["negation"]
    errors = [r for r in rows if "error" in r]
    assert [r["line"] for r in errors] == [6, 7, 8, 9]
    assert "not valid JSON" in errors[0]["error"] and "neither" in errors[1]["error"]
    assert "missing.pdf does not exist" in errors[2]["error"] and "no \"id\"" in errors[3]["error"]
    # Each bad line is one sentence on stderr too.
    assert [line for line in out.err.splitlines() if line.startswith("precis-cli: ")] == \
        [f"precis-cli: {r['error']}" for r in errors]


def test_the_plain_answer_names_the_passage_or_the_problem(tmp_path: Path, corpus: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    main(["verify", str(_claims(tmp_path, corpus))])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "18: supported (quarterly-energy-report.md, ¶ 4)"
    assert lines[1] == "25: NOT supported: the source says 18 percent, not 25%"
    assert f"stranger: NOT supported: the document never mentions {STRANGERS[0]}" in lines


def test_a_claims_file_that_is_not_text_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_bytes(b"\xff\xfe\x00binary")
    assert main(["verify", str(path)]) == 1
    assert capsys.readouterr().err.startswith("precis-cli: ")

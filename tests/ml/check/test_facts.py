"""The normalisers on real text: the corpus's and the shipped samples' own sentences, matched
against the same facts written another way."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.digest import Source
from desktop.core.document import Locator
from desktop.core.ingest import read_document
from desktop.core.paths import resource
from desktop.ml.check.facts import facts_of
from desktop.ml.check.matcher import check_claim, matches
from desktop.ml.check.passage import DocIndex, read_sentence

SAMPLES = resource("samples")


def _found(claim: str, passage: str) -> bool:
    return not check_claim(claim, [read_sentence(passage, Source("x", Locator()))]).problems


@pytest.mark.parametrize(("written", "other"), [
    ("18%", "18 percent"), ("18 percent", "eighteen percent"), ("18 per cent", "18%"),
    ("$1.2m", "1,200,000 dollars"), ("$1.2 million", "USD 1.2 million"), ("one point two million dollars", "$1.2m"),
    ("3 Dec", "December 3rd"), ("the third of December", "3 December"), ("2026-12-03", "December 3, 2026"),
    ("3 pm", "15:00"), ("noon", "12:00"), ("Wednesday", "wednesday"), ("twenty-five", "25"),
])
def test_the_same_fact_written_two_ways_matches(written: str, other: str) -> None:
    a, b = facts_of(written), facts_of(other)
    assert a and b, (written, other)
    assert any(matches(a[0], f) for f in b) and any(matches(b[0], f) for f in a)


def test_a_different_value_does_not_match() -> None:
    for written, other in [("18%", "19 percent"), ("3 Dec", "December 4th"), ("Tuesday", "Wednesday"),
                           ("3 pm", "16:00"), ("$1.2m", "$1.3 million")]:
        assert not any(matches(facts_of(written)[0], f) for f in facts_of(other)), (written, other)


def test_the_report_sample_backs_its_numbers_written_otherwise() -> None:
    doc = read_document(SAMPLES / "quarterly-energy-report.md")
    index = DocIndex(doc)
    sentences = index.sentences(range(len(doc.blocks)))
    ok = ["Electricity use fell by eighteen percent in the third quarter of 2026.",
          "Lighting accounted for 31% of electricity use before the change.",
          "Daylight sensors for the reading room would cost about 3,400 EUR.",
          "The heating now starts at 7:30 am on weekdays.",
          "The supplier raised its tariff on August 1st."]
    wrong = {"Electricity use fell by 25 percent in the third quarter.": "the source says 18 percent, not 25 percent",
             "The supplier raised its tariff on 2 August.": "the source says 1 August, not 2 August",
             "The heating now starts at 8:30 on weekdays.": "8:30"}
    for claim in ok:
        assert not check_claim(claim, sentences).problems, claim
    for claim, reason in wrong.items():
        problems = check_claim(claim, sentences).problems
        assert problems and reason in problems[0].reason, (claim, problems)


def test_speakers_and_mail_participants_count_as_names(corpus: Path) -> None:
    meeting = read_document(SAMPLES / "product-sync-meeting.vtt")
    turns = DocIndex(meeting).sentences(range(len(meeting.blocks)))
    # "Tom" matches the speaker Tom Becker, who never says his own name.
    assert not check_claim("Tom says two bugs are still open.", turns).problems
    problems = check_claim("Omar says two bugs are still open.", turns).problems
    assert [p.kind for p in problems] == ["name"] and "Omar" in problems[0].reason
    mail = read_document(SAMPLES / "office-move-thread.eml")
    lines = DocIndex(mail).sentences(range(len(mail.blocks)))
    assert not check_claim("Daniel Okafor is copied on the plan for the move.", lines).problems  # cc only
    teams = read_document(corpus / "transcript" / "teams-voice-tags.vtt")
    assert not check_claim("Adrian greets Yuri.", DocIndex(teams).sentences(range(len(teams.blocks)))).problems


def test_negations_added_or_dropped_are_found(corpus: Path) -> None:
    doc = read_document(SAMPLES / "quarterly-energy-report.md")
    sentences = DocIndex(doc).sentences(range(len(doc.blocks)))
    assert [p.kind for p in check_claim("The ventilation system in the basement archive was changed.",
                                        sentences).problems] == ["negation"]
    assert [p.kind for p in check_claim("The contractor did not finish the work two weeks ahead of schedule.",
                                        sentences).problems] == ["negation"]
    assert not check_claim("The ventilation system in the basement archive was not changed.", sentences).problems


def test_the_reason_names_the_value_the_point_got_wrong(corpus: Path) -> None:
    """What "the source says" is a value of the source the point does not state itself, and not
    one already named for another of its facts: the agenda's address line with its ZIP code
    changed is wrong against the ZIP code, not against the street number it kept."""
    doc = read_document(corpus / "pdf" / "cupertino_usd_4-6-16.pdf")
    sentences = DocIndex(doc).sentences(range(len(doc.blocks)))
    line = next(s.text for s in sentences if "94087" in s.text and "1309" in s.text)

    def reasons(claim: str) -> list[str]:
        return [p.reason for p in check_claim(claim, sentences).problems]

    assert reasons(line.replace("94087", "94102")) == ["the source says 94087, not 94102"]
    assert reasons(line.replace("94087", "94102").replace("1309", "1310")) == [
        "the source says 1309, not 1310", "the source says 94087, not 94102"]


def test_corpus_numbers_dates_and_names_are_read(corpus: Path) -> None:
    text = " ".join(b.text for b in read_document(corpus / "pdf" / "cupertino_usd_4-6-16.pdf").blocks)
    keys = {f.key for f in facts_of(text)}
    assert ("date", 4, 6, 2016) in keys and ("time", 450, True) in keys
    assert ("num", 30.0, "") in keys and ("num", 3.0, "") in keys
    names = [k[1:] for k in keys if k[0] == "name"]
    # In title case a title runs into the name ("Board President Josephine Lucey"): matched word by word.
    assert any({"josephine", "lucey"} <= set(n) for n in names) and any({"wendy", "gudalewicz"} <= set(n) for n in names)

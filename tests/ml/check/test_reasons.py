"""What a reader is told about a wrong fact, on the samples' and the corpus's own sentences: numbers
quoted as written with what they count, a weekday and its date contrasted as one fact."""

from __future__ import annotations

import re
from pathlib import Path

from desktop.core.digest import Source
from desktop.core.document import Locator
from desktop.core.ingest import read_document
from desktop.core.paths import resource
from desktop.ml.check.matcher import check_claim
from desktop.ml.check.passage import DocIndex, Sentence, read_sentence
from tests.ml._check_models import AGENDA

SAMPLES = resource("samples")


def _sentences(path: Path) -> list[Sentence]:
    doc = read_document(path)
    return DocIndex(doc).sentences(range(len(doc.blocks)))


def _reasons(claim: str, sentences: list[Sentence]) -> list[tuple[str, str, str, str]]:
    return [(p.kind, p.words, p.reason, p.source_words) for p in check_claim(claim, sentences).problems]


def test_a_weekday_and_its_date_are_one_fact() -> None:
    """Tom says "Wednesday the 18th" in the meeting; points that move the day, the date or both."""
    turns = _sentences(SAMPLES / "product-sync-meeting.vtt")
    said = "Wednesday the 18th"
    for claim, ours in [("Tom will have the export fix reviewed by Thursday 19 March.", "Thursday 19 March"),
                        ("Tom will have the export fix reviewed by Thursday the 19th.", "Thursday the 19th"),
                        ("Tom will have the export fix reviewed by Wednesday the 19th.", "Wednesday the 19th"),
                        ("Tom will have the export fix reviewed by Thursday, the 18th.", "Thursday, the 18th")]:
        assert _reasons(claim, turns) == [("date", ours, f"the source says {said}, not {ours}", said)], claim
    assert not check_claim("Tom will have the export fix reviewed by Wednesday the 18th.", turns).problems
    # A weekday with no date beside it is still contrasted alone.
    assert _reasons("Tom will have the export fix reviewed by Thursday.", turns) == [
        ("date", "Thursday", "the source says Wednesday, not Thursday", "Wednesday")]


def test_numbers_are_quoted_with_what_they_count(corpus: Path) -> None:
    agenda = _sentences(corpus / AGENDA)  # "The Board shall limit the total time to 30 minutes."
    assert _reasons("The Board limits public comment to 45 minutes in total.", agenda) == [
        ("number", "45 minutes", "the source says 30 minutes, not 45 minutes", "30 minutes")]
    report = _sentences(SAMPLES / "quarterly-energy-report.md")  # "from 41,200 kWh to 33,800 kWh"
    # The point's own 41,200 kWh is right: the contrast is the number it got wrong.
    assert _reasons("Electricity use fell from 41,200 kWh to 30,000 kWh in the third quarter.", report) == [
        ("number", "30,000 kWh", "the source says 33,800 kWh, not 30,000 kWh", "33,800 kWh")]


def test_an_amount_is_never_a_parsed_value() -> None:
    source = [read_sentence("The council paid £54,900 for the roof repairs in March.", Source("x", Locator()))]
    [problem] = check_claim("The council paid £54,954.30 for the roof repairs.", source).problems
    assert problem.reason == "the source says £54,900, not £54,954.30"  # not "54,954.3 pounds"
    # Something else counted is no contrast: 30 speakers are not what "45 minutes" got wrong.
    other = [read_sentence("The Board heard 30 speakers in total.", Source("x", Locator()))]
    [problem] = check_claim("The Board heard 45 minutes of comment in total.", other).problems
    assert problem.reason == "no passage cited here mentions 45 minutes"


def test_every_contrast_on_the_reference_pairs_quotes_both_sides(corpus: Path) -> None:
    """The faithfulness benchmark's changed numbers and dates (DialogSum, QMSum): a reason that
    sets the source against the point quotes words both texts hold, and no number in a reason is
    one that neither text writes."""
    from benchmarks.faithfulness_cases import cases_for, load_pairs
    from desktop.ml.check.verify import check_document_claim

    contrasts = 0
    for pair_id, doc, sentences in load_pairs(corpus / "references"):
        index, text = DocIndex(doc), " ".join(b.text for b in doc.blocks)
        for case in cases_for(pair_id, doc, sentences):
            if case.kind not in ("number", "date"):
                continue
            for p in check_document_claim(pair_id, case.claim, doc, index).problems:
                for number in re.findall(r"\d[\d,.:]*\d|\d", p.reason):
                    assert number in case.claim or number in text, (case.claim, p)
                if p.kind == "number" and p.source_words:
                    contrasts += 1
                    assert p.words in case.claim and p.source_words in text, (case.claim, p)
                    assert p.reason == f"the source says {p.source_words}, not {p.words}"
    assert contrasts >= 10

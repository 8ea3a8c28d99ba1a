"""Plain "Speaker: text" transcripts: the QMSum meetings from the corpus and a timestamped one of our own."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.document import DocKind
from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest import Format, read_bytes, read_document, sniff, speaker_text
from desktop.core.ingest.context import ReadContext
from tests.core.ingest._transcript_fuzz import check_fails_cleanly, damaged

T = "transcript"
QMSUM_TXT = ["qmsum-TS3003c-product-meeting.txt", "qmsum-Bed004-icsi-research.txt", "qmsum-covid_7-canada-committee.txt"]

TIMESTAMPED = """Weekly stand-up, 3 March
[00:00:05] Alice Smith: Good morning everyone.
Let's start with the agenda.
[00:00:12] Bob: Thanks. The plan is simple: ship on Friday {vocalsound}.
[00:00:30] Bob: And the tests pass.
[00:01:02] Alice Smith: Great, see you next week.
"""


def _read(text: str, name: str = "standup.txt"):
    return read_bytes(text.encode("utf-8"), ReadContext(path=Path(name)))


@pytest.mark.parametrize("name", QMSUM_TXT)
def test_qmsum_text_files_are_sniffed_as_speaker_text(corpus: Path, name: str) -> None:
    path = corpus / T / name
    assert sniff(path.read_bytes(), ReadContext(path)) is Format.SPEAKER_TEXT


def test_product_meeting(corpus: Path) -> None:
    doc = read_document(corpus / T / "qmsum-TS3003c-product-meeting.txt")
    assert doc.kind is DocKind.TRANSCRIPT
    assert doc.title == "Qmsum TS3003c product meeting"
    assert doc.metadata["participants"] == ["Project Manager", "Marketing", "User Interface", "Industrial Designer"]
    assert "duration" not in doc.metadata  # no timestamps in this file
    first = doc.blocks[0]
    assert (first.locator.speaker, first.text) == ("Project Manager", "Okay . Uh good afternoon . This is our third meeting already .")
    assert first.locator.start is None and first.locator.paragraph == 1
    assert doc.blocks[2].text.startswith("I hope you enjoyed your lunch . I did anyway . Um let's see .")
    assert (doc.blocks[-1].locator.speaker, doc.blocks[-1].text) == ("User Interface", "Okay .")
    # {vocalsound}, {gap}, {disfmarker}: noise annotations, not words.
    assert "{" not in doc.text() and "vocalsound" not in doc.text()
    # "Marketing: {gap}" says nothing, so it is no turn.
    assert all(b.text for b in doc.blocks)


def test_icsi_research_meeting(corpus: Path) -> None:
    doc = read_document(corpus / T / "qmsum-Bed004-icsi-research.txt")
    assert set(doc.metadata["participants"]) == {"Grad A", "Grad C", "Grad D", "Professor B"}
    assert doc.blocks[0].text == "Hey , you 're not supposed to be drinking in here dude ."
    beat = next(b for b in doc.blocks if "reminded me of beat poetry" in b.text)
    assert beat.locator.speaker == "Grad A"
    ee = next(b for b in doc.blocks if "EE Cummings" in b.text)
    assert ee.locator.speaker == "Grad D" and "disfmarker" not in ee.text
    assert (doc.blocks[-1].locator.speaker, doc.blocks[-1].text) == ("Professor B", "Click ? Alright .")
    counts = Counter(b.locator.speaker for b in doc.blocks)
    assert counts["Professor B"] == 140 and counts["Grad D"] == 125


def test_parliamentary_labels_with_ridings(corpus: Path) -> None:
    doc = read_document(corpus / T / "qmsum-covid_7-canada-committee.txt")
    first, second, third = doc.blocks[:3]
    assert first.locator.speaker == "The Chair (Hon. Anthony Rota (NipissingTimiskaming, Lib.))"
    assert first.text.startswith("I call this meeting to order. Welcome to the 13th meeting of the House of Commons")
    assert (second.locator.speaker, second.text) == ("Mr. Ziad Aboultaif (Edmonton Manning, CPC)", "I have a point of order.")
    assert third.locator.speaker == "The Chair"
    participants = doc.metadata["participants"]
    # One entry per person, in its most informative form.
    assert participants[0] == "The Chair (Hon. Anthony Rota (NipissingTimiskaming, Lib.))"
    assert "The Chair" not in participants and "Mr. Ziad Aboultaif" not in participants
    assert "Hon. Chrystia Freeland (Deputy Prime Minister and Minister of Intergovernmental Affairs)" in participants
    assert sum(b.locator.speaker == "The Chair" for b in doc.blocks) == 60
    assert doc.blocks[-1].text.endswith("this committee stands adjourned until Monday at noon. Enjoy the weekend.")


def test_timestamped_lines_and_continuations() -> None:
    data = TIMESTAMPED
    assert sniff(data.encode(), ReadContext(path=Path("standup.txt"))) is Format.SPEAKER_TEXT
    doc = _read(data)
    got = [(b.locator.speaker, b.locator.start, b.locator.end, b.text) for b in doc.blocks]
    assert got == [
        (None, None, None, "Weekly stand-up, 3 March"),
        ("Alice Smith", 5.0, 12.0, "Good morning everyone. Let's start with the agenda."),
        # "The plan is simple:" is speech, not a speaker; Bob's two timed lines are one turn.
        ("Bob", 12.0, 62.0, "Thanks. The plan is simple: ship on Friday . And the tests pass."),
        ("Alice Smith", 62.0, 62.0, "Great, see you next week."),
    ]
    assert doc.metadata == {"participants": ["Alice Smith", "Bob"], "duration": 57.0}


def test_other_timestamp_forms() -> None:
    text = "[00:00:01] Ann: hi\n[00:00:03] Ben: yo\n[00:00:05] Ann: ok\n"
    # Starts with "[" like JSON, but is not: still a transcript.
    assert sniff(text.encode(), ReadContext(path=Path("call.txt"))) is Format.SPEAKER_TEXT
    doc = _read("(01:02) Ann: hello there\n00:01:10 - Ben: hi Ann\n[1:05:00.5] Ann: much later\n")
    assert [(b.locator.speaker, b.locator.start) for b in doc.blocks] == [("Ann", 62.0), ("Ben", 70.0), ("Ann", 3900.5)]


def test_urls_and_lowercase_clauses_are_not_speakers() -> None:
    doc = _read("Ann: see\nhttps://example.org/x for details\nthe reason is simple: money\nBen: ok\nAnn: fine\n")
    assert [(b.locator.speaker, b.text) for b in doc.blocks] == [
        ("Ann", "see https://example.org/x for details the reason is simple: money"),
        ("Ben", "ok"),
        ("Ann", "fine"),
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [("\n \n", EmptyDocument), ("Ann: {vocalsound}\nBen: {gap}\n", EmptyDocument), ("no speakers here\nat all\n", CorruptFile)],
)
def test_broken_files_raise_typed_errors(text: str, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        speaker_text.read(text.encode(), ReadContext(path=Path("broken.txt")))
    assert "broken.txt" in info.value.message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_speaker_text_fails_cleanly(corpus: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(QMSUM_TXT))
    check_fails_cleanly(speaker_text.read, data.draw(damaged((corpus / T / name).read_bytes())), name)

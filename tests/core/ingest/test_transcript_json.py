"""JSON transcripts: QMSum and CouncilDataProject files from the corpus, Whisper-style of our own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.errors import CorruptFile, EmptyDocument, UnsupportedFormat
from desktop.core.ingest import Format, read_bytes, read_document, sniff, transcript_json
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.transcript_json import looks_like_transcript
from tests.core.ingest._transcript_fuzz import check_fails_cleanly, damaged

T = "transcript"
JSON_FILES = ["qmsum-ES2008a-product-kickoff.json", "qmsum-education_3-welsh-committee.json",
              "oakland-council-2022-08-09.cdp-transcript.json"]


def _read(obj: Any, name: str = "call.json"):
    return read_bytes(json.dumps(obj).encode(), ReadContext(path=Path(name)))


@pytest.mark.parametrize("name", JSON_FILES)
def test_corpus_json_transcripts_are_sniffed(corpus: Path, name: str) -> None:
    path = corpus / T / name
    assert sniff(path.read_bytes(), ReadContext(path)) is Format.TRANSCRIPT_JSON


def test_qmsum_product_kickoff(corpus: Path) -> None:
    path = corpus / T / "qmsum-ES2008a-product-kickoff.json"
    doc = read_document(path)
    assert doc.title == "Qmsum ES2008a product kickoff"
    assert doc.metadata == {"participants": ["Marketing", "Project Manager", "Industrial Designer", "User Interface"]}
    # The first turn is only "{vocalsound}": a noise, not a turn.
    assert (doc.blocks[0].locator.speaker, doc.blocks[0].text) == ("Marketing", "Hmm .")
    assert doc.blocks[1].locator.speaker == "Project Manager"
    assert doc.blocks[1].text.startswith("Okay . Good morning everybody . Um I'm glad you could all come .")
    spelled = next(b for b in doc.blocks if b.text == "A_ L_ I_ M_ A_ .")
    assert spelled.locator.speaker == "Industrial Designer"
    assert "{" not in doc.text()
    # The human reference summaries inside the file are answers, never document text.
    raw = json.loads(path.read_text())
    assert raw["general_query_list"][0]["answer"][:40] not in doc.text()
    assert all(b.locator.start is None for b in doc.blocks)


def test_qmsum_welsh_committee(corpus: Path) -> None:
    doc = read_document(corpus / T / "qmsum-education_3-welsh-committee.json")
    first = doc.blocks[0]
    assert first.locator.speaker == "Lynne Neagle AM"
    assert first.text.startswith("Good morning, everyone. Welcome to the Children, Young People and Education Committee")
    assert doc.blocks[1].locator.speaker == "Suzy Davies AM" and doc.blocks[1].text.startswith("Bore da.")
    assert doc.metadata["participants"][:3] == ["Lynne Neagle AM", "Suzy Davies AM", "Meilyr Rowlands"]
    assert {"Claire Morgan", "Jassa Scott"} <= set(doc.metadata["participants"])


def test_cdp_council_transcript(corpus: Path) -> None:
    doc = read_document(corpus / T / "oakland-council-2022-08-09.cdp-transcript.json")
    assert doc.metadata["date"] == "2022-08-09T10:00:00-07:00"
    # speaker_index is 0 for every sentence: no information, so no invented "Speaker 1".
    assert "participants" not in doc.metadata
    assert all(b.locator.speaker is None for b in doc.blocks)
    assert doc.blocks[0].text == "Successor Agency/City Council."
    welcome = doc.blocks[1]
    assert welcome.text.startswith("good morning, welcome to to special concurrent of the Oakland redevelopment")
    assert welcome.text.endswith("we will begin with a roll call, Councilmember Fife?")
    assert (welcome.locator.start, welcome.locator.end) == (148.168, 161.414)
    assert doc.blocks[2].text == "present."
    assert all(">>" not in b.text for b in doc.blocks)
    # "...in--&!>> I do apologize, MS." splits mid-sentence at the marker.
    assert any(b.text.startswith("I do apologize, MS.") for b in doc.blocks)
    assert doc.blocks[-1].text.endswith("Love life.")
    assert doc.blocks[-1].locator.end == 1550.373
    assert doc.metadata["duration"] == 1550.373


def test_whisperx_segments_with_speakers_and_language() -> None:
    doc = _read({"language": "en", "segments": [
        {"start": 0.0, "end": 2.5, "text": " Hello there.", "speaker": "SPEAKER_00"},
        {"start": 2.5, "end": 4.0, "text": " How are you?", "speaker": "SPEAKER_00"},
        {"start": 4.2, "end": 5.0, "text": " Fine.", "speaker": "SPEAKER_01"},
    ]})
    assert [(b.locator.speaker, b.locator.start, b.locator.end, b.text) for b in doc.blocks] == [
        ("SPEAKER_00", 0.0, 4.0, "Hello there. How are you?"), ("SPEAKER_01", 4.2, 5.0, "Fine.")
    ]
    assert doc.metadata == {"language": "en", "participants": ["SPEAKER_00", "SPEAKER_01"], "duration": 5.0}


def test_cdp_speaker_names_and_varying_indexes() -> None:
    named = _read({"sentences": [
        {"text": "Call to order.", "start_time": 1, "end_time": 2, "speaker_index": 0, "speaker_name": "Chair Ruiz"},
        {"text": "Present.", "start_time": 3, "end_time": 4, "speaker_index": 1, "speaker_name": None},
    ]})
    assert [b.locator.speaker for b in named.blocks] == ["Chair Ruiz", "Speaker 2"]
    same = _read({"sentences": [{"text": "One.", "start_time": 1, "end_time": 2, "speaker_index": 3},
                                {"text": "Two.", "start_time": 2, "end_time": 3, "speaker_index": 3}]})
    assert [b.locator.speaker for b in same.blocks] == [None]


def test_bare_list_and_bad_times() -> None:
    doc = _read([{"speaker": "Ann", "text": "Hi", "start": "soon", "end": float("inf")},
                 {"speaker": "Ben", "text": "Hello", "start": True}])
    assert [(b.locator.speaker, b.locator.start, b.locator.end) for b in doc.blocks] == [("Ann", None, None),
                                                                                         ("Ben", None, None)]


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"meeting_transcripts": [{"speaker": "A", "content": "hi"}]}, True),
        ({"sentences": [{"text": "hi", "start_time": 0}]}, True),
        ({"segments": [{"text": "hi", "start": 0}]}, True),
        ([{"speaker": "A", "text": "hi"}], True),
        ([{"text": "hi"}], False),  # any list of texts; no speaker or time
        ({"sentences": "hi"}, False),
        ({"meeting_transcripts": [1, 2, 3]}, False),
        ({"name": "package", "version": "1.0"}, False),
        ([1, 2], False),
        ("text", False),
        (None, False),
    ],
)
def test_looks_like_transcript(obj: Any, expected: bool) -> None:
    assert looks_like_transcript(obj) is expected


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b'{"meeting_transcripts": [{"speaker": "A", "content": "hi"', CorruptFile),
        (b'{"meeting_transcripts": [{"speaker": "A", "content": "{vocalsound}"}]}', EmptyDocument),
        (b'{"name": "package", "version": "1.0"}', UnsupportedFormat),
        (b"[" * 100_000 + b"]" * 100_000, CorruptFile),
    ],
)
def test_broken_files_raise_typed_errors(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        transcript_json.read(data, ReadContext(path=Path("broken.json")))
    assert "broken.json" in info.value.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_json_fails_cleanly(corpus: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(JSON_FILES))
    check_fails_cleanly(transcript_json.read, data.draw(damaged((corpus / T / name).read_bytes())), name)

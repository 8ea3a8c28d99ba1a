"""SubRip reader: the UTF-16 monologue and the ale5000 capability tester, plus own small files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest import Format, read_bytes, read_document, sniff, srt
from desktop.core.ingest.context import ReadContext
from tests.core.ingest._transcript_fuzz import check_fails_cleanly, damaged

T = "transcript"


def _read(text: str, encoding: str = "utf-8"):
    return read_bytes(text.encode(encoding), ReadContext(path=Path("episode.srt")))


@pytest.mark.parametrize("name", ["utf16le-bom.srt", "srt-capability-tester.srt"])
def test_corpus_srt_files_are_sniffed_as_srt(corpus: Path, name: str) -> None:
    path = corpus / T / name
    assert sniff(path.read_bytes(), ReadContext(path)) is Format.SRT


def test_utf16le_with_bom(corpus: Path) -> None:
    doc = read_document(corpus / T / "utf16le-bom.srt")
    text = doc.text()
    assert text.startswith("About 2 months ago I found myself on the comment section of YouTube And I was commenting,")
    assert "on a video about the famous Ayn Rand" in text
    assert text.endswith("is organize a global awareness day")
    assert "\x00" not in text and "\ufeff" not in text
    assert doc.blocks[0].locator.start == 6.5
    assert doc.blocks[-1].locator.end == 50.0
    assert doc.metadata["duration"] == 43.5
    assert doc.title == "Utf16le bom"


def test_capability_tester_tags_hidden_cues_and_overlaps(corpus: Path) -> None:
    doc = read_document(corpus / T / "srt-capability-tester.srt")
    text = doc.text()
    # Zero-length cues are never shown by players: "hidden data" stays hidden.
    assert "Don't show this text" not in text and "Hidden" not in text
    assert doc.blocks[0].locator.start == 1.5
    assert text.startswith("SubRip subtitles capability tester 1.3o by ale5000 Use VLC 1.1 or higher")
    # <font>, <b>, <i>, <u>, <s> and unknown tags go; their text stays.
    for tag in ("<font", "<b>", "</i>", "<u>", "<s>", "invalid_tag", "<wwww>"):
        assert tag not in text
    for phrase in ("This text should be blue", "This text should be bold, italics and underline",
                   "This should be an E with an accent: È 日本語", "hide invalid html tags that are closed"):
        assert phrase in text
    # "2<3,5>1,4<6" is not a tag; "{normal text}" is not an override; {\an8} and {Y:..} are.
    assert "2<3,5>1,4<6" in text and "{normal text}" in text
    assert "\\an" not in text and "{Y:" not in text and "\\h" not in text
    assert "The line will never break automatically right before or after a hard space." in text
    # Position coordinates are not text; the positioned cue is.
    assert "X1:" not in text and "This text should NOT be in the normal position" in text
    # Overlapping cues all appear, in time order.
    order = ["First text", "Second, it shouldn't overlap first", "Third, it should replace second",
             "Fourth, it shouldn't overlap first and third", "Fifth, it should replace third",
             "Sixth, it shouldn't be showed overlapped"]
    positions = [text.index(p) for p in order]
    assert positions == sorted(positions)
    assert doc.blocks[-1].text.endswith("the wrong closing tag should be showed")
    assert doc.blocks[-1].locator.end == 68.5
    assert doc.metadata["duration"] == 67.0


def test_dialogue_dashes_are_separate_turns() -> None:
    doc = _read(
        "1\n00:00:01,000 --> 00:00:03,000\n- Where are you going?\n- Home.\n\n"
        "2\n00:00:03,500 --> 00:00:05,000\n<i>It was late.</i>\n"
    )
    assert [b.text for b in doc.blocks] == ["Where are you going?", "Home. It was late."]
    assert all(b.locator.speaker is None for b in doc.blocks)
    assert (doc.blocks[1].locator.start, doc.blocks[1].locator.end) == (1.0, 5.0)


def test_sloppy_files_missing_blank_lines_with_dots_and_crlf() -> None:
    doc = _read("1\r\n00:00:01.000 --> 00:00:02.000\r\nOne\r\n2\r\n00:00:02.000 --> 00:00:03.000\r\nTwo\r\n\r\n\r\n"
                "3\r\n00:00:03,000 --> 00:00:04,000\r\nThree &amp; four\r\n")
    assert doc.text() == "One Two Three & four"


def test_out_of_order_cues_are_read_in_time_order() -> None:
    doc = _read("2\n00:00:05,000 --> 00:00:06,000\nlater\n\n1\n00:00:01,000 --> 00:00:02,000\nearlier\n")
    assert doc.text() == "earlier later"


def test_all_zero_length_cues_are_kept_as_untimed_text() -> None:
    doc = _read("1\n00:00:00,000 --> 00:00:00,000\nonly text\n")
    assert doc.text() == "only text"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1\n00:00:01,000 --> 00:00:02,000\n<b> </b>\n", EmptyDocument),
        ("1\nno timings here\n\n2\nnor here\n", CorruptFile),
    ],
)
def test_broken_files_raise_typed_errors(text: str, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        srt.read(text.encode(), ReadContext(path=Path("broken.srt")))
    assert "broken.srt" in info.value.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_srt_fails_cleanly(corpus: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["utf16le-bom.srt", "srt-capability-tester.srt"]))
    check_fails_cleanly(srt.read, data.draw(damaged((corpus / T / name).read_bytes())), name)

"""WebVTT reader: real council, Teams and YouTube captions from the corpus, plus small own files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.document import DocKind, Role
from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest import Format, read_bytes, read_document, sniff, vtt
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.cues import HARD_CHARS, HARD_SECONDS
from desktop.core.limits import Limits
from tests.core.ingest._transcript_fuzz import check_fails_cleanly, damaged

T = "transcript"


def _read(text: str, name: str = "meeting.vtt", **limits: int):
    ctx = ReadContext(path=Path(name), limits=Limits(**limits))
    return read_bytes(text.encode("utf-8"), ctx)


@pytest.mark.parametrize(
    "name",
    ["teams-voice-tags.vtt", "captions-with-bom.vtt", "no-webvtt-header.vtt", "youtube-autocaptions.vtt",
     "seattle-council-briefing-2021-08-02.vtt", "oakland-council-2022-08-09.vtt"],
)
def test_corpus_vtt_files_are_sniffed_as_vtt(corpus: Path, name: str) -> None:
    path = corpus / T / name
    assert sniff(path.read_bytes(), ReadContext(path)) is Format.VTT


def test_teams_voice_tags_name_each_speaker(corpus: Path) -> None:
    doc = read_document(corpus / T / "teams-voice-tags.vtt")
    assert doc.kind is DocKind.TRANSCRIPT
    assert [(b.locator.speaker, b.text) for b in doc.blocks] == [
        ("Yuri Bakulin", "There you go."),
        ("Adrian Petrescu", "Why hello there, Yuri."),
    ]
    # Non-padded timestamps: "0:0:0.210 --> 0:0:1.130".
    assert (doc.blocks[1].locator.start, doc.blocks[1].locator.end) == (0.21, 1.13)
    assert doc.blocks[0].locator.end == 0.57
    assert doc.metadata["participants"] == ["Yuri Bakulin", "Adrian Petrescu"]
    assert doc.metadata["duration"] == pytest.approx(1.13)
    assert doc.title == "Teams voice tags"


def test_bom_is_not_text_and_unnamed_captions_form_one_block(corpus: Path) -> None:
    doc = read_document(corpus / T / "captions-with-bom.vtt")
    assert len(doc.blocks) == 1
    block = doc.blocks[0]
    assert block.text == "Caption text #1 Caption text #2 Caption text #3 Caption text #4"
    assert (block.locator.start, block.locator.end, block.locator.speaker) == (0.5, 21.58, None)
    assert "participants" not in doc.metadata
    assert "\ufeff" not in doc.text()


def test_missing_webvtt_header_is_read_leniently(corpus: Path) -> None:
    doc = read_document(corpus / T / "no-webvtt-header.vtt")
    assert doc.text() == " ".join(f"Caption text #{i}" for i in range(1, 8))
    assert doc.blocks[0].locator.start == 0.5 and doc.blocks[-1].locator.end == 30.28


def test_youtube_rolling_autocaptions_are_not_doubled(corpus: Path) -> None:
    doc = read_document(corpus / T / "youtube-autocaptions.vtt")
    assert doc.text() == "yeah what this will happen is I'm telling"
    assert doc.blocks[0].locator.start == pytest.approx(4 * 60 + 46.07)
    assert doc.blocks[-1].locator.end == pytest.approx(5 * 60 + 5.4)
    assert doc.metadata["language"] == "en"


def test_seattle_entities_settings_and_turn_markers(corpus: Path) -> None:
    doc = read_document(corpus / T / "seattle-council-briefing-2021-08-02.vtt")
    text = doc.text()
    assert "&gt;" not in text and ">>" not in text and "align:" not in text
    first = doc.blocks[0]
    assert first.locator.start == pytest.approx(5.872)
    assert first.text.startswith("GOOD MORNING EVERYONE. THE AUGUST 2nd, 2021 COUNCIL BRIEFING MEETING WILL COME TO ORDER.")
    # Each ">>" of the roll call starts a new, unnamed turn at its cue's time.
    juarez = next(b for b in doc.blocks if b.text == "JUAREZ?")
    assert juarez.locator.start == pytest.approx(40.807) and juarez.locator.speaker is None
    assert doc.blocks[doc.blocks.index(juarez) + 1].text == "HERE."
    # The clerk's tally has no ">>" of its own, so it stays with the last answer.
    assert doc.blocks[-1].text == "HERE. EIGHT PRESENT."
    assert doc.blocks[-1].locator.end == pytest.approx(72.972)


def test_oakland_council_captions(corpus: Path) -> None:
    doc = read_document(corpus / T / "oakland-council-2022-08-09.vtt")
    blocks = doc.blocks
    # The empty 00:00 cue is dropped: speech starts at 2:28.
    assert blocks[0].locator.start == pytest.approx(148.168)
    assert blocks[0].text == "successor agency/city council."
    # ">> good morning" inside the same cue starts a new utterance.
    assert blocks[1].text.startswith("good morning, welcome to to special concurrent of the oakland")
    assert blocks[1].locator.start == pytest.approx(148.168)
    assert blocks[2].text == "present."
    assert all(">>" not in b.text for b in blocks)
    # The clerk really called Kalb three times: not rolling captions, nothing de-duplicated.
    kalb = next(b for b in blocks if "kalb?" in b.text.lower())
    assert kalb.text.lower().count("councilmember kalb?") == 3
    assert blocks[-1].text.endswith("the meeting is adjourned. Love life.")
    assert blocks[-1].locator.end == pytest.approx(1550.373)
    assert doc.metadata["duration"] == pytest.approx(1550.373 - 148.168)
    assert "participants" not in doc.metadata
    assert all(b.role is Role.UTTERANCE and b.locator.speaker is None for b in blocks)
    # Long public comments are cut into blocks short enough to cite precisely.
    for b in blocks:
        assert b.locator.end - b.locator.start <= HARD_SECONDS + 10
        assert len(b.text) <= HARD_CHARS + 200
    assert [b.locator.paragraph for b in blocks] == list(range(1, len(blocks) + 1))


def test_markup_notes_styles_regions_and_identifiers() -> None:
    doc = _read(
        "WEBVTT - Board meeting\nKind: captions\nLanguage: fr-CA\n\n"
        "STYLE\n::cue { color: red }\n\n"
        "REGION\nid:fred width:40%\n\n"
        "NOTE this is a comment\nthat spans two lines\n\n"
        "intro-1\n00:00:01.000 --> 00:00:03.000 align:start line:0 position:10%\n"
        "<v Roger Bingham>We are in <b>New</b> <i>York</i> City</v> <v Neil &amp; Co>Yes &amp; no &gt;</v>\n\n"
        "00:01:00.000 --> 00:01:03.000\n"
        "<v.loud Roger Bingham>We<00:01:00.500><c.red> are</c> at the <ruby>Lucern<rt>loo</rt></ruby> Hotel</v>\n"
    )
    assert doc.title == "Board meeting"
    assert doc.metadata["language"] == "fr-CA"
    assert [(b.locator.speaker, b.text) for b in doc.blocks] == [
        ("Roger Bingham", "We are in New York City"),
        ("Neil & Co", "Yes & no >"),
        ("Roger Bingham", "We are at the Lucern Hotel"),
    ]
    assert "comment" not in doc.text() and "width" not in doc.text() and "intro-1" not in doc.text()


def test_consecutive_cues_of_one_speaker_merge() -> None:
    doc = _read(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>One.\n\n00:00:02.500 --> 00:00:04.000\n<v Ann>Two.\n\n"
        "00:00:05.000 --> 00:00:06.000\n<v Bo>Three.\n\n00:00:07.000 --> 00:00:09.000\n<v Ann>Four.\n"
    )
    assert [(b.locator.speaker, b.text, b.locator.start, b.locator.end) for b in doc.blocks] == [
        ("Ann", "One. Two.", 1.0, 4.0), ("Bo", "Three.", 5.0, 6.0), ("Ann", "Four.", 7.0, 9.0)
    ]
    assert doc.metadata == {"participants": ["Ann", "Bo"], "duration": 8.0}


def test_zoom_style_name_prefixes_become_speakers() -> None:
    doc = _read(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nJohn Smith: Hello everyone, welcome.\n\n"
        "2\n00:00:03.500 --> 00:00:05.000\nand thanks for coming.\n\n"
        "3\n00:00:05.500 --> 00:00:08.000\nMary Jones: Thanks John.\n\n"
        "4\n00:00:08.500 --> 00:00:09.000\nJohn Smith: Let's begin.\n"
    )
    assert [(b.locator.speaker, b.text) for b in doc.blocks] == [
        ("John Smith", "Hello everyone, welcome. and thanks for coming."),
        ("Mary Jones", "Thanks John."),
        ("John Smith", "Let's begin."),
    ]


def test_timing_line_without_blank_line_and_stray_text() -> None:
    doc = _read(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfirst\n00:00:02.000 --> 00:00:03.000\nsecond\n\nstray line\n\n"
        "00:00:04.000 --> 00:00:05.000\nthird\n"
    )
    assert doc.text() == "first second stray line third"


def test_bad_timings_are_skipped_with_a_warning() -> None:
    doc = _read("WEBVTT\n\n00:00:01.000 --> soon\nlost\n\n00:00:02.000 --> 00:00:03.000\nkept\n")
    assert doc.text() == "kept"
    assert len(doc.warnings) == 1 and "meeting.vtt" in doc.warnings[0]


def test_long_pause_starts_a_new_unnamed_block() -> None:
    doc = _read("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nbefore\n\n00:00:30.000 --> 00:00:31.000\nafter\n")
    assert [b.text for b in doc.blocks] == ["before", "after"]


def test_max_chars_truncates_with_a_warning() -> None:
    cues = "".join(f"00:00:{i:02d}.000 --> 00:00:{i:02d}.900\n<v A>word{i} and more\n\n" for i in range(30))
    doc = _read("WEBVTT\n\n" + cues, max_chars=100)
    assert len(doc.text()) <= 100
    assert doc.text().startswith("word0 and more word1")
    assert any("100" in w for w in doc.warnings)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("WEBVTT\n\n", EmptyDocument),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<b></b>\n\n00:00:03.000 --> 00:00:04.000\n", EmptyDocument),
        ("WEBVTT\n\n00:00:01.000 --> later\ntext\n", CorruptFile),
        ("just some words\nin a file\n", CorruptFile),
    ],
)
def test_broken_files_raise_typed_errors(text: str, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        vtt.read(text.encode(), ReadContext(path=Path("broken.vtt")))
    assert "broken.vtt" in info.value.message


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_vtt_fails_cleanly(corpus: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["teams-voice-tags.vtt", "youtube-autocaptions.vtt",
                                      "seattle-council-briefing-2021-08-02.vtt", "oakland-council-2022-08-09.vtt"]))
    check_fails_cleanly(vtt.read, data.draw(damaged((corpus / T / name).read_bytes())), name)

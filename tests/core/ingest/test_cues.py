"""The rules every transcript reader shares: grouping cues into utterances, names, titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.errors import EmptyDocument
from desktop.core.ingest.captions import dedupe_rolling, drop_hidden, looks_rolling, parse_timestamp, split_turns
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.cues import (
    HARD_CHARS,
    SOFT_SECONDS,
    Cue,
    build_transcript,
    name_like,
    plausible_label,
    speaker_base,
    title_from_name,
)

CTX = ReadContext(path=Path("council.vtt"))


def test_unnamed_captions_close_a_block_at_a_sentence_end_after_a_minute() -> None:
    cues = [Cue(float(t), t + 4.0, None, "words and more words" + ("." if t % 20 == 15 else "")) for t in range(0, 200, 5)]
    doc = build_transcript(cues, CTX)
    assert len(doc.blocks) > 1
    for block in doc.blocks[:-1]:
        assert block.text.endswith(".")
        assert SOFT_SECONDS <= block.locator.end - block.locator.start <= 90
    assert doc.blocks[1].locator.start == doc.blocks[0].locator.end + 1.0


def test_unpunctuated_captions_are_cut_at_the_hard_limit() -> None:
    cues = [Cue(float(t), t + 1.0, None, "x" * 100) for t in range(40)]
    doc = build_transcript(cues, CTX)
    assert len(doc.blocks) >= 2
    assert all(len(b.text) <= HARD_CHARS + 101 for b in doc.blocks)


def test_named_speaker_turns_are_never_cut() -> None:
    cues = [Cue(float(t), t + 1.0, "Ann", "x" * 100) for t in range(0, 400, 2)]
    doc = build_transcript(cues, CTX)
    assert len(doc.blocks) == 1 and doc.blocks[0].locator.end == 399.0


def test_turn_marks_and_speaker_variants() -> None:
    cues = [
        Cue(1, 2, "Ms. Gladu (Sarnia, CPC)", "Point of order."),
        Cue(2, 3, "Ms. Gladu", "Thank you."),
        Cue(3, 4, None, "someone"),
        Cue(4, 5, None, "someone else", turn=True),
    ]
    doc = build_transcript(cues, CTX, title="Own title")
    assert [b.text for b in doc.blocks] == ["Point of order. Thank you.", "someone", "someone else"]
    assert doc.blocks[0].locator.speaker == "Ms. Gladu (Sarnia, CPC)"
    assert doc.metadata["participants"] == ["Ms. Gladu (Sarnia, CPC)"]
    assert doc.title == "Own title"


def test_no_text_is_an_empty_document() -> None:
    with pytest.raises(EmptyDocument, match="council.vtt"):
        build_transcript([Cue(0, 1, "A", "  \n ")], CTX)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("qmsum-ES2008a-product-kickoff.json", "Qmsum ES2008a product kickoff"),
        ("oakland-council-2022-08-09.vtt", "Oakland council 2022-08-09"),
        ("Board_Meeting.srt", "Board Meeting"),
        ("v1.2-notes.txt", "V1.2 notes"),
    ],
)
def test_title_from_name(name: str, title: str) -> None:
    assert title_from_name(name) == title


def test_speaker_labels() -> None:
    assert speaker_base("The Chair (Hon. Anthony Rota (Nipissing, Lib.))") == "The Chair"
    assert speaker_base("Speaker 2") == "Speaker 2"
    assert speaker_base("(unbalanced))") == "(unbalanced))"
    assert name_like("Grad A") and name_like("Hon. Mary Ng (Minister of Small Business, Export Promotion)")
    assert not name_like("the reason is simple")
    assert not plausible_label("see https") and not plausible_label("Why?") and not plausible_label("")


def test_caption_helpers() -> None:
    assert parse_timestamp("0:0:0.210") == pytest.approx(0.21)
    assert parse_timestamp("01:02:03,5") == pytest.approx(3723.5)
    assert parse_timestamp("04:46.070") == pytest.approx(286.07)
    kept = drop_hidden([Cue(0, 0, None, "hidden"), Cue(1, 0.5, None, "backwards"), Cue(2, 3, None, "shown")])
    assert [(c.text, c.end) for c in kept] == [("shown", 3)]
    rolling = [Cue(0, 1, None, "a b"), Cue(1, 2, None, "a b\nc d"), Cue(2, 3, None, "c d\ne f"), Cue(3, 4, None, "c d\ne f")]
    assert looks_rolling(rolling)
    assert [(c.text, c.end) for c in dedupe_rolling(rolling)] == [("a b", 1), ("c d", 2), ("e f", 4)]
    # A ">>" at the end of a cue: the turn begins with the next cue's words.
    turns = split_turns([Cue(0, 1, None, "done. >>"), Cue(1, 2, None, "next speaker")])
    assert [(c.text, c.turn) for c in turns] == [("done.", False), ("next speaker", True)]

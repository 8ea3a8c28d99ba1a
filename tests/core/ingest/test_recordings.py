"""Recordings read as transcripts: espeak-ng speech in every container PyAV writes, transcribed by
a random-weight Whisper with the real vocabulary. The words a random model writes mean nothing,
so these tests check what does: the format is recognised by content, every block has a time
range inside the recording, in order, and the transcript is cached, cancellable and previewed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from desktop.core.document import DocKind, Role
from desktop.core.errors import Cancelled, TranscriberMissing
from desktop.core.events import CancelToken, Progress, TranscriptSoFar
from desktop.core.ingest import RecordingOptions, iter_documents, read_bytes, read_document
from desktop.core.ingest.audio.sniff import recording_kind
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.detect import Format, sniff
from tests.core.ingest._recordings import CONTAINERS, RATE, silence, speak, write

pytestmark = pytest.mark.xdist_group("recordings")


def options(model: Path, **kw) -> RecordingOptions:
    """The test model writing four tokens per window: every window costs the same, whatever it hears."""
    return RecordingOptions(**{"model_dir": str(model), "model_id": "test", "max_new_tokens": 4, "spoken": "en", **kw})


def _check_times(doc, duration: float) -> None:
    assert doc.kind is DocKind.TRANSCRIPT and doc.blocks
    previous_end = 0.0
    for block in doc.blocks:
        loc = block.locator
        assert block.role is Role.UTTERANCE and block.text.strip()
        assert loc.start is not None and loc.end is not None
        assert 0.0 <= loc.start <= loc.end <= duration + 0.05
        assert loc.start >= previous_end - 0.05  # in order, not overlapping
        previous_end = loc.end


@pytest.mark.parametrize("ext", sorted(CONTAINERS))
def test_every_container_is_recognised_by_content_and_transcribed_with_times(
        ext: str, tmp_path: Path, meeting_speech: np.ndarray, whisper_model_dir: Path) -> None:
    path = write(tmp_path / f"meeting.{ext}", meeting_speech)
    renamed = path.rename(tmp_path / "meeting.bin")  # the name says nothing: the bytes decide
    assert recording_kind(renamed.read_bytes()[:4096]) is not None
    doc = read_document(renamed, recording=options(whisper_model_dir))
    duration = len(meeting_speech) / RATE
    assert doc.metadata["duration"] == pytest.approx(duration, abs=0.15)
    _check_times(doc, doc.metadata["duration"])
    assert doc.metadata["speech_seconds"] > duration * 0.6  # the voice filter heard the speech
    video = CONTAINERS[ext][2] is not None
    assert doc.metadata["recording"].split()[1] == ("video" if video else "audio")
    assert doc.metadata["speakers_from"] == "none" and "no speaker names" in " ".join(doc.warnings)
    assert doc.metadata["language"] == "en" and "translated_from" not in doc.metadata


def test_recordings_in_memory_read_the_same(tmp_path: Path, meeting_speech: np.ndarray, whisper_model_dir: Path) -> None:
    data = write(tmp_path / "memo.m4a", meeting_speech).read_bytes()
    ctx = ReadContext(path=tmp_path / "memo.m4a", recording=options(whisper_model_dir))
    assert sniff(data, ctx) is Format.RECORDING
    doc = read_bytes(data, ctx)
    on_disk = read_document(tmp_path / "memo.m4a", recording=options(whisper_model_dir, use_cache=False))
    assert [b.locator for b in doc.blocks] == [b.locator for b in on_disk.blocks]


def test_silence_between_speech_is_not_transcribed(tmp_path: Path, meeting_speech: np.ndarray,
                                                    whisper_model_dir: Path) -> None:
    """The voice filter leaves the 40 silent seconds out: no block lies inside them."""
    samples = np.concatenate([meeting_speech, silence(40), meeting_speech])
    doc = read_document(write(tmp_path / "gap.flac", samples), recording=options(whisper_model_dir))
    speech = len(meeting_speech) / RATE
    _check_times(doc, doc.metadata["duration"])
    assert doc.metadata["speech_seconds"] < 2 * speech + 3
    assert doc.metadata["speech_seconds"] > 1.5 * speech  # both halves were heard...
    for block in doc.blocks:  # ...and nothing was placed in the silence between them
        inside = block.locator.start > speech + 2 and block.locator.end < speech + 38
        assert not inside, block.locator


def test_progress_says_where_transcription_is_with_an_eta(tmp_path: Path, meeting_speech: np.ndarray,
                                                          whisper_model_dir: Path) -> None:
    samples = np.concatenate([meeting_speech] * 3)
    events: list = []
    read_document(write(tmp_path / "talk.mp3", samples), recording=options(whisper_model_dir, use_cache=False),
                  on_event=events.append)
    assert isinstance(events[0], Progress) and events[0].stage == "loading the speech model for talk.mp3"
    stages = [e for e in events if isinstance(e, Progress) and e.stage.startswith("transcrib")]
    seconds = int(len(samples) / RATE)
    assert stages[0].stage == f"transcribing 0:00 of {seconds // 60}:{seconds % 60:02d}"
    assert all(e.total == stages[0].total for e in stages[:-1]) and stages[0].total == int(len(samples) / RATE)
    dones = [e.done for e in stages]
    assert dones == sorted(dones) and dones[-1] == stages[-1].total
    assert any(e.eta_s is not None and e.done < e.total for e in stages)
    assert stages[-1].stage.startswith("transcribed")


def test_a_transcript_is_cached_by_content_and_model(tmp_path: Path, meeting_speech: np.ndarray,
                                                     whisper_model_dir: Path) -> None:
    path = write(tmp_path / "standup.opus", meeting_speech)
    first = read_document(path, recording=options(whisper_model_dir))
    events: list = []
    again = read_document(path, recording=options(whisper_model_dir), on_event=events.append)
    assert not first.metadata["transcript_cached"] and again.metadata["transcript_cached"]
    assert [(b.text, b.locator) for b in again.blocks] == [(b.text, b.locator) for b in first.blocks]
    assert not [e for e in events if isinstance(e, Progress) and e.stage.startswith("transcribing")]
    copy = tmp_path / "renamed.opus"
    copy.write_bytes(path.read_bytes())
    assert read_document(copy, recording=options(whisper_model_dir)).metadata["transcript_cached"]  # same bytes
    other_model = read_document(path, recording=options(whisper_model_dir, model_id="test-2"))
    longer = read_document(path, recording=options(whisper_model_dir, max_new_tokens=6))
    assert not other_model.metadata["transcript_cached"] and not longer.metadata["transcript_cached"]


def test_cancel_is_seen_within_a_second(tmp_path: Path, meeting_speech: np.ndarray, whisper_model_dir: Path) -> None:
    samples = np.concatenate([meeting_speech] * 8)  # a minute and a half of speech
    path = write(tmp_path / "long.wav", samples)
    cancel = CancelToken()
    pressed: list[float] = []

    def on_event(event: object) -> None:
        if isinstance(event, Progress) and event.done > 0 and not pressed:
            pressed.append(time.monotonic())
            cancel.cancel()

    # Whisper writes 200 tokens per window here: a window takes longer than the poll interval.
    with pytest.raises(Cancelled):
        read_document(path, recording=options(whisper_model_dir, max_new_tokens=200, use_cache=False, slab_seconds=30),
                      on_event=on_event, cancel=cancel)
    assert pressed and time.monotonic() - pressed[0] < 1.0


def test_cancel_from_another_thread_stops_a_read_in_progress(tmp_path: Path, meeting_speech: np.ndarray,
                                                             whisper_model_dir: Path) -> None:
    path = write(tmp_path / "long.wav", np.concatenate([meeting_speech] * 8))
    cancel = CancelToken()
    timer = threading.Timer(1.0, cancel.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        read_document(path, recording=options(whisper_model_dir, max_new_tokens=200, use_cache=False, slab_seconds=30),
                      cancel=cancel)
    assert time.monotonic() - started < 2.0
    timer.cancel()


def test_the_transcript_so_far_is_sent_while_the_rest_is_transcribed(
        tmp_path: Path, meeting_speech: np.ndarray, whisper_model_dir: Path) -> None:
    samples = np.concatenate([meeting_speech] * 10)  # two minutes, in slabs of 15 to 30 seconds
    events: list = []
    doc = read_document(write(tmp_path / "review.m4a", samples), on_event=events.append,
                        recording=options(whisper_model_dir, slab_seconds=30, use_cache=False))
    partial = [e for e in events if isinstance(e, TranscriptSoFar)]
    assert partial, "no transcript was sent before the end"
    first = partial[0]
    assert 15 <= first.done_s < first.total_s  # after the first slab (15 to 30 seconds)
    assert first.document.blocks and first.document.blocks[-1].locator.end <= first.done_s + 0.05
    assert "so far" in first.document.warnings[0]
    assert len(first.document.blocks) <= len(doc.blocks)
    assert doc.blocks[-1].locator.end > first.done_s


def test_no_speech_model_is_one_sentence_and_the_other_files_go_on(tmp_path: Path, meeting_speech: np.ndarray) -> None:
    note = tmp_path / "notes.txt"
    note.write_text("Budget review moved to Friday. Alice sends the figures.", encoding="utf-8")
    rec = write(tmp_path / "call.mp3", meeting_speech)
    outcomes = list(iter_documents([rec, note], recording=RecordingOptions(missing="download one.")))
    assert isinstance(outcomes[0].error, TranscriberMissing)
    assert "needs a speech model: download one." in outcomes[0].error.message
    assert outcomes[1].document is not None


def test_a_spoken_language_translated_into_english_says_so(tmp_path: Path, whisper_model_dir: Path) -> None:
    samples = speak("Bonjour à tous. Nous avons décidé de reporter la réunion à vendredi.", voice="fr")
    path = write(tmp_path / "reunion.ogg", samples)
    translated = read_document(path, recording=options(whisper_model_dir, spoken="fr", language="translate"))
    assert translated.metadata["language"] == "en" and translated.metadata["translated_from"] == "fr"
    assert any("English translation of speech in French" in w for w in translated.warnings)
    kept = read_document(path, recording=options(whisper_model_dir, spoken="fr", language="transcribe"))
    assert kept.metadata["language"] == "fr" and "translated_from" not in kept.metadata
    assert not any("translation" in w for w in kept.warnings)


def test_the_spoken_language_is_identified_when_not_given(tmp_path: Path, meeting_speech: np.ndarray,
                                                          whisper_model_dir: Path) -> None:
    """A random model identifies some language; whichever it is, the rules hold."""
    doc = read_document(write(tmp_path / "x.wav", meeting_speech), recording=options(whisper_model_dir, spoken=None))
    spoken = doc.metadata["spoken_language"]
    assert isinstance(spoken, str) and 2 <= len(spoken) <= 5
    if spoken == "en":
        assert doc.metadata["language"] == "en" and "translated_from" not in doc.metadata
    else:
        assert doc.metadata["language"] == "en" and doc.metadata["translated_from"] == spoken

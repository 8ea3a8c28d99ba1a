"""A recording through the whole road: transcribed, previewed while it is transcribed, summarized
into points that cite time ranges (and the sidecar's speakers), cached across jobs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from desktop.core.events import Event, Preview, Progress, TranscriptSoFar
from desktop.ml.engine.job import EnginePool, JobSpec, run_job
from desktop.ml.models.store import ModelStore
from tests.core.ingest._recordings import RATE, write
from tests.ml._digest_checks import assert_valid_source

pytestmark = pytest.mark.xdist_group("recordings")


def _spec(paths: list[Path], whisper: Path, **kw) -> JobSpec:
    return JobSpec(paths=[str(p) for p in paths], recording_model=str(whisper), recording_max_tokens=4,
                   spoken_language="en", threads=1, **kw)


def test_a_recording_with_its_captions_becomes_a_digest_citing_times_and_speakers(
        tmp_path: Path, meeting_speech: np.ndarray, whisper_model_dir: Path) -> None:
    samples = np.concatenate([meeting_speech] * 3)
    end = len(samples) / RATE
    folder = tmp_path / "meetings"
    folder.mkdir()
    recording = write(folder / "kickoff.webm", samples)
    (folder / "kickoff.vtt").write_text(
        f"WEBVTT\n\n00:00:00.000 --> 00:00:{end / 2:06.3f}\n<v Ana>Hi.</v>\n\n"
        f"00:00:{end / 2:06.3f} --> 00:00:{end:06.3f}\n<v Ravi>Hello.</v>\n", encoding="utf-8")
    broken = folder / "broken.m4a"
    broken.write_bytes(write(tmp_path / "x.m4a", samples).read_bytes()[:3000])
    result = run_job(_spec([folder], whisper_model_dir, engine="extractive"))
    assert [d.path.name for d in result.documents] == ["kickoff.webm"]  # the captions named speakers, not read twice
    assert [e["path"] for e in result.errors] == [str(broken)] and result.errors[0]["error"] == "CorruptFile"
    digest = result.digest
    assert digest.points
    for point in digest.points:
        for source in point.sources:
            assert source.path == str(recording)
            assert source.locator.start is not None and source.locator.end is not None
            assert source.locator.speaker in ("Ana", "Ravi")
            assert_valid_source(source, result.documents)


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("store")
    ModelStore(root).import_folder(tiny_model_dir, "tiny")
    return root


def test_the_preview_shows_the_first_minutes_while_the_rest_is_transcribed(
        tmp_path: Path, meeting_speech: np.ndarray, whisper_model_dir: Path, store_root: Path) -> None:
    samples = np.concatenate([meeting_speech] * 16)  # over two and a half minutes: more than one slab
    recording = write(tmp_path / "all-hands.mp3", samples)
    events: list[Event] = []
    pool = EnginePool()
    spec = _spec([recording], whisper_model_dir, engine="flan-t5", model="tiny", backend="torch",
                 quantization="float32", model_store=str(store_root), classify=False, length="short")
    run_job(spec, on_event=events.append, pool=pool)
    assert not any(isinstance(e, TranscriptSoFar) for e in events)  # turned into previews, never passed on
    done = next(i for i, e in enumerate(events) if isinstance(e, Progress) and e.stage.startswith("transcribed"))
    early = [e for e in events[:done] if isinstance(e, Preview)]
    assert early, "no preview while transcribing"
    cited = [s.locator.end for p in early[0].digest.points for s in p.sources]
    assert cited and max(cited) < len(samples) / RATE - 5  # from the first minutes only
    assert any(isinstance(e, Preview) for e in events[done:])

    # The same recording again (another length): the transcript comes from the cache.
    again: list[Event] = []
    run_job(dataclasses.replace(spec, length="medium"), on_event=again.append, pool=pool)
    assert not any(isinstance(e, Progress) and e.stage.startswith("transcribing") for e in again)
    from desktop.core.ingest.audio import whisper

    pool.close()
    assert whisper._loaded is None  # the speech model goes with the job's other model

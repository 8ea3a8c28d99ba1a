"""Silero VAD in numpy (desktop/core/ingest/audio/silero.py) against faster-whisper's onnxruntime
session on the same model file: the same speech probabilities on real espeak-ng speech and
silence, the same speech found by faster-whisper's own get_speech_timestamps, and the recording
reader finding speech with onnxruntime unavailable, as in the lean bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from desktop.core.ingest.audio import silero, whisper
from desktop.core.ingest.audio.decode import Slab
from desktop.core.ingest.audio.onnx_file import read_onnx
from desktop.core.ingest.audio.silero import SileroVAD, asset_path
from tests.core.ingest._recordings import RATE, silence

pytestmark = pytest.mark.xdist_group("recordings")


@pytest.fixture(scope="module")
def talk(corpus: Path) -> np.ndarray:
    """Two stretches of a corpus meeting read aloud with long silences around and between them,
    as float32 samples the way the reader hands them to the filter."""
    from tests.core.ingest._recordings import meeting_lines, speak

    first = speak(" ".join(meeting_lines(corpus, 2, words=9)))
    second = speak(" ".join(meeting_lines(corpus, 2, start=2, words=9)), voice="en-us")
    samples = np.concatenate([silence(1.3), first, silence(3.1), second, silence(2.7)])
    return samples.astype(np.float32) / 32768


@pytest.fixture(scope="module")
def onnx_session():
    pytest.importorskip("onnxruntime", reason="onnxruntime is the reference the numpy network is checked against")
    from faster_whisper.vad import SileroVADModel

    return SileroVADModel(str(asset_path()))


def _padded(samples: np.ndarray) -> np.ndarray:
    return np.pad(samples, (0, 512 - len(samples) % 512))  # as get_speech_timestamps pads


def test_the_onnx_file_reads_the_same_as_the_onnx_package() -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper

    ours = read_onnx(asset_path())
    model = onnx.load(str(asset_path()))
    assert ours.ops == tuple(node.op_type for node in model.graph.node)
    assert sorted(ours.weights) == sorted(t.name for t in model.graph.initializer)
    for tensor in model.graph.initializer:
        expected = numpy_helper.to_array(tensor)
        assert ours.weights[tensor.name].dtype == expected.dtype
        np.testing.assert_array_equal(ours.weights[tensor.name], expected, err_msg=tensor.name)


def test_speech_probabilities_match_onnxruntime(talk: np.ndarray, onnx_session) -> None:
    numpy_probs = SileroVAD(asset_path())(_padded(talk))
    onnx_probs = onnx_session(_padded(talk)).reshape(-1)
    assert numpy_probs.shape == onnx_probs.shape == (len(_padded(talk)) // 512,)
    assert float(np.abs(numpy_probs - onnx_probs).max()) < 1e-4
    # The comparison means something: speech and silence both present, told apart by both.
    assert onnx_probs.max() > 0.9 and onnx_probs.min() < 0.05
    only_silence = _padded(silence(5).astype(np.float32))
    np.testing.assert_allclose(SileroVAD(asset_path())(only_silence), onnx_session(only_silence).reshape(-1), atol=1e-4)


def test_faster_whispers_timestamps_are_the_same_with_either(talk: np.ndarray, onnx_session,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from faster_whisper import vad

    found = {}
    for name, model in (("onnxruntime", onnx_session), ("numpy", SileroVAD(asset_path()))):
        monkeypatch.setattr(vad, "get_vad_model", lambda model=model: model)
        found[name] = vad.get_speech_timestamps(talk, vad.VadOptions(), sampling_rate=RATE)
    assert found["numpy"] == found["onnxruntime"]
    # The two stretches (speech from 1.3 s for about 5 s, and again after 3.1 s of silence), each
    # begun a little before its first word, with the silence between them left out.
    (s0, e0), (s1, e1) = [(c["start"] / RATE, c["end"] / RATE) for c in found["numpy"]]
    assert 0.5 < s0 < 1.3 < e0 < s1 < e1 <= len(talk) / RATE and e1 - s1 > 3


def test_the_reader_finds_speech_without_onnxruntime(talk: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    from faster_whisper import vad

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now fails, as in the lean bundle
    monkeypatch.setattr(vad, "get_vad_model", vad.get_vad_model)  # restored after the test
    chunks = whisper.speech_of(Slab(0.0, talk))
    assert isinstance(vad.get_vad_model(), SileroVAD)
    assert len(chunks) == 2 and all(0 <= c["start"] < c["end"] <= len(talk) for c in chunks)
    assert whisper.speech_of(Slab(0.0, silence(4).astype(np.float32))) == []


def test_another_network_is_refused(tmp_path: Path) -> None:
    data = asset_path().read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut short"):
        SileroVAD(cut)
    ours = read_onnx(asset_path())
    other = silero.OnnxGraph(ours.ops[:-1], ours.weights)  # one operator fewer: not the network reproduced here
    with pytest.raises(ValueError, match="not the Silero VAD network"):
        silero._check(other, cut)
    with pytest.raises(ValueError, match="windows of 512"):
        SileroVAD(asset_path())(np.zeros(700, dtype=np.float32))

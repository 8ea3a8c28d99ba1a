"""Silero VAD (the voice filter faster-whisper ships, MIT) run in numpy from its ONNX file, so that
finding speech needs neither onnxruntime (71 MB in a bundle) nor onnx.

The network of ``faster_whisper/assets/silero_vad_v6.onnx``: each 512-sample window (32 ms at
16 kHz) with the 64 samples before it is turned into a magnitude spectrum (a 256-point STFT as a
convolution), four 1-D convolutions with ReLU make 128 features, one LSTM runs over the windows in
order, and a 1x1 convolution with a sigmoid gives each window's speech probability. The file's
operators and weight shapes are checked before use: another network raises ``ValueError``.
``install`` makes faster-whisper's own ``get_speech_timestamps`` use it.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from desktop.core.ingest.audio.onnx_file import OnnxGraph, read_onnx

ASSET = "silero_vad_v6.onnx"
WINDOW, CONTEXT, HIDDEN = 512, 64, 128
_STFT_PAD, _HOP, _FFT = 128, 128, 256
#: The graph this module reproduces, operator by operator, and the shapes of its weights.
_OPS = ("Pad", "Unsqueeze", "Conv", "Slice", "Slice", "Pow", "Pow", "Add", "Sqrt",
        "Conv", "Relu", "Conv", "Relu", "Conv", "Relu", "Conv", "Relu", "Transpose",
        "LSTM", "Squeeze", "Relu", "Transpose", "Conv", "Sigmoid", "Reshape")
_SHAPES = {
    "encoder.feature_extractor.forward_basis_buffer": (2 * (_FFT // 2 + 1), 1, _FFT),
    "encoder.conv_layers.0.weight": (128, 129, 3), "encoder.conv_layers.1.weight": (64, 128, 3),
    "encoder.conv_layers.2.weight": (64, 64, 3), "encoder.conv_layers.3.weight": (HIDDEN, 64, 3),
    "decoder.conv1d.weight": (1, HIDDEN, 1), "onnx::LSTM_209": (1, 4 * HIDDEN, HIDDEN),
    "onnx::LSTM_210": (1, 4 * HIDDEN, HIDDEN), "onnx::LSTM_211": (1, 8 * HIDDEN),
}
#: Reflection padding of the STFT's input and the strides of the four convolutions.
_PADS = {"/encoder/feature_extractor/padding/Reshape_1_output_0": [0, _STFT_PAD, 0, _STFT_PAD]}
_CONV_STRIDES = (1, 2, 2, 1)
_BLOCK = 512  # windows per encoder block (16 s of sound)


def asset_path() -> Path:
    from faster_whisper.utils import get_assets_path

    return Path(get_assets_path()) / ASSET


class SileroVAD:
    """Speech probabilities of 512-sample windows; called like faster-whisper's ``SileroVADModel``."""

    def __init__(self, path: Path) -> None:
        graph = read_onnx(path)
        _check(graph, path)
        w = graph.weights
        basis = w["encoder.feature_extractor.forward_basis_buffer"][:, 0, :]  # (258, 256)
        self._basis_t = np.ascontiguousarray(basis.T)
        # Each convolution as one matrix: input channels -> (kernel tap, output channel).
        self._convs = []
        for i, stride in enumerate(_CONV_STRIDES):
            weight = w[f"encoder.conv_layers.{i}.weight"]  # (out, in, 3)
            taps = np.ascontiguousarray(weight.transpose(1, 2, 0).reshape(weight.shape[1], -1))
            self._convs.append((taps, w[f"encoder.conv_layers.{i}.bias"], stride))
        # ONNX's LSTM: gates in the order input, output, forget, cell; both biases added.
        self._w_in = np.ascontiguousarray(w["onnx::LSTM_209"][0].T)  # (128, 512)
        self._w_rec = np.ascontiguousarray(w["onnx::LSTM_210"][0].T)
        bias = w["onnx::LSTM_211"][0]
        self._bias = bias[: 4 * HIDDEN] + bias[4 * HIDDEN:]
        self._out_w = w["decoder.conv1d.weight"][0, :, 0]
        self._out_b = float(w["decoder.conv1d.bias"][0])

    def __call__(self, audio: np.ndarray, num_samples: int = WINDOW, context_size_samples: int = CONTEXT) -> np.ndarray:
        """One probability per ``num_samples`` window of ``audio`` (a multiple of it long), each
        window seen with the ``context_size_samples`` before it, as faster-whisper feeds the ONNX model."""
        if audio.ndim != 1 or audio.shape[0] % num_samples or (num_samples, context_size_samples) != (WINDOW, CONTEXT):
            raise ValueError(f"the voice filter takes 1-D sound in windows of {WINDOW} samples")
        windows = audio.astype(np.float32).reshape(-1, WINDOW)
        if not len(windows):
            return np.zeros(0, dtype=np.float32)
        # As faster-whisper does (its context is a view of the windows when it zeroes the last
        # one's): the last window's last 64 samples are heard as silence.
        windows[-1, -CONTEXT:] = 0
        context = np.zeros((len(windows), CONTEXT), dtype=np.float32)
        context[1:] = windows[:-1, -CONTEXT:]
        batch = np.concatenate([context, windows], axis=1)
        # One BLAS thread, as faster-whisper gives its onnxruntime session: on two cores it is the
        # fastest (more threads only wait on each other between small products), and Whisper or
        # the rest of the machine keeps the other cores.
        with threadpool_limits(1, user_api="blas"):
            # The encoder sees each window alone: in blocks, so its intermediate arrays stay in cache.
            features = np.concatenate([self._encode(batch[i:i + _BLOCK]) for i in range(0, len(batch), _BLOCK)])
            return self._decode(features)

    def _encode(self, batch: np.ndarray) -> np.ndarray:
        """(windows, 576) samples -> (windows, 128) features."""
        padded = np.pad(batch, ((0, 0), (_STFT_PAD, _STFT_PAD)), mode="reflect")
        # The graph drops the STFT's first frame: frames 1..4 of 5, each 256 samples, 128 apart.
        frames = np.lib.stride_tricks.sliding_window_view(padded, _FFT, axis=1)[:, _HOP::_HOP]
        count = frames.shape[1]
        # One 2-D product (BLAS) rather than one small one per window: real parts, then imaginary.
        spectrum = (np.ascontiguousarray(frames).reshape(-1, _FFT) @ self._basis_t).reshape(len(batch), count, -1)
        half = _FFT // 2 + 1
        real, imag = spectrum[..., :half], spectrum[..., half:]
        x = np.sqrt(real * real + imag * imag)
        for matrix, bias, stride in self._convs:
            x = _conv3(x, matrix, bias, stride)
        return x[:, 0, :]  # one frame left

    def _decode(self, features: np.ndarray) -> np.ndarray:
        gates_in = features @ self._w_in + self._bias  # (windows, 512), the recurrent part added below
        w_rec, h, c = self._w_rec, np.zeros(HIDDEN, np.float32), np.zeros(HIDDEN, np.float32)
        hidden = np.empty((len(features), HIDDEN), dtype=np.float32)
        three = 3 * HIDDEN
        for t in range(len(features)):
            gates = gates_in[t] + h @ w_rec
            sig = 0.5 * np.tanh(0.5 * gates[:three]) + 0.5  # the sigmoid, without overflow
            i, o, f = sig[:HIDDEN], sig[HIDDEN:2 * HIDDEN], sig[2 * HIDDEN:]
            c = f * c + i * np.tanh(gates[three:])
            h = o * np.tanh(c)
            hidden[t] = h
        logits = np.maximum(hidden, 0) @ self._out_w + self._out_b
        return (0.5 * np.tanh(0.5 * logits) + 0.5).astype(np.float32)


def _conv3(x: np.ndarray, taps: np.ndarray, bias: np.ndarray, stride: int) -> np.ndarray:
    """A kernel-3, padding-1 convolution with ReLU over (batch, time, channels): one product gives
    every frame times each of the three taps (``taps`` is (channels in, 3 x channels out)), then
    the kernel's three shifted pieces are added."""
    batch, steps, _ = x.shape
    out_ch = taps.shape[1] // 3
    each = (x.reshape(batch * steps, -1) @ taps).reshape(batch, steps, 3, out_ch)
    each = np.pad(each, ((0, 0), (1, 1), (0, 0), (0, 0)))  # the convolution's zero padding
    out_steps = (steps - 1) // stride + 1
    ends = [k + stride * (out_steps - 1) + 1 for k in range(3)]
    y = each[:, 0:ends[0]:stride, 0] + each[:, 1:ends[1]:stride, 1] + each[:, 2:ends[2]:stride, 2] + bias
    return np.maximum(y, 0)


def _check(graph: OnnxGraph, path: Path) -> None:
    shapes = {name: tuple(graph.weights[name].shape) for name in _SHAPES if name in graph.weights}
    pads = {name: graph.weights[name].tolist() for name in _PADS if name in graph.weights}
    if graph.ops != _OPS or shapes != _SHAPES or pads != _PADS:
        raise ValueError(f"{path.name} is not the Silero VAD network this numpy version reproduces")


@functools.lru_cache(maxsize=1)
def vad_model() -> SileroVAD:
    """The numpy Silero VAD from faster-whisper's asset, built once."""
    return SileroVAD(asset_path())


def install() -> None:
    """faster-whisper's ``get_speech_timestamps`` (its windowing, thresholds and padding) with this
    network in place of its onnxruntime session, for the whole process."""
    from faster_whisper import vad

    if getattr(vad.get_vad_model, "__module__", None) != __name__:
        vad.get_vad_model = vad_model


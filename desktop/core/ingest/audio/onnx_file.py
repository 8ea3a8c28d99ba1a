"""The weights and the operators of an ONNX file, read without the onnx package: a protobuf reader
for just the fields a small network's arrays and node list need.

Silero VAD (``silero.py``) runs in numpy from the file faster-whisper ships, so the bundle needs
neither onnx nor onnxruntime. Only what is read here is understood: tensors of float32, int64 or
int32, stored in ``raw_data`` (what exporters write) or in the typed repeated fields; anything else
(external data, other element types) is refused with a ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Field numbers from onnx.proto (ModelProto.graph, GraphProto.node/initializer, NodeProto.op_type,
# TensorProto.dims/data_type/float_data/int32_data/int64_data/name/raw_data/data_location).
_MODEL_GRAPH = 7
_GRAPH_NODE, _GRAPH_INITIALIZER = 1, 5
_NODE_OP_TYPE = 4
_T_DIMS, _T_TYPE, _T_FLOATS, _T_INT32S, _T_INT64S, _T_NAME, _T_RAW, _T_LOCATION = 1, 2, 4, 5, 7, 8, 9, 14
#: TensorProto.DataType -> numpy's little-endian type, and the repeated field that may hold the values.
_TYPES = {1: ("<f4", _T_FLOATS), 6: ("<i4", _T_INT32S), 7: ("<i8", _T_INT64S)}


@dataclass(frozen=True, slots=True)
class OnnxGraph:
    """A graph's operators in order (``Conv``, ``LSTM``, ...) and its initializers by name."""

    ops: tuple[str, ...]
    weights: dict[str, np.ndarray]


def read_onnx(path: Path) -> OnnxGraph:
    """The operators and initializers of the main graph of the ONNX file at ``path``."""
    data = memoryview(path.read_bytes())
    graphs = [_nested(value) for field, value in _fields(data) if field == _MODEL_GRAPH]
    if len(graphs) != 1:
        raise ValueError(f"{path.name} is not an ONNX model (it has {len(graphs)} graphs)")
    ops: list[str] = []
    weights: dict[str, np.ndarray] = {}
    for field, value in _fields(graphs[0]):
        if field == _GRAPH_NODE:
            ops.append(next((_text(v) for f, v in _fields(_nested(value)) if f == _NODE_OP_TYPE), ""))
        elif field == _GRAPH_INITIALIZER:
            name, array = _tensor(_nested(value))
            weights[name] = array
    return OnnxGraph(tuple(ops), weights)


def _tensor(data: memoryview) -> tuple[str, np.ndarray]:
    dims: list[int] = []
    values: dict[int, list[memoryview | int]] = {}
    name, kind, raw = "", 0, None
    for field, value in _fields(data):
        if field == _T_DIMS:
            dims.extend(_varints(value) if isinstance(value, memoryview) else [value])
        elif field == _T_TYPE:
            kind = value if isinstance(value, int) else -1
        elif field == _T_NAME:
            name = _text(value)
        elif field == _T_RAW:
            raw = bytes(_nested(value))
        elif field == _T_LOCATION and value:
            raise ValueError("tensors stored outside the ONNX file are not read here")
        else:
            values.setdefault(field, []).append(value)
    if kind not in _TYPES:
        raise ValueError(f"tensor {name!r} has ONNX element type {kind}, which is not read here")
    dtype, typed_field = _TYPES[kind]
    if raw is not None:
        array = np.frombuffer(raw, dtype=dtype)
    elif kind == 1:  # packed float32s (protobuf writes repeated scalars packed)
        array = np.frombuffer(b"".join(bytes(_nested(v)) for v in values.get(typed_field, [])), dtype=dtype)
    else:  # int32_data and int64_data are varints, packed or not; negative ones in two's complement
        ints = [i for v in values.get(typed_field, []) for i in (_varints(v) if isinstance(v, memoryview) else [v])]
        array = np.array(ints, dtype=np.uint64).astype(np.int64).astype(dtype)
    return name, array.reshape(dims).astype(dtype[1:], copy=True)


def _nested(value: memoryview | int) -> memoryview:
    """A length-delimited field's bytes (a sub-message, a string, a packed array)."""
    if not isinstance(value, memoryview):
        raise ValueError("the ONNX file is damaged: a number where a message or text belongs")
    return value


def _text(value: memoryview | int) -> str:
    return bytes(_nested(value)).decode("utf-8", errors="replace")


def _fields(data: memoryview) -> Iterator[tuple[int, memoryview | int]]:
    """(field number, value) of each field of one message: an int for varints and fixed-width
    numbers, the bytes for length-delimited ones (sub-messages, strings, packed arrays)."""
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield field, value
        elif wire == 1:
            yield field, int.from_bytes(data[pos:pos + 8], "little")
            pos += 8
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > end:
                raise ValueError("the ONNX file is cut short")
            yield field, data[pos:pos + size]
            pos += size
        elif wire == 5:
            yield field, int.from_bytes(data[pos:pos + 4], "little")
            pos += 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}: not an ONNX file, or a damaged one")


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("the ONNX file is cut short")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _varints(data: memoryview) -> list[int]:
    out, pos = [], 0
    while pos < len(data):
        value, pos = _varint(data, pos)
        out.append(value)
    return out

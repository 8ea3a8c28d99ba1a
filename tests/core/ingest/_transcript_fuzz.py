"""Damaged-input checks shared by the transcript reader tests: mutate a real file, read it, and
accept only a Document or a DocumentError, quickly."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import strategies as st

from desktop.core.document import Document
from desktop.core.errors import DocumentError
from desktop.core.ingest import Format, read_bytes, sniff
from desktop.core.ingest.context import ReadContext

TIME_LIMIT_S = 3.0
TRANSCRIPT_FORMATS = {Format.VTT, Format.SRT, Format.SPEAKER_TEXT, Format.TRANSCRIPT_JSON}


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """Truncated, byte-flipped, spliced or wholly random versions of ``original``."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "random"]))
    if kind == "random":
        return draw(st.binary(min_size=0, max_size=2048))
    data = bytearray(original)
    n = len(data)
    if kind == "truncate":
        return bytes(data[: draw(st.integers(0, n))])
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[i] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[i: i + draw(st.integers(1, 64))]
    return bytes(data)


def check_fails_cleanly(reader: Callable[[bytes, ReadContext], Document], data: bytes, name: str) -> None:
    """Both the reader itself and the sniff-and-dispatch path yield a Document or a DocumentError."""
    ctx = ReadContext(path=Path(name))
    readers = [reader]
    try:
        if sniff(data, ctx) in TRANSCRIPT_FORMATS:
            readers.append(read_bytes)  # damage can make it another format, whose reader is not tested here
    except DocumentError:
        pass
    for read in readers:
        started = time.perf_counter()
        try:
            doc = read(data, ctx)
            assert isinstance(doc, Document)
            assert read is read_bytes or doc.blocks, "a transcript is only returned when it has text"
        except DocumentError as err:
            assert err.message and "\n" not in err.message
        assert time.perf_counter() - started < TIME_LIMIT_S

"""Damaged-input checks shared by the email reader tests: mutate a real message, read it, and
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

TIME_LIMIT_S = 5.0
MAIL_FORMATS = {Format.EML, Format.MBOX, Format.MSG}


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """Truncated, byte-flipped, spliced or wholly random versions of ``original``."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "random"]))
    if kind == "random":
        return draw(st.binary(min_size=0, max_size=2048))
    data = bytearray(original)
    if kind == "truncate":
        return bytes(data[: draw(st.integers(0, len(data)))])
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[i] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[i:i] = draw(st.sampled_from([b"\n", b"\r\n\r\n", b"--", b"=?utf-8?B?", b"Content-Type: multipart/mixed; boundary=x\n", b"\xff\xfe", b"From x Mon Jan  1 00:00:00 2001\n"]))
        elif kind == "delete":
            del data[i: i + draw(st.integers(1, 64))]
    return bytes(data)


def check_fails_cleanly(reader: Callable[[bytes, ReadContext], Document], data: bytes, name: str) -> None:
    """The reader itself and the sniff-and-dispatch path give a Document or a one-sentence DocumentError."""
    ctx = ReadContext(path=Path(name))
    readers = [reader]
    try:
        if sniff(data, ctx) in MAIL_FORMATS:
            readers.append(read_bytes)  # damage can make it another format, whose reader is not tested here
    except DocumentError:
        pass
    for read in readers:
        started = time.perf_counter()
        try:
            doc = read(data, ctx)
            assert isinstance(doc, Document)
            for d in doc.walk():
                assert all(isinstance(w, str) and w for w in d.warnings)
        except DocumentError as err:
            assert err.message and "\n" not in err.message
        except ModuleNotFoundError as err:
            # Damage can turn an attachment into a format whose reader is not in this tree yet.
            assert (err.name or "").startswith("desktop.core.ingest."), err
        assert time.perf_counter() - started < TIME_LIMIT_S

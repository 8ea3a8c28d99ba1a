"""Check that a ZIP member holds no more data than its directory entry declares, without
inflating it into memory.

``zipfile`` stops *returning* data at the declared size, but ``ZipFile.read`` inflates with no
output limit first: a member declared as 1 KB whose deflate stream holds 2 GB costs 2 GB of
memory and many seconds before the excess is thrown away (CPython's ``ZipExtFile._read1``
passes ``max_length=MAX_N``). python-docx reads every part that way, so .docx packages are
checked here first, in bounded steps.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_SIGNATURE = 0x04034B50
_STEP = 1 << 20


def overfull_member(data: bytes, infos: list[zipfile.ZipInfo]) -> str | None:
    """The name of the first member that is not stored or deflated, or whose deflate stream
    inflates past its declared size; None when every member is what it says."""
    for info in infos:
        if info.compress_type == zipfile.ZIP_STORED:
            continue  # zipfile reads at most compress_size raw bytes of a stored member
        if info.compress_type != zipfile.ZIP_DEFLATED:
            return info.filename  # Word writes only these two; bzip2/LZMA would need the same check
        raw = _raw_member(data, info)
        if raw is not None and _inflates_past(raw, info.file_size):
            return info.filename
    return None


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> memoryview | None:
    try:
        fields = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    except struct.error:
        return None  # zipfile itself reports the damage when the member is read
    if fields[0] != _LOCAL_SIGNATURE:
        return None
    start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
    return memoryview(data)[start:start + info.compress_size]


def _inflates_past(raw: memoryview, declared: int) -> bool:
    """Inflate in 1 MB steps, keeping nothing, until the stream ends or passes ``declared``."""
    inflater = zlib.decompressobj(-15)
    total = 0
    pending: bytes | memoryview = raw
    try:
        while pending and not inflater.eof:
            total += len(inflater.decompress(pending, _STEP))
            if total > declared:
                return True
            pending = inflater.unconsumed_tail
    except zlib.error:
        return False  # a damaged stream, not an oversized one: reading it fails cleanly later
    return False

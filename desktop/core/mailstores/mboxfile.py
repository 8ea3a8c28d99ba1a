"""An mbox file of any size read as a stream of messages, one at a time: Thunderbird's folders
grow to gigabytes, so a folder is never read into memory whole. The separator rule is the mbox
reader's: a "From " line with a time that opens the file or follows a blank line, with headers
after it."""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from desktop.core.ingest.mbox import ESCAPED_FROM, HEADER_LINE, SEPARATOR

#: Lines are read in pieces of at most this many bytes, so a file without newlines costs no more.
_LINE = 64 * 1024


@dataclass(slots=True)
class MboxEntry:
    """One message: its bytes (None when it is over ``max_bytes``), its size, the separator line."""

    data: bytes | None
    size: int
    separator: bytes


def iter_mbox(fh: BinaryIO, max_bytes: int) -> Iterator[MboxEntry]:
    """The messages of the open file in order, '>From ' unescaped (mboxrd); a message over
    ``max_bytes`` is skipped over without being kept (``data`` None)."""
    parts: list[bytes] = []
    size = 0
    separator = b""
    started = False
    blank_before = True  # the file's first line may be a separator
    pending: bytes | None = None
    while True:
        line = pending if pending is not None else fh.readline(_LINE)
        pending = None
        if not line:
            break
        if blank_before and line.startswith(b"From ") and SEPARATOR.match(line.rstrip(b"\r\n")):
            following = fh.readline(_LINE)
            if HEADER_LINE.match(following):
                if started:
                    yield _entry(parts, size, separator, max_bytes)
                parts, size, separator, started = [], 0, line.rstrip(b"\r\n"), True
                pending = following
                blank_before = False
                continue
            pending = following  # a "From " line in a body: it stays text
        if not started and not line.strip():
            continue  # blank lines before the first separator
        if not started:
            started = True  # a file that does not open with a separator: one message from the start
        size += len(line)
        if size <= max_bytes:
            parts.append(line)
        elif parts:
            parts.clear()  # over the limit: what was kept of it goes at once
        blank_before = line in (b"\n", b"\r\n")
    if started:
        yield _entry(parts, size, separator, max_bytes)


def _entry(parts: list[bytes], size: int, separator: bytes, max_bytes: int) -> MboxEntry:
    if size > max_bytes:
        return MboxEntry(None, size, separator)
    return MboxEntry(ESCAPED_FROM.sub(rb"\1", b"".join(parts)), size, separator)


def kept(data: bytes | None) -> Callable[[], bytes]:
    """A loader for a message already read from the stream; one over the size limit (None) is
    never loaded: the reader's size check comes first."""
    def load() -> bytes:
        if data is None:
            raise OSError("the message is over the size limit")
        return data
    return load


_X_MOZILLA_STATUS = re.compile(rb"^X-Mozilla-Status:[ \t]*([0-9A-Fa-f]{1,8})", re.MULTILINE | re.IGNORECASE)


def mozilla_flags(data: bytes) -> int | None:
    """Thunderbird's X-Mozilla-Status flags from the message's header block, if it has them."""
    end = data.find(b"\n\n")
    end = data.find(b"\r\n\r\n") if end < 0 else end
    match = _X_MOZILLA_STATUS.search(data, 0, end if end >= 0 else min(len(data), 64 * 1024))
    return int(match.group(1), 16) if match else None


@dataclass(slots=True)
class MboxCounts:
    """What an mbox file's headers say without its messages being read: how many messages (those
    Thunderbird marked deleted left out, as the store leaves them out), how many of them are
    unread (None when no message carries X-Mozilla-Status, so nothing records it), how many
    bytes were looked at."""

    count: int
    unread: int | None
    scanned: int


_DELETED, _READ = 0x0008, 0x0001
_HEADERS_SEEN = 64 * 1024


def mbox_counts(path: str | os.PathLike[str]) -> MboxCounts:
    """Count an mbox file's messages and unread ones from its separators and X-Mozilla-Status
    headers alone: the file is mapped read-only and searched (no line-by-line read), so a
    100 MB folder takes a fraction of a second. Messages are split by ``iter_mbox``'s rule (a
    "From " line with a time, after a blank line or at the top, then a header line); a message
    without the header counts as unread, as "unread only" takes it. Raises OSError."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return MboxCounts(0, None, 0)
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            count = unread = recorded = 0
            for start in _header_starts(mm, size):
                end = mm.find(b"\n\n", start, start + _HEADERS_SEEN)
                if end < 0:
                    end = mm.find(b"\n\r\n", start, start + _HEADERS_SEEN)
                match = _X_MOZILLA_STATUS.search(mm, start, end if end >= 0 else min(size, start + _HEADERS_SEEN))
                flags = int(match.group(1), 16) if match else None
                if flags is not None and flags & _DELETED:
                    continue
                count += 1
                recorded += flags is not None
                unread += flags is None or not flags & _READ
            return MboxCounts(count, unread if recorded else None, size)


def _header_starts(mm: mmap.mmap, size: int) -> Iterator[int]:
    """Where each message's headers begin."""
    first = 0
    while first < size and mm[first:first + 1] in (b"\n", b"\r"):
        first += 1  # blank lines before the first separator
    if first >= size:
        return
    after = _after_separator(mm, first, size)
    yield after if after is not None else first  # a file that does not open with a separator: one message from its top
    pos = first
    while True:
        found = mm.find(b"\nFrom ", pos)
        if found < 0:
            return
        line = found + 1
        pos = line
        if mm[found - 1:found] == b"\n" or mm[found - 2:found] == b"\n\r":  # a blank line before it
            after = _after_separator(mm, line, size)
            if after is not None:
                yield after


def _after_separator(mm: mmap.mmap, line: int, size: int) -> int | None:
    """The start of the headers when a separator line begins at ``line``, else None."""
    end = mm.find(b"\n", line, min(size, line + _LINE))
    if end < 0 or not SEPARATOR.match(mm[line:end].rstrip(b"\r\n")):
        return None
    return end + 1 if HEADER_LINE.match(mm, end + 1) else None

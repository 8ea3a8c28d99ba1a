"""Deterministic mutations of a file's bytes: the fuzz suite's damaged documents.

Every mutation is a pure function of (bytes, file name, index), so a failing case can be
rebuilt from its id alone (``rebuild``). Two kinds:

- byte-level, for any file: truncation at many offsets, byte flips, zeroed ranges, duplicated
  and deleted chunks, format tokens spliced in, and the intact file under a wrong extension;
- container-aware, so damage reaches past the container's own checksums: a package member's
  XML (.docx, .pptx, .xlsx, OpenDocument, EPUB) is damaged and the package re-zipped (zipfile would otherwise stop at the CRC), a PDF's
  Flate content stream is inflated, damaged and deflated again.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

#: Extensions a damaged file is also tried under (the sniffer must not trust them).
WRONG_EXTENSIONS = (".pdf", ".docx", ".eml", ".mbox", ".msg", ".vtt", ".srt", ".txt", ".json", ".md", ".pptx", ".xlsx",
                    ".odt", ".ods", ".rtf", ".html", ".mhtml", ".epub")
#: Tokens that steer a reader into its other branches when spliced into a file.
TOKENS = (
    b"\n", b"\r\n\r\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"--", b"=?utf-8?B?", b"=?x?Q?=FF=?=",
    b"Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n", b"Content-Transfer-Encoding: base64\n",
    b"From x Mon Jan  1 00:00:00 2001\n", b"WEBVTT\n\n", b"00:00:01.000 --> 00:00:00.500\n", b"99:99:99,999 --> ",
    b"<v Speaker>", b"%PDF-1.7\n", b"1 0 obj\n<< /Type /Pages /Kids [1 0 R] /Count 99999 >>\nendobj\n",
    b"stream\n", b"endstream", b"/Filter /FlateDecode", b"trailer << /Root 1 0 R >>", b"startxref\n0\n%%EOF",
    b"<w:p><w:r><w:t>", b"</w:body>", b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", b"&a;", b"{\"", b"[[[[[[[[",
    b"Alice: ", b"\x1b[2J", "\u202e".encode("utf-8"),
    b"<!DOCTYPE html><html><body><h1>", b"<script>", b"</table>", b"<li><ul><li>", b'<meta charset="koi8-r">',
    b"{\\rtf1\\ansi\\ansicpg1251 ", b"\\par ", b"\\'e9", b"\\u-3913?", b"\\cell\\row",
    b"<a:t>", b"<p:sp>", b'<c r="XFD1048576" t="s"><v>99999</v></c>', b'<row r="1048576">',
    b'<table:table-row table:number-rows-repeated="1048576">', b'<table:table-cell table:number-columns-repeated="16384">',
    b"<text:h text:outline-level=\"-1\">", b'<itemref idref="', b'<rootfile full-path="../../etc/passwd"/>',
    b'Content-Type: multipart/related; type="text/html"; boundary="b"\n\n--b\n', b"Snapshot-Content-Location: x\n",
)


@dataclass(frozen=True, slots=True)
class Mutation:
    """One damaged file: ``id`` rebuilds it; ``name`` is the file name it is read under."""

    id: str
    name: str
    data: bytes


def _rng(name: str, index: int, salt: str = "") -> random.Random:
    digest = hashlib.sha256(f"{name}|{index}|{salt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "little"))


def _truncate(data: bytes, rng: random.Random, i: int) -> tuple[str, bytes]:
    n = len(data)
    fixed = [1, 7, 64, 512, 4096, n - 1, n - 16, n // 2]
    at = fixed[i] if i < len(fixed) else rng.randrange(0, max(1, n))
    at = max(0, min(n, at))
    return f"truncate@{at}", data[:at]


def _flip(data: bytes, rng: random.Random, i: int) -> tuple[str, bytes]:
    buf = bytearray(data)
    count = (1, 4, 32, 256)[i % 4]
    for _ in range(count if buf else 0):
        j = rng.randrange(len(buf))
        buf[j] ^= rng.randrange(1, 256)
    return f"flip{count}", bytes(buf)


def _zero(data: bytes, rng: random.Random, i: int) -> tuple[str, bytes]:
    size = (16, 512, 4096, 65536)[i % 4]
    at = rng.randrange(0, max(1, len(data)))
    buf = bytearray(data)
    buf[at:at + size] = bytes(len(buf[at:at + size]))
    return f"zero{size}@{at}", bytes(buf)


def _duplicate(data: bytes, rng: random.Random, i: int) -> tuple[str, bytes]:
    size = (64, 1024, 16384)[i % 3]
    src = rng.randrange(0, max(1, len(data)))
    dst = rng.randrange(0, max(1, len(data)))
    chunk = data[src:src + size]
    return f"dup{size}:{src}->{dst}", data[:dst] + chunk + data[dst:]


def _delete(data: bytes, rng: random.Random, i: int) -> tuple[str, bytes]:
    size = (1, 100, 5000)[i % 3]
    at = rng.randrange(0, max(1, len(data)))
    return f"delete{size}@{at}", data[:at] + data[at + size:]


def _splice(data: bytes, rng: random.Random, i: int) -> tuple[str, bytes]:
    token = TOKENS[rng.randrange(len(TOKENS))]
    at = rng.randrange(0, len(data) + 1)
    return f"splice{TOKENS.index(token)}@{at}", data[:at] + token * rng.choice((1, 1, 3, 50)) + data[at:]


BYTE_MUTATORS = (_truncate, _flip, _zero, _duplicate, _delete, _splice)


def byte_mutations(data: bytes, name: str, count: int, first: int = 0) -> Iterator[Mutation]:
    """``count`` byte-level mutations, round-robin over the mutators, under the file's own name."""
    for k in range(first, first + count):
        mutator = BYTE_MUTATORS[k % len(BYTE_MUTATORS)]
        i = k // len(BYTE_MUTATORS)
        label, out = mutator(data, _rng(name, k, mutator.__name__), i)
        yield Mutation(f"{name}#b{k}:{label}", name, out)


def renamed(data: bytes, name: str, count: int) -> Iterator[Mutation]:
    """The intact file (and, past the first pass, a flipped copy) under wrong extensions."""
    suffix = PurePath(name).suffix.lower()
    others = [e for e in WRONG_EXTENSIONS if e != suffix]
    for k in range(min(count, 2 * len(others))):
        ext = others[k % len(others)]
        payload = data if k < len(others) else _flip(data, _rng(name, k, "rename"), 1)[1]
        yield Mutation(f"{name}#r{k}:as{ext}", PurePath(name).stem + ext, payload)


# ----- container-aware mutations ----------------------------------------------------------
def _rezip(data: bytes, member: str, new: bytes | None) -> bytes:
    """The package with ``member`` replaced (``None``: removed), everything else copied."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info.filename, src.read(info))
            elif new is not None:
                dst.writestr(info.filename, new)
    return out.getvalue()


#: The part each package's reader does most of its work on (Word, PowerPoint, Excel,
#: OpenDocument, EPUB): damaged first and most often, and never removed.
MAIN_PARTS = ("word/document.xml", "ppt/slides/slide1.xml", "xl/worksheets/sheet1.xml", "content.xml")
_XML_PARTS = (".xml", ".rels", ".xhtml", ".html", ".opf", ".ncx")


def zip_mutations(data: bytes, name: str, count: int) -> Iterator[Mutation]:
    """Damage the XML inside a package (.docx, .pptx, .xlsx, OpenDocument, EPUB: main part,
    styles, relationships, manifest, chapters...) and re-zip it."""
    try:
        members = [i.filename for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if i.filename.endswith(_XML_PARTS)]
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if not members:
        return
    # The main part first and most often: it is where the reader does most of its work.
    members.sort(key=lambda m: (m not in MAIN_PARTS, m))
    src = zipfile.ZipFile(io.BytesIO(data))
    for k in range(count):
        member = members[0] if k % 2 == 0 else members[k // 2 % len(members)]
        original = src.read(member)
        rng = _rng(name, k, "zip")
        choice = k % 5
        if choice == 4 and member not in MAIN_PARTS:
            label, new = "removed", None
        else:
            mutator = (_truncate, _flip, _splice, _duplicate, _delete)[choice]
            label, new = mutator(original, rng, k // 5)
        try:
            out = _rezip(data, member, new)
        except (zipfile.BadZipFile, OSError, ValueError, zlib.error):
            continue
        yield Mutation(f"{name}#z{k}:{member}:{label}", name, out)


_STREAM = re.compile(rb"stream\r?\n")


def pdf_stream_mutations(data: bytes, name: str, count: int) -> Iterator[Mutation]:
    """Inflate a FlateDecode stream, damage the content, deflate it back (the /Length is left
    as it was, so the reader's repair of lengths and offsets runs as well)."""
    streams: list[tuple[int, int, bytes]] = []
    for m in _STREAM.finditer(data):
        start = m.end()
        end = data.find(b"endstream", start)
        if end < 0:
            continue
        try:
            plain = zlib.decompressobj().decompress(data[start:end], 4 * 2**20)
        except zlib.error:
            continue
        if plain:
            streams.append((start, end, plain))
        if len(streams) >= 64:
            break
    if not streams:
        return
    for k in range(count):
        start, end, plain = streams[k % len(streams)]
        mutator = (_flip, _truncate, _splice, _delete, _duplicate)[k % 5]
        label, new = mutator(plain, _rng(name, k, "pdf"), k // 5)
        yield Mutation(f"{name}#p{k}:stream@{start}:{label}", name, data[:start] + zlib.compress(new) + b"\n" + data[end:])


def all_mutations(data: bytes, name: str, count: int) -> list[Mutation]:
    """About ``count`` mutations of one file: byte-level, renamed, and container-aware ones."""
    if count <= 0:
        return []
    structured = max(1, count // 3)
    renames = max(1, count // 6)
    plain = max(1, count - structured - renames)
    out = list(byte_mutations(data, name, plain))
    out += list(renamed(data, name, renames))
    if data.startswith(b"PK"):
        out += list(zip_mutations(data, name, structured))
    elif b"/FlateDecode" in data[:2**20] or b"%PDF" in data[:1024]:
        out += list(pdf_stream_mutations(data, name, structured))
    else:
        out += list(byte_mutations(data, name, structured, first=plain))
    return out


def rebuild(data: bytes, name: str, count: int, case_id: str) -> Mutation:
    """The mutation called ``case_id`` (for reproducing a failure outside the suite)."""
    return next(m for m in all_mutations(data, name, count) if m.id == case_id)

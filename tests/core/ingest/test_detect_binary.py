"""A binary file never becomes text: zeros, databases, Outlook data files and compressed bytes are
refused in one sentence, while UTF-16 text (NULs in every other byte) is still read."""

from __future__ import annotations

import io
import os
import sqlite3
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from desktop.core.errors import DocumentError, UnsupportedFormat
from desktop.core.ingest import Format, read_bytes, read_document, sniff
from desktop.core.ingest.context import ReadContext

TEXT = "The board approved the renovation of the reading room in March.\nDana will send the budget by Friday.\n"


def _refused(data: bytes, name: str) -> str:
    with pytest.raises(UnsupportedFormat) as err:
        read_bytes(data, ReadContext(Path(name)))
    assert "\n" not in err.value.message
    return err.value.message


@pytest.mark.parametrize("name", ["zeros.txt", "zeros.eml", "zeros"])
def test_a_file_of_zeros_is_not_utf16_text(name: str) -> None:
    assert "not a text file" in _refused(b"\x00" * 300_000, name)


def test_an_outlook_data_file_is_not_text() -> None:
    """The layout of a PST header ("!BDN", CRC, "SM", versions, then mostly zero-filled pages): known
    as an Outlook data file (a mail store, core/mailstores) and, this one being no real store, refused
    as a damaged one in one sentence: never read as text."""
    header = b"!BDN" + struct.pack("<I", 0x1234ABCD) + b"SM" + struct.pack("<HHBB", 23, 19, 1, 1) + b"\x00" * 500
    body = bytearray(os.urandom(4096) + b"\x00" * 60_000) * 4
    assert sniff(header + bytes(body), ReadContext(Path("archive.pst"))) is Format.PST
    with pytest.raises(DocumentError) as err:
        read_bytes(header + bytes(body), ReadContext(Path("archive.pst")))
    assert "Outlook data file" in err.value.message and "\n" not in err.value.message


def test_a_database_is_named_as_one(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table notes (body text)")
        conn.execute("insert into notes values (?)", (TEXT,))
    with pytest.raises(UnsupportedFormat) as err:
        read_document(db)
    assert "a database file" in err.value.message


def test_compressed_bytes_with_few_zeros_are_not_text() -> None:
    noise = zlib.compress((TEXT * 400).encode() + os.urandom(20_000), 9)
    assert "not a text file" in _refused(noise, "noise.txt")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_a_bom_is_still_text(codec: str) -> None:
    data = TEXT.encode(codec)
    assert sniff(data, ReadContext(Path("notes.txt"))) is Format.TEXT
    assert "renovation of the reading room" in read_bytes(data, ReadContext(Path("notes.txt"))).text()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def test_zip_packages_are_told_apart_by_their_parts() -> None:
    drawing = _zip({"mimetype": b"application/vnd.oasis.opendocument.graphics", "content.xml": b"<x/>"})
    assert "an OpenDocument graphics file" in _refused(drawing, "plan.odg")
    manifest_only = _zip({"content.xml": b"<x/>", "META-INF/manifest.xml": (
        b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        b'<manifest:file-entry manifest:media-type="application/vnd.oasis.opendocument.text" manifest:full-path="/"/>'
        b"</manifest:manifest>")})
    assert sniff(manifest_only, ReadContext(Path("x.zip"))) is Format.ODT  # no mimetype part, the manifest says it
    epub = _zip({"META-INF/container.xml": b"<container/>", "OEBPS/a.xhtml": b"<html/>"})
    assert sniff(epub, ReadContext(Path("book.zip"))) is Format.EPUB
    assert "a ZIP archive; unpack it" in _refused(_zip({"notes.txt": TEXT.encode()}), "notes.zip")

"""Builders for hostile files, made cheaply: a deflate bomb is one compressed block repeated, a
10,000-page PDF shares one content stream, a 500 MB file is sparse."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from email.message import EmailMessage
from pathlib import Path

_BLOCK = 16 * 2**20


def deflate_bomb(size: int, *, fill: bytes = b" ", zlib_wrapper: bool = True, prefix: bytes = b"") -> bytes:
    """Deflate data that inflates to about ``size`` bytes of ``fill``, built in milliseconds.

    One 16 MB block is compressed once and ended with a full flush, which makes it
    byte-aligned and independent of what came before, so it can be repeated as is.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, 15 if zlib_wrapper else -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(fill * _BLOCK) + c.flush(zlib.Z_FULL_FLUSH)
    n = max(1, size // _BLOCK)
    tail = b"\x03\x00"  # an empty final block with fixed Huffman codes
    body = head + block * n + tail
    if zlib_wrapper:
        adler = zlib.adler32(prefix)
        chunk = fill * _BLOCK
        for _ in range(n):
            adler = zlib.adler32(chunk, adler)
        body += struct.pack(">I", adler)
    return body


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP from (name, deflated data, CRC-32, uncompressed size as declared) entries; the
    declared size may lie, which ``zipfile`` cannot be made to write."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0))
        out.write(encoded + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size,
                                   len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  b'<Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>'
                  b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                  b'</Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
         b'</Relationships>')
_DOC_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             b'<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/>'
             b'</Relationships>')
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
DOCUMENT = f'<?xml version="1.0" encoding="UTF-8"?><w:document {W_NS}><w:body><w:p><w:r><w:t>Quarterly figures</w:t></w:r></w:p></w:body></w:document>'.encode()


def _deflated(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def docx_bomb(inflated: int, *, member: str = "word/media/image1.png", declared: int | None = None) -> bytes:
    """A small valid .docx plus ``member`` inflating to ``inflated`` bytes; its directory entry
    declares ``declared`` bytes (default: the truth)."""
    prefix = b"<?xml version=\"1.0\"?><w:document " + W_NS.encode() + b"><w:body><w:p><w:r><w:t>" if member.endswith(".xml") else b""
    bomb = deflate_bomb(inflated, zlib_wrapper=False, prefix=prefix)
    parts = [("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS), ("word/_rels/document.xml.rels", _DOC_RELS)]
    entries = [(n, _deflated(d), zlib.crc32(d), len(d)) for n, d in parts]
    if member != "word/document.xml":
        entries.append(("word/document.xml", _deflated(DOCUMENT), zlib.crc32(DOCUMENT), len(DOCUMENT)))
    size = len(prefix) + max(1, inflated // _BLOCK) * _BLOCK
    entries.append((member, bomb, 0, size if declared is None else declared))
    return _zip(entries)


DOCUMENT_FILES = Path(__file__).resolve().parents[1] / "files" / "documents"


def package_bomb(source: str, member: str, inflated: int, *, declared: int | None = None) -> bytes:
    """A real package of tests/files/documents (.pptx, .xlsx, OpenDocument, EPUB) whose ``member``
    (its main part, or a new one) inflates to ``inflated`` bytes while its directory entry
    declares ``declared`` (default: the truth)."""
    original = zipfile.ZipFile(DOCUMENT_FILES / source)
    entries = []
    for info in original.infolist():
        if info.filename != member:
            data = original.read(info)
            entries.append((info.filename, _deflated(data), zlib.crc32(data), len(data)))
    prefix = b'<?xml version="1.0"?><root>' if member.endswith((".xml", ".xhtml")) else b""
    bomb = deflate_bomb(inflated, zlib_wrapper=False, prefix=prefix)
    size = len(prefix) + max(1, inflated // _BLOCK) * _BLOCK
    entries.append((member, bomb, 0, size if declared is None else declared))
    return _zip(entries)


_PARTS = {
    # part: (relationship type, content type, minimal content)
    "word/styles.xml": ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
                        f'<?xml version="1.0"?><w:styles {W_NS}/>'.encode()),
    "word/footnotes.xml": ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes",
                           "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                           f'<?xml version="1.0"?><w:footnotes {W_NS}/>'.encode()),
    "docProps/core.xml": ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                          "application/vnd.openxmlformats-package.core-properties+xml",
                          (b'<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                           b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title>'
                           b'</cp:coreProperties>')),
}


def docx_with_part(name: str, xml: bytes) -> bytes:
    """A valid .docx with styles, footnotes and core properties, all related so that python-docx
    parses them; part ``name`` (one of those or word/document.xml) holds ``xml`` instead."""
    rel = '<Relationship Id="rId{i}" Type="{t}" Target="{target}"/>'
    ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    package_rels = (f'<?xml version="1.0"?><Relationships xmlns="{ns}">'
                    + rel.format(i=1, t="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
                                 target="word/document.xml")
                    + rel.format(i=2, t=_PARTS["docProps/core.xml"][0], target="docProps/core.xml") + "</Relationships>")
    doc_rels = (f'<?xml version="1.0"?><Relationships xmlns="{ns}">'
                + rel.format(i=1, t=_PARTS["word/styles.xml"][0], target="styles.xml")
                + rel.format(i=2, t=_PARTS["word/footnotes.xml"][0], target="footnotes.xml") + "</Relationships>")
    overrides = "".join(f'<Override PartName="/{p}" ContentType="{ct}"/>' for p, (_r, ct, _x) in _PARTS.items())
    types = _CONTENT_TYPES.replace(b"</Types>", overrides.encode() + b"</Types>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", package_rels)
        zf.writestr("word/_rels/document.xml.rels", doc_rels)
        zf.writestr("word/document.xml", xml if name == "word/document.xml" else DOCUMENT)
        for part, (_r, _ct, content) in _PARTS.items():
            zf.writestr(part, xml if name == part else content)
    return out.getvalue()


def laughs_docx(part: str, padding: int = 0) -> bytes:
    """``docx_with_part`` with a billion-laughs document in ``part``."""
    return docx_with_part(part, billion_laughs(padding=padding))


def billion_laughs(levels: int = 10, *, padding: int = 0) -> bytes:
    """The classic entity-expansion document; ``padding`` bytes of comment come before the
    DOCTYPE (to get past a check of the first few kilobytes only)."""
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, levels)]
    comment = f"<!--{'x' * padding}-->" if padding else ""
    return (f'<?xml version="1.0"?>{comment}<!DOCTYPE w:document [{"".join(ents)}]>'
            f'<w:document {W_NS}><w:body><w:p><w:r><w:t>&lol{levels - 1};</w:t></w:r></w:p></w:body></w:document>').encode()


def pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF with a correct xref table from numbered object bodies (1-based)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def stream(data: bytes, flate: bool = False) -> bytes:
    return b"<< /Length %d%s >>\nstream\n" % (len(data), b" /Filter /FlateDecode" if flate else b"") + data + b"\nendstream"


def pdf_bomb(inflated: int, *, text_pages: int = 0) -> bytes:
    """Page 1's content stream inflates to ``inflated`` bytes of spaces; ``text_pages`` ordinary
    pages follow it."""
    text = b"BT /F1 12 Tf 72 700 Td (An ordinary page after the bomb.) Tj ET"
    n = 1 + text_pages
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (6 + i) for i in range(n)), n),
            _FONT, stream(deflate_bomb(inflated, prefix=b"BT /F1 12 Tf 72 700 Td (Bomb) Tj ET\n"), flate=True),
            stream(text)]
    for i in range(n):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                    b"/Contents %d 0 R >>" % (4 if i == 0 else 5))
    return pdf(objs)


def many_pages_pdf(pages: int, *, declared: int | None = None) -> bytes:
    """``pages`` page objects sharing one content stream; /Count says ``declared`` (default: the truth)."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages if declared is None else declared),
            _FONT, stream(b"BT /F1 12 Tf 72 700 Td (The same page again.) Tj ET")]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"] * pages
    return pdf(objs)


def cyclic_page_tree_pdf() -> bytes:
    """A page tree whose node lists itself as its own kid."""
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                stream(b"BT /F1 12 Tf 72 700 Td (Loop) Tj ET")])


def nested_email(depth: int, *, kind: str = "rfc822") -> bytes:
    """A message enclosing a message enclosing... ``depth`` levels (or nested multiparts)."""
    inner = b"From: a@example.org\r\nSubject: innermost\r\n\r\nThe innermost text.\r\n"
    for level in range(depth):
        if kind == "rfc822":
            inner = (b"From: a@example.org\r\nSubject: level %d\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n"
                     % level + inner)
        else:
            b = b"b%d" % level
            inner = (b"Content-Type: multipart/mixed; boundary=\"" + b + b"\"\r\n\r\n--" + b + b"\r\n" + inner
                     + b"\r\n--" + b + b"--\r\n")
    if kind != "rfc822":
        inner = b"From: a@example.org\r\nSubject: nested parts\r\nMIME-Version: 1.0\r\n" + inner
    return inner


HOSTILE_NAMES = ["../../x.txt", "../../../../../../tmp/precis-escape.txt", "/etc/precis-passwd.txt",
                 "C:\\Windows\\System32\\precis.txt", "bell\x07\x1b[2J\x1b]0;pwned\x07.txt", "nul\x00byte.txt",
                 "\u202egnp.txt", "..", "", "a/b/c/deep.txt"]


def email_with_attachments(names: list[str] = HOSTILE_NAMES) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Mallory <m@example.org>"
    msg["To"] = "you@example.org"
    msg["Subject"] = "Attachments with hostile names"
    msg.set_content("Please see the attached notes.")
    for i, name in enumerate(names):
        msg.add_attachment(f"Attachment number {i} says hello.".encode(), maintype="text", subtype="plain",
                           filename=name.replace("\x00", "") or None)
    data = bytes(msg)
    # EmailMessage refuses NUL in a header; splice one into the raw bytes like a hostile sender would.
    return data.replace(b'filename="nulbyte.txt"', b'filename="nul\x00byte.txt"')


_LINE = "The committee met again on Tuesday and agreed to revisit the budget next quarter."


def big_text(kind: str, size: int) -> bytes:
    """About ``size`` bytes of one text format, each built the way that stresses its reader:
    one paragraph without blank lines, one long email body, many messages, many cues."""
    n = max(1, size // (len(_LINE) + 40))
    if kind == "paragraph":
        return ((_LINE + "\n") * n).encode()
    if kind == "markdown":
        return ("# Notes\n\n" + "".join(f"- {_LINE} **bold** [link](http://x)\n" for _ in range(n))).encode()
    if kind == "speaker":
        return "".join(f"{('Ann', 'Bo')[i % 2]}: {_LINE}\n" for i in range(n)).encode()
    if kind == "vtt":
        cues = (f"{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000 --> {i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.900\n"
                f"<v Ann>{_LINE}\n\n" for i in range(n))
        return ("WEBVTT\n\n" + "".join(cues)).encode()
    if kind == "srt":
        cues = (f"{i + 1}\n{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d},000 --> {i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d},900\n"
                f"{_LINE}\n\n" for i in range(n))
        return "".join(cues).encode()
    if kind == "json":
        return json.dumps({"segments": [{"start": i, "end": i + 0.9, "text": _LINE, "speaker": "A"} for i in range(n)]}).encode()
    if kind == "eml":
        return ("From: a@example.org\nSubject: long\n\n" + (_LINE + "\n") * n).encode()
    if kind == "quoted-eml":
        return ("From: a@example.org\nSubject: long\n\n" + ("> " + _LINE + "\n") * n).encode()
    if kind == "mbox":
        one = "From a@example.org Mon Jan  1 00:00:00 2001\nFrom: a@example.org\nSubject: part {i}\n\n{line}\n\n"
        return "".join(one.format(i=i, line=_LINE) for i in range(n // 2)).encode()
    raise ValueError(kind)

"""Build small PDFs byte by byte for cases the corpus lacks (running headers, bombs, scans)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

#: (x, y, font size, text) in PDF points, origin bottom left of a 612 x 792 page.
Run = tuple[float, float, float, str]


@dataclass
class Page:
    runs: list[Run] = field(default_factory=list)
    image: bool = False
    raw: bytes | None = None  # a content stream given as is (already compressed if ``compressed``)
    compressed: bool = False


def text_page(lines: list[str], *, top: float = 740, size: float = 11, leading: float = 14, x: float = 72) -> Page:
    return Page([(x, top - i * leading, size, line) for i, line in enumerate(lines)])


def _content(page: Page) -> bytes:
    parts = []
    if page.image:
        parts.append("q 612 0 0 792 0 0 cm /Im1 Do Q")
    for x, y, size, text in page.runs:
        esc = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        parts.append(f"BT /F1 {size} Tf {x} {y} Td ({esc}) Tj ET")
    return "\n".join(parts).encode("cp1252")


def make_pdf(pages: list[Page], *, info: dict[str, str] | None = None, compress: bool = True) -> bytes:
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    image = add(b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream")
    contents = []
    for page in pages:
        data = page.raw if page.raw is not None else _content(page)
        flate = page.compressed or (compress and page.raw is None)
        if flate and not page.compressed:
            data = zlib.compress(data)
        head = b"<< /Length %d%s >>" % (len(data), b" /Filter /FlateDecode" if flate else b"")
        contents.append(add(head + b"\nstream\n" + data + b"\nendstream"))
    parent = len(objs) + len(pages) + 1
    kids = [
        add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> "
            b"/XObject << /Im1 %d 0 R >> >> /Contents %d 0 R >>" % (parent, font, image, c))
        for c in contents
    ]
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))) == parent
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % parent)
    info_ref = b""
    if info:
        entries = b" ".join(b"/%s (%s)" % (k.encode(), v.encode("latin-1")) for k, v in info.items())
        info_ref = b"/Info %d 0 R " % add(b"<< " + entries + b" >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, info_ref, xref)
    return bytes(out)


def flate_bomb(megabytes: int) -> bytes:
    """A content stream that inflates to ``megabytes`` MB of spaces after one line of text."""
    comp = zlib.compressobj(9)
    out = [comp.compress(b"BT /F1 12 Tf 72 700 Td (bomb page) Tj ET\n")]
    chunk = b" " * 2**20
    out += [comp.compress(chunk) for _ in range(megabytes)]
    out.append(comp.flush())
    return b"".join(out)

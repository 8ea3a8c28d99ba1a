"""Hypothesis strategies for structured-ish input: almost-valid emails, .docx packages, PDFs and
transcripts, built so that most examples get past the sniffer and deep into a reader."""

from __future__ import annotations

import base64
import io
import json
import zipfile
import zlib

from hypothesis import strategies as st

from tests.reliability.mutations import TOKENS

NAMES = st.sampled_from(["x.pdf", "x.docx", "x.eml", "x.mbox", "x.msg", "x.vtt", "x.srt", "x.txt", "x.json",
                         "x.md", "noext", "x.log", "x.pptx", "x.xlsx", "x.odt", "x.ods", "x.rtf", "x.html", "x.mhtml",
                         "x.epub"])
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
_HOSTILE_NAMES = st.sampled_from(["../../x.txt", "/etc/passwd", "C:\\Windows\\x.pdf", "a\x00b.pdf", "\x1b[2Jx.txt",
                                  "\u202etxt.exe", "", ".", "..", "con.pdf", "x" * 300 + ".pdf", "=?utf-8?B?Li4vLi4veA==?="])


@st.composite
def token_soup(draw: st.DrawFn) -> bytes:
    parts = draw(st.lists(st.one_of(st.sampled_from(TOKENS), st.binary(max_size=48), _TEXT.map(str.encode)), max_size=40))
    return b"".join(parts)


# ----- email ------------------------------------------------------------------------------
_CTYPES = ["text/plain", "text/html", "text/enriched", "multipart/mixed", "multipart/alternative", "multipart/signed",
           "message/rfc822", "message/external-body", "application/pdf", "application/octet-stream",
           "application/pkcs7-signature", "image/png", "text/vtt", "bogus"]
_CHARSETS = ["utf-8", "iso-2022-jp", "iso-8859-1", "windows-1252", "utf-16", "koi8-r", "bogus", "", "utf-8\x00x"]
_ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "binary", "bogus", ""]


def _encode(body: bytes, cte: str) -> bytes:
    if cte == "base64":
        return base64.encodebytes(body)
    if cte == "quoted-printable":
        import quopri

        return quopri.encodestring(body)
    return body


@st.composite
def _part(draw: st.DrawFn, depth: int) -> bytes:
    ctype = draw(st.sampled_from(_CTYPES if depth < 4 else _CTYPES[:3]))
    lines = [f"Content-Type: {ctype}"]
    charset = draw(st.sampled_from(_CHARSETS))
    if charset:
        lines[0] += f'; charset="{charset}"'
    boundary = f"b{depth}x"
    if ctype.startswith("multipart/"):
        lines[0] += f'; boundary="{boundary}"'
    cte = draw(st.sampled_from(_ENCODINGS))
    if cte:
        lines.append(f"Content-Transfer-Encoding: {cte}")
    if draw(st.booleans()):
        lines.append(f'Content-Disposition: attachment; filename="{draw(_HOSTILE_NAMES)}"')
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n\r\n"
    if ctype.startswith("multipart/"):
        subs = draw(st.lists(_part(depth + 1), max_size=3))
        closing = draw(st.sampled_from([f"--{boundary}--\r\n", ""]))
        return head + b"".join(b"--" + boundary.encode() + b"\r\n" + s + b"\r\n" for s in subs) + closing.encode()
    if ctype == "message/rfc822":
        return head + draw(_message(depth + 1))
    body = draw(st.one_of(_TEXT.map(lambda t: t.encode("utf-8")), st.binary(max_size=200)))
    return head + _encode(body, cte)


@st.composite
def _message(draw: st.DrawFn, depth: int = 0) -> bytes:
    headers = [
        f"From: {draw(st.sampled_from(['A <a@x.org>', '=?utf-8?B?w6k=?= <e@x.org>', 'broken <<', '', 'x' * 200]))}",
        f"To: {draw(st.sampled_from(['b@x.org', 'undisclosed-recipients:;', '=?bogus?Q?x?=']))}",
        f"Subject: {draw(_TEXT)}",
        f"Date: {draw(st.sampled_from(['Mon, 4 Mar 2024 09:30:00 +0000', 'yesterday', '31 Feb 99999 99:99', '']))}",
        "MIME-Version: 1.0",
    ]
    head = "\r\n".join(headers).encode("utf-8", "surrogateescape") + b"\r\n"
    return head + draw(_part(depth))


def emails() -> st.SearchStrategy[bytes]:
    return st.one_of(_message(), st.lists(_message(), min_size=1, max_size=3).map(
        lambda ms: b"".join(b"From x@y Mon Jan  1 00:00:00 2001\r\n" + m + b"\r\n" for m in ms)))


# ----- .docx ------------------------------------------------------------------------------
_W = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  b'<Default Extension="xml" ContentType="application/xml"/>'
                  b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                  b'</Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
         b'</Relationships>')
#: Elements the body walker handles, nested at random but always well-formed, so python-docx opens
#: the package and the damage is in the structure (a table in a run, a heading level 9, a
#: footnote reference to nothing) rather than in the XML.
_CONTAINERS = ["w:p", "w:r", "w:tbl", "w:tr", "w:tc", "w:hyperlink", "w:sdt", "w:sdtContent", "w:ins", "w:smartTag"]
_LEAVES = ["<w:br/>", "<w:tab/>", '<w:footnoteReference w:id="7"/>', '<w:endnoteReference w:id="x"/>', "<w:sectPr/>",
           '<w:pPr><w:pStyle w:val="Heading1"/></w:pPr>', '<w:pPr><w:pStyle w:val="Heading99"/></w:pPr>',
           '<w:pPr><w:numPr><w:ilvl w:val="9"/><w:numId w:val="1"/></w:numPr></w:pPr>', '<w:gridSpan w:val="-3"/>',
           '<w:vMerge w:val="restart"/>', "&amp;", "&#x1F600;", "<![CDATA[x]]>"]
_CLEAN_TEXT = _TEXT.map(lambda t: "<w:t>" + "".join(c for c in t if c.isprintable() and c not in "<&>") + "</w:t>")
_ELEMENT = st.recursive(
    st.one_of(st.sampled_from(_LEAVES), _CLEAN_TEXT),
    lambda inner: st.tuples(st.sampled_from(_CONTAINERS), st.lists(inner, max_size=4)).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>"),
    max_leaves=40,
)


@st.composite
def docx_packages(draw: st.DrawFn) -> bytes:
    body = "".join(draw(st.lists(_ELEMENT, max_size=12)))
    document = f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>{body}</w:body></w:document>'.encode()
    members = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _RELS, "word/document.xml": document}
    if draw(st.integers(0, 3)) == 0:
        members[draw(st.sampled_from(["word/styles.xml", "word/footnotes.xml", "docProps/core.xml", "../evil.xml",
                                      "word/_rels/document.xml.rels"]))] = draw(st.binary(max_size=200))
    if draw(st.integers(0, 5)) == 0:
        del members[draw(st.sampled_from(sorted(members)))]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


# ----- the other packages: PowerPoint, Excel, OpenDocument, EPUB ---------------------------
_A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
_SHEET_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"')
_PACKAGE_PARTS = {
    "pptx": ("ppt/slides/slide1.xml", (f'<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" {_A}>'
             "<p:cSld><p:spTree>{body}</p:spTree></p:cSld></p:sld>"),
             ["<p:sp><p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>", "<p:grpSp>{inner}</p:grpSp>",
              '<a:tbl><a:tr h="1"><a:tc><a:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></a:txBody></a:tc></a:tr></a:tbl>']),
    "xlsx": ("xl/worksheets/sheet1.xml", f"<worksheet {_SHEET_NS}><sheetData>{{body}}</sheetData></worksheet>",
             ['<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{text}</t></is></c></row>',
              '<row r="{n}"><c r="XFD{n}"><v>{n}</v></c></row>', '<row><c t="s"><v>{n}</v></c><c t="b"><v>7</v></c></row>',
              '<row r="{n}"><c r="B{n}" t="e"><v>#DIV/0!</v></c><c r="C{n}" s="99"><v>1e308</v></c></row>']),
    "odt": ("content.xml", (f"<office:document-content {_ODF_NS}><office:body><office:text>{{body}}</office:text>"
            "</office:body></office:document-content>"),
            ["<text:p>{text}</text:p>", '<text:h text:outline-level="{n}">{text}</text:h>',
             "<text:list><text:list-item>{inner}</text:list-item></text:list>", '<text:p><text:s text:c="{n}"/>{text}</text:p>',
             "<table:table><table:table-row><table:table-cell>{inner}</table:table-cell></table:table-row></table:table>"]),
    "epub": ("OEBPS/c.xhtml", "<html><body>{body}</body></html>",
             ["<p>{text}</p>", "<h{n}>{text}</h{n}>", "<ul><li>{inner}</li></ul>", "<table><tr><td>{inner}</td></tr></table>",
              "<script>{text}</script>", "<div hidden>{inner}</div>"]),
}
_MIMETYPES = {"odt": b"application/vnd.oasis.opendocument.text", "epub": b"application/epub+zip"}
_EPUB_CONTAINER = (b'<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                   b'<rootfile full-path="OEBPS/p.opf" media-type="application/oebps-package+xml"/></rootfiles></container>')
_EPUB_OPF = (b'<package xmlns="http://www.idpf.org/2007/opf"><manifest><item id="c" href="c.xhtml" '
             b'media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c"/></spine></package>')


@st.composite
def office_packages(draw: st.DrawFn) -> tuple[bytes, str]:
    """A .pptx, .xlsx, .odt or .epub whose main part nests the format's own elements at random
    (well-formed, so the library opens it and the damage is in the structure), sometimes with a
    part missing or replaced by bytes."""
    kind = draw(st.sampled_from(sorted(_PACKAGE_PARTS)))
    member, shell, pieces = _PACKAGE_PARTS[kind]

    def element(depth: int) -> str:
        piece = draw(st.sampled_from(pieces))
        text = "".join(c for c in draw(_TEXT) if c.isprintable() and c not in "<&>")
        inner = "".join(element(depth + 1) for _ in range(draw(st.integers(0, 2)))) if depth < 3 else text
        return piece.replace("{text}", text).replace("{inner}", inner).replace("{n}", str(draw(st.integers(-2, 9))))

    body = "".join(element(0) for _ in range(draw(st.integers(0, 6))))
    members: dict[str, bytes] = {}
    if kind in _MIMETYPES:
        members["mimetype"] = _MIMETYPES[kind]
    if kind == "epub":
        members["META-INF/container.xml"] = _EPUB_CONTAINER
        members["OEBPS/p.opf"] = _EPUB_OPF
    elif kind == "odt":
        members["META-INF/manifest.xml"] = b"<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\"/>"
    else:
        members["[Content_Types].xml"] = b"<Types/>"
        members["ppt/presentation.xml" if kind == "pptx" else "xl/workbook.xml"] = b"<x/>"
    members[member] = ('<?xml version="1.0" encoding="UTF-8"?>' + shell.replace("{body}", body)).encode()
    if draw(st.integers(0, 4)) == 0:
        members[draw(st.sampled_from(sorted(members)))] = draw(st.binary(max_size=200))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return out.getvalue(), f"x.{kind}"


# ----- PDF --------------------------------------------------------------------------------
_OPS = ["BT", "ET", "/F1 12 Tf", "72 700 Td", "(Hello) Tj", "[(A) -50 (B)] TJ", "T*", "q", "Q", "1 0 0 1 0 0 cm",
        "(x) '", "0 0 1 rg", "/Im1 Do", "BI /W 1 /H 1 ID x EI", "<00410042> Tj", "99999 Tz", "-1e308 TL"]
_OBJECTS = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Pages /Kids [2 0 R] /Count 1 >>", ("<< /Type /Page /Parent 2 0 R /Contents 4 0 R "
                                                          "/Resources << /Font << /F1 5 0 R >> >> /MediaBox [0 0 612 792] >>"),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", "<< /Type /Font /Subtype /Type0 /ToUnicode 4 0 R >>",
            "[1 0 R 2 0 R", "null", "(unterminated", "<< /Type /Page /Parent 2 0 R /Contents [4 0 R 4 0 R 4 0 R] >>"]


_SKELETON = [_OBJECTS[0], _OBJECTS[1], _OBJECTS[3], None, _OBJECTS[4]]  # object 4 is the content stream


@st.composite
def pdfs(draw: st.DrawFn) -> bytes:
    """A one-page PDF whose content stream is random operators, with (often) one object
    replaced by a wrong one and a wrong /Length or xref offset."""
    ops = " ".join(draw(st.lists(st.one_of(st.sampled_from(_OPS), _TEXT.map(lambda t: f"({t}) Tj")), max_size=30)))
    stream = ops.encode("utf-8", "replace")
    if draw(st.booleans()):
        stream, filt = zlib.compress(stream), " /Filter /FlateDecode"
    else:
        filt = ""
    objects = list(_SKELETON)
    for _ in range(draw(st.integers(0, 2))):
        objects[draw(st.integers(0, 4))] = draw(st.sampled_from(_OBJECTS))
    body = b"%PDF-1." + str(draw(st.integers(0, 9))).encode() + b"\n"
    length = draw(st.sampled_from([len(stream)] * 3 + [0, len(stream) + 100, -1]))
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        if obj is None:
            body += b"4 0 obj\n<< /Length %d%s >>\nstream\n" % (length, filt.encode()) + stream + b"\nendstream\nendobj\n"
        else:
            body += f"{number} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(body)
    if draw(st.booleans()):  # without a table pypdf rebuilds the index by scanning the file
        body += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    body += b"trailer\n<< /Root 1 0 R /Size 6 >>\nstartxref\n%d\n%%%%EOF\n" % draw(st.sampled_from([xref, xref, 0, xref + 7]))
    return body


# ----- transcripts ------------------------------------------------------------------------
_TIMES = st.sampled_from(["00:00:01.000", "00:00:05.500", "1:02:03.004", "00:01.000", "99:59:59.999", "00:00:01,000",
                          "-00:00:01.000", "00:00:00.000", "12345678:00:00.000"])
_JSON_VALUES = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | _TEXT,
                            lambda c: st.lists(c, max_size=4) | st.dictionaries(_TEXT, c, max_size=4), max_leaves=12)


@st.composite
def transcripts(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["vtt", "srt", "json", "speaker"]))
    if kind == "json":
        key = draw(st.sampled_from(["segments", "sentences", "meeting_transcripts", "utterances"]))
        items = draw(st.lists(st.fixed_dictionaries({}, optional={
            "text": st.one_of(_TEXT, _JSON_VALUES), "content": _TEXT, "speaker": st.one_of(_TEXT, st.integers()),
            "start": st.one_of(st.floats(allow_nan=True, allow_infinity=True), _TEXT), "end": st.floats(allow_nan=True),
            "start_time": st.floats(), "speaker_name": _TEXT}), max_size=8))
        return json.dumps({key: items}, allow_nan=True).encode()
    lines = []
    if kind == "vtt" and draw(st.booleans()):
        lines.append("WEBVTT")
    for i in range(draw(st.integers(0, 8))):
        if kind == "srt":
            lines.append(str(i + 1))
        if kind != "speaker":
            lines.append(f"{draw(_TIMES)} --> {draw(_TIMES)}")
            lines.append(draw(st.sampled_from(["<v Ann>", "<c.yellow>", "- ", "", "[MUSIC] ", "&amp;"])) + draw(_TEXT))
        else:
            lines.append(f"{draw(st.sampled_from(['Ann', 'Bo', '[00:01] Ann', 'Speaker 1']))}: {draw(_TEXT)}")
        lines.append("")
    return "\n".join(lines).encode("utf-8")

"""Documents no reader test has seen, made fresh for the held-out fuzz.

Each builder writes its format a different way from the corpus and the reader tests' own
factories: a PDF 1.5 with its objects in an object stream and a cross-reference *stream*
(the reader tests' PDFs use a classic xref table), text drawn with TJ arrays and two fonts;
a .docx from python-docx with a table, lists, a header and core properties; an email tree
built with the stdlib ``email`` package (alternative parts, a forwarded message carrying the
PDF, a Word attachment); an mbox written by ``mailbox``; WebVTT with NOTE/STYLE blocks and
cue settings; SubRip; Whisper-style JSON; and a "Name: text" transcript.

``MARKER`` is a word that appears in every one of them and nowhere else, so the security
tests can look for document text in logs.
"""

from __future__ import annotations

import io
import json
import mailbox
import tempfile
import zlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

MARKER = "Quillfeather"
SENTENCES = [
    f"The {MARKER} committee agreed to move the archive to the new building before March.",
    "Dana will send the revised budget to the board by Friday, including the storage costs.",
    "Several members asked whether the reading room could stay open during the move.",
    "The contractor estimated that shelving would take three weeks to install and inspect.",
    "We decided to digitise the fragile maps first, since they cannot be moved safely.",
    "Please confirm the loading dock schedule with facilities before the end of the month.",
]


def heldout_pdf() -> bytes:
    """Two pages; objects 1-5 inside an object stream, indexed by a cross-reference stream."""
    def content(lines: list[str], y0: int) -> bytes:
        ops = [b"BT /F1 18 Tf 72 %d Td (Archive move) Tj ET" % (y0 + 40)]
        for i, line in enumerate(lines):
            words = line.split(" ")
            arr = b" ".join(b"(%s ) -20" % w.encode("latin-1") for w in words)
            ops.append(b"BT /F2 11 Tf 72 %d Td [%s] TJ ET" % (y0 - 16 * i, arr))
        return b"\n".join(ops)

    streams = [zlib.compress(content(SENTENCES[:3], 700)), zlib.compress(content(SENTENCES[3:], 700))]
    inner = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 7 0 R >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 8 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    header, body, offset = [], b"", 0
    for number, obj in enumerate(inner, 1):
        header.append(b"%d %d" % (number, offset))
        body += obj + b"\n"
        offset += len(obj) + 1
    head = b" ".join(header) + b"\n"
    objstm = zlib.compress(head + body)
    out = bytearray(b"%PDF-1.5\n%\xb5\xb5\xb5\xb5\n")
    offsets: dict[int, int] = {}

    def put(number: int, obj: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + obj + b"\nendobj\n")

    put(6, b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>")
    for number, data in ((7, streams[0]), (8, streams[1])):
        put(number, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
    put(9, b"<< /Type /ObjStm /N %d /First %d /Length %d /Filter /FlateDecode >>\nstream\n"
        % (len(inner), len(head), len(objstm)) + objstm + b"\nendstream")
    xref_at = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + (0xFFFF).to_bytes(2, "big")]
    for number in range(1, 11):
        if number <= len(inner):
            rows.append(b"\x02" + (9).to_bytes(4, "big") + (number - 1).to_bytes(2, "big"))
        elif number == 10:
            rows.append(b"\x01" + xref_at.to_bytes(4, "big") + (0).to_bytes(2, "big"))
        else:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + (0).to_bytes(2, "big"))
    table = zlib.compress(b"".join(rows))
    out.extend(b"10 0 obj\n<< /Type /XRef /Size 11 /W [1 4 2] /Root 1 0 R /Length %d /Filter /FlateDecode >>\nstream\n"
               % len(table) + table + b"\nendstream\nendobj\n")
    out.extend(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return bytes(out)


def heldout_docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = f"{MARKER} archive move"
    document.core_properties.author = "Records office"
    document.sections[0].header.paragraphs[0].text = "Internal - records office"
    document.add_heading("Archive move", level=1)
    for sentence in SENTENCES[:3]:
        document.add_paragraph(sentence)
    document.add_heading("Open questions", level=2)
    for sentence in SENTENCES[3:]:
        document.add_paragraph(sentence, style="List Bullet")
    table = document.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate((("Item", "Owner"), ("Budget", "Dana"), ("Dock schedule", "Facilities"))):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _message(subject: str, sender: str, body: str, html: bool = False) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "Records Team <records@example.org>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2024, 3, 4, 9, 30, tzinfo=UTC))
    msg.set_content(body)
    if html:
        msg.add_alternative(f"<html><body><p>{body.replace(chr(10), '</p><p>')}</p></body></html>", subtype="html")
    return msg


def heldout_eml() -> bytes:
    outer = _message("Re: archive move", "Dana Ortiz <dana@example.org>", "\n\n".join(SENTENCES[:3]), html=True)
    forwarded = _message("Fwd: shelving quote", "Lee Park <lee@example.org>", "\n\n".join(SENTENCES[3:]))
    forwarded.add_attachment(heldout_pdf(), maintype="application", subtype="pdf", filename="quote.pdf")
    outer.add_attachment(forwarded)
    outer.add_attachment(heldout_docx(), maintype="application",
                         subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename="plan.docx")
    outer.add_attachment("\n".join(SENTENCES).encode(), maintype="text", subtype="plain", filename="notes.txt")
    return bytes(outer)


def heldout_mbox() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.mbox"
        box = mailbox.mbox(str(path))
        for i, sentence in enumerate(SENTENCES[:4]):
            msg = _message(f"{'Re: ' if i else ''}archive move", f"Member {i} <m{i}@example.org>", sentence + "\n\n> quoted earlier text\n")
            box.add(msg)
        box.flush()
        box.close()
        return path.read_bytes()


def heldout_vtt() -> bytes:
    lines = ["WEBVTT - archive meeting", "", "STYLE", "::cue { color: white }", "", "NOTE recorded in room 2", ""]
    t = 0.0
    for i, sentence in enumerate(SENTENCES):
        who = ("Dana Ortiz", "Lee Park")[i % 2]
        lines += [f"c{i}", f"00:00:{t:06.3f} --> 00:00:{t + 4.5:06.3f} align:start position:10%", f"<v {who}>{sentence}</v>", ""]
        t += 5
    return "\n".join(lines).encode()


def heldout_srt() -> bytes:
    out = []
    for i, sentence in enumerate(SENTENCES, 1):
        out += [str(i), f"00:01:{i * 4:02d},250 --> 00:01:{i * 4 + 3:02d},900", sentence, ""]
    return "\r\n".join(out).encode("utf-8")


def heldout_json() -> bytes:
    segments = [{"start": i * 6.0, "end": i * 6.0 + 5.5, "text": s, "speaker": f"SPEAKER_{i % 2:02d}"} for i, s in enumerate(SENTENCES)]
    return json.dumps({"language": "en", "segments": segments}, indent=2).encode()


def heldout_speaker_text() -> bytes:
    return "\n".join(f"[00:{i:02d}:10] {('Dana', 'Lee')[i % 2]}: {s}" for i, s in enumerate(SENTENCES)).encode()


def heldout_text() -> bytes:
    return ("# Archive move\n\n" + "\n\n".join(SENTENCES) + "\n").encode()


BUILDERS = {
    "heldout.pdf": heldout_pdf,
    "heldout.docx": heldout_docx,
    "heldout.eml": heldout_eml,
    "heldout.mbox": heldout_mbox,
    "heldout.vtt": heldout_vtt,
    "heldout.srt": heldout_srt,
    "heldout-whisper.json": heldout_json,
    "heldout-meeting.txt": heldout_speaker_text,
    "heldout-notes.md": heldout_text,
}


def write_heldout(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, build in BUILDERS.items():
        path = folder / name
        path.write_bytes(build())
        out.append(path)
    return out

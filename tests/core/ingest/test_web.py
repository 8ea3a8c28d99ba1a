"""HTML pages, saved web pages (MHTML) and EPUB e-books: the main text with its headings, nothing
fetched and no script read; chapters in spine order with chapter locators."""

from __future__ import annotations

import io
import socket
import zipfile
from pathlib import Path

import pytest

from desktop.core.document import DocKind, Role
from desktop.core.errors import CorruptFile, EmptyDocument, UnsupportedFormat
from desktop.core.ingest import Format, read_bytes, read_document, sniff
from desktop.core.ingest.context import ReadContext
from desktop.core.limits import Limits

FILES = Path(__file__).resolve().parents[2] / "files" / "documents"
PUBLIC = FILES / "public"


def _read(data: bytes, name: str):  # a Document
    return read_bytes(data, ReadContext(Path(name)))


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every attempt to open a connection is recorded and refused."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network use in a reader")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_an_html_page_is_its_main_text_with_headings_and_no_chrome(no_network: list[object]) -> None:
    doc = read_document(FILES / "renovation-news.html")
    assert doc.kind is DocKind.WEB_PAGE and doc.metadata == {"language": "en"}
    assert doc.title == "Riverside Library renovation | Riverside Library"
    assert [(b.text, b.level) for b in doc.blocks if b.role is Role.HEADING] == [
        ("Riverside Library renovation", 1), ("What changes for readers", 2), ("Costs", 2)]
    text = doc.text()
    for left_out in ("tracking", "Opening hours", "summer reading club", "Privacy", "Hidden draft", "font-family"):
        assert left_out not in text
    assert "Café opens in May" in text  # windows-1252, as its <meta> says
    items = [(b.text, b.level) for b in doc.blocks if b.role is Role.LIST_ITEM]
    assert items[-1] == ("Returns can also go to the Central branch.", 2)
    assert next(b for b in doc.blocks if b.role is Role.QUOTE).text.startswith("We have waited twenty years")
    table = next(b for b in doc.blocks if b.role is Role.TABLE)
    assert table.text == "Work | Cost\nRoof | 48,000\nHeating | 31,500" and table.locator.section == "Costs"
    assert doc.blocks[-1].locator.label() == f"¶ {len(doc.blocks)}"
    assert no_network == []


@pytest.mark.parametrize("page", [
    b"<!DOCTYPE html><html><body><p>Hello there, reader.</p></body></html>",
    b"\xef\xbb\xbf  <html lang='fr'><p>Bonjour.</p></html>",
    b'<?xml version="1.0" encoding="utf-8"?>\n<!-- saved -->\n<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>T</h1></body></html>',
])
def test_html_is_known_by_content_and_never_read_as_text_with_tags(page: bytes) -> None:
    assert sniff(page, ReadContext(Path("notes.txt"))) is Format.HTML
    doc = _read(page, "notes.txt")
    assert doc.kind is DocKind.WEB_PAGE and "<" not in doc.text()


def test_a_fragment_named_html_is_html_and_plain_text_with_a_tag_is_not() -> None:
    assert sniff(b"<p>Minutes</p><p>Next steps</p>", ReadContext(Path("m.html"))) is Format.HTML
    assert sniff(b"<p>Minutes</p><p>Next steps</p>", ReadContext(Path("m.txt"))) is Format.TEXT
    assert sniff(b"Use <b> for bold.\nThat is all.", ReadContext(Path("m.html"))) is Format.TEXT


def test_a_page_that_is_all_header_is_read_whole_and_an_empty_one_is_one_sentence() -> None:
    doc = _read(b"<html><body><header><h1>Notice</h1><p>The library is closed on Monday.</p></header></body></html>",
                "n.html")
    assert doc.blocks[0].text == "Notice" and "closed on Monday" in doc.text()
    with pytest.raises(EmptyDocument):
        _read(b"<html><head><title>x</title><script>var a = 1;</script></head><body> </body></html>", "e.html")


def test_a_layout_table_is_read_as_paragraphs_not_as_one_row() -> None:
    page = (b"<html><body><table><tr><td><p>" + b"A long first column paragraph about the budget. " * 12
            + b"</p></td><td><p>Sidebar text.</p></td></tr></table></body></html>")
    doc = _read(page, "old.html")
    assert [b.role for b in doc.blocks] == [Role.PARAGRAPH, Role.PARAGRAPH]


def test_deeply_nested_html_is_read_within_bounds() -> None:
    page = b"<html><body>" + b"<div>" * 5000 + b"deep text" + b"</div>" * 5000 + b"<p>After.</p></body></html>"
    doc = _read(page, "deep.html")
    assert "After." in doc.text()


def test_a_saved_web_page_reads_its_html_part_only(no_network: list[object]) -> None:
    data = (FILES / "renovation-news.mhtml").read_bytes()
    assert sniff(data, ReadContext(Path("saved.eml"))) is Format.MHTML  # not an email, whatever its name
    doc = read_document(FILES / "renovation-news.mhtml")
    assert doc.kind is DocKind.WEB_PAGE and doc.blocks[0].text == "Riverside Library renovation"
    assert doc.metadata["saved_from"] == "https://riverside-library.example.invalid/news/renovation"
    assert "Café opens in May" in doc.text() and "font-family" not in doc.text() and "PNG" not in doc.text()
    assert no_network == []


def test_an_html_email_with_inline_images_stays_an_email() -> None:
    mail = (b"From: Ana <ana@example.org>\nTo: Bo <bo@example.org>\nSubject: Plan\nMessage-ID: <1@x>\n"
            b'MIME-Version: 1.0\nContent-Type: multipart/related; type="text/html"; boundary=b\n\n'
            b"--b\nContent-Type: text/html\n\n<p>See the plan.</p>\n--b--\n")
    assert sniff(mail, ReadContext(Path("m.eml"))) is Format.EML


def test_epub_chapters_in_spine_order_with_chapter_locators() -> None:
    doc = read_document(FILES / "renovation.epub")
    assert doc.kind is DocKind.EBOOK and doc.title == "Riverside Library renovation"
    assert doc.metadata["author"] == "Library board" and doc.metadata["chapter_count"] == 3
    headings = [(b.locator.chapter, b.text) for b in doc.blocks if b.role is Role.HEADING]
    assert headings == [(1, "The decision"), (2, "The work"), (3, "Next steps")]  # the spine's order, not the files'
    assert "Auxiliary notes" not in doc.text()  # linear="no"
    assert doc.blocks[1].locator.label() == "chapter 1" and doc.blocks[1].locator.section == "The decision"


def test_public_epub_files() -> None:
    alice = read_document(PUBLIC / "alice-text-only.epub")
    assert alice.title == "Alice's Adventures in Wonderland" and alice.metadata["author"] == "Lewis Carroll"
    chapters = [(b.locator.chapter, b.text) for b in alice.blocks if b.role is Role.HEADING and b.level == 2]
    assert chapters[0] == (2, "Down The Rabbit-Hole") and chapters[1] == (3, "The Pool Of Tears")
    assert "nav" not in {b.text.lower() for b in alice.blocks}  # the table of contents is not a chapter
    assert read_document(PUBLIC / "alice_without_cover.epub").metadata["chapter_count"] == 1


def _epub(opf_spine: str, files: dict[str, bytes], extra: dict[str, bytes] | None = None,
          absent: tuple[str, ...] = ()) -> bytes:
    """An EPUB 3 whose manifest lists ``files`` (in that order, ids c0, c1...) and ``absent``
    files that the package does not hold."""
    listed = [*files, *absent]
    manifest = "".join(f'<item id="c{i}" href="{name}" media-type="application/xhtml+xml"/>' for i, name in enumerate(listed))
    opf = (f'<package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           f"<dc:title>T</dc:title></metadata><manifest>{manifest}</manifest><spine>{opf_spine}</spine></package>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml", '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                   '<rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>')
        z.writestr("content.opf", opf)
        for name, data in {**files, **(extra or {})}.items():
            z.writestr(name, data)
    return out.getvalue()


def test_epub_damage_is_one_sentence_each() -> None:
    chapter = b"<html><body><p>Chapter text.</p></body></html>"
    missing = _read(_epub('<itemref idref="c0"/><itemref idref="c1"/>', {"a.xhtml": chapter}, absent=("z.xhtml",)),
                    "m.epub")
    assert missing.metadata["chapter_count"] == 1 and any("(z.xhtml) is missing or damaged" in w for w in missing.warnings)
    with pytest.raises(EmptyDocument) as images:
        _read(_epub('<itemref idref="c0"/>', {"a.xhtml": b"<html><body><img src='p.jpg'/></body></html>"}), "i.epub")
    assert "pages may be images" in images.value.message
    drm = _epub('<itemref idref="c0"/>', {"a.xhtml": chapter}, {"META-INF/encryption.xml": (
        b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">'
        b'<enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
        b'<enc:CipherData><enc:CipherReference URI="a.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>')})
    with pytest.raises(UnsupportedFormat) as protected:
        _read(drm, "drm.epub")
    assert "protected by DRM" in protected.value.message
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("content.opf", "<package><spine><itemref idref=")  # cut short
    with pytest.raises(CorruptFile) as broken:
        _read(out.getvalue(), "b.epub")
    assert "package document cannot be read" in broken.value.message
    billion = _epub('<itemref idref="c0"/>', {"a.xhtml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><html><p>&a;</p></html>'})
    with pytest.raises(CorruptFile) as attack:
        _read(billion, "laughs.epub")
    assert "malicious" in attack.value.message


def test_chapter_limit() -> None:
    chapter = b"<html><body><p>Text.</p></body></html>"
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(5))
    doc = read_bytes(_epub(spine, {f"{i}.xhtml": chapter for i in range(5)}),
                     ReadContext(Path("many.epub"), limits=Limits(max_chapters=3)))
    assert doc.metadata["chapter_count"] == 3 and any("has 5 chapters" in w for w in doc.warnings)

"""Read an EPUB e-book (2 or 3): META-INF/container.xml names the package document (OPF), whose
spine gives the chapters' reading order; each chapter's XHTML is read like a web page (what the
book's own style sheets hide left out) and its blocks are located by chapter. Written here on lxml
and zipfile (the usual Python e-book library is AGPL)."""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import unquote

from desktop.core.document import DocKind, Document
from desktop.core.errors import CorruptFile, EmptyDocument, UnsupportedFormat
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.items import BlockList
from desktop.core.ingest.package import open_package, parse_xml, read_member
from desktop.core.ingest.titles import clean_title
from desktop.core.ingest.web.markup import read_page
from desktop.core.ingest.web.page import decode_html
from desktop.core.ingest.web.stylesheet import MAX_STYLE_CHARS

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_ENC = "{http://www.w3.org/2001/04/xmlenc#}"
_PACKAGE_TYPE = "application/oebps-package+xml"
_CHAPTER_TYPES = {"application/xhtml+xml", "text/html", "application/x-dtbook+xml"}
#: Font obfuscation (IDPF and Adobe) scrambles fonts only; anything else listed is DRM.
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}


@dataclass(frozen=True, slots=True)
class _Chapter:
    path: str
    media_type: str


def read(data: bytes, ctx: ReadContext) -> Document:
    with open_package(data, ctx, "EPUB e-books", doctype_allowed=True) as archive:
        opf_path = _package_path(archive, ctx)
        opf = parse_xml(read_member(archive, opf_path))
        if opf is None:
            raise CorruptFile(f"{ctx.display_name} is damaged: its package document cannot be read.", ctx.path)
        chapters = _spine(opf, posixpath.dirname(opf_path))
        _refuse_drm(archive, {c.path for c in chapters}, ctx)
        out = BlockList(ctx)
        if len(chapters) > ctx.limits.max_chapters:
            out.warnings.append(f"{ctx.display_name} has {len(chapters):,} chapters; Precis read the first "
                                f"{ctx.limits.max_chapters:,}.")
        number = 0
        styles: dict[str, str | None] = {}
        for chapter in chapters[:ctx.limits.max_chapters]:
            ctx.cancel_check()
            blob = read_member(archive, chapter.path)
            if blob is None:
                out.warnings.append(f"A chapter of {ctx.display_name} ({PurePath(chapter.path).name}) is missing or "
                                    "damaged and was skipped.")
                continue
            page = read_page(decode_html(blob), _StyleSheets(archive, chapter.path, styles))
            if not page.items:
                continue  # a cover or an image page
            number += 1
            out.section = None
            for item in page.items:
                if not out.add(item, chapter=number):
                    break
            if out.full:
                break
    if not out.blocks:
        raise EmptyDocument(f"{ctx.display_name} holds no text (its pages may be images).", ctx.path)
    metadata = _metadata(opf)
    metadata["chapter_count"] = number
    title = clean_title(metadata.pop("title", None)) or out.first_heading() or PurePath(ctx.name).stem
    return Document(path=ctx.path, kind=DocKind.EBOOK, title=title[:500], metadata=metadata, blocks=out.blocks,
                    warnings=out.warnings, part=ctx.part)


class _StyleSheets:
    """A chapter's linked style sheets from the book's own parts (each read once per book, within
    MAX_STYLE_CHARS), so what the book's CSS hides is not read."""

    def __init__(self, archive: zipfile.ZipFile, chapter: str, cache: dict[str, str | None]) -> None:
        self.archive, self.base, self.cache = archive, posixpath.dirname(chapter), cache

    def __call__(self, href: str) -> str | None:
        if "://" in href or href.startswith(("/", "data:")):
            return None
        path = posixpath.normpath(posixpath.join(self.base, unquote(href.split("#", 1)[0])))
        if path not in self.cache:
            info = _member_info(self.archive, path)
            blob = read_member(self.archive, path) if info is not None and info.file_size <= MAX_STYLE_CHARS else None
            self.cache[path] = blob.decode("utf-8", "replace") if blob else None
        return self.cache[path]


def _member_info(archive: zipfile.ZipFile, path: str) -> zipfile.ZipInfo | None:
    try:
        return archive.getinfo(path)
    except KeyError:
        return None


def _package_path(archive: zipfile.ZipFile, ctx: ReadContext) -> str:
    """The OPF's path from container.xml; else the one .opf file the package holds."""
    container = parse_xml(read_member(archive, "META-INF/container.xml"))
    if container is not None:
        for rootfile in container.iter(f"{_CONTAINER}rootfile"):
            path = rootfile.get("full-path")
            if path and rootfile.get("media-type", _PACKAGE_TYPE) == _PACKAGE_TYPE:
                return path
    opfs = [n for n in archive.namelist() if n.lower().endswith(".opf")]
    if len(opfs) == 1:
        return opfs[0]
    raise CorruptFile(f"{ctx.display_name} is damaged: it does not say where its chapters are.", ctx.path)


def _spine(opf: Any, base: str) -> list[_Chapter]:
    """The documents of the spine in reading order; auxiliary ones (linear="no") and the EPUB 3
    navigation document (a table of contents) are left out."""
    manifest: dict[str, tuple[str, str, str]] = {}
    for item in opf.iter(f"{_OPF}item"):
        href, item_id = item.get("href"), item.get("id")
        if href and item_id:
            manifest[item_id] = (href, item.get("media-type", ""), item.get("properties", ""))
    chapters: list[_Chapter] = []
    seen: set[str] = set()
    for ref in opf.iter(f"{_OPF}itemref"):
        entry = manifest.get(ref.get("idref", ""))
        if entry is None or ref.get("linear", "yes").lower() == "no":
            continue
        href, media_type, properties = entry
        if "nav" in properties.split() or media_type not in _CHAPTER_TYPES:
            continue
        path = posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0])))
        if path not in seen and not path.startswith("../"):
            seen.add(path)
            chapters.append(_Chapter(path, media_type))
    return chapters


def _refuse_drm(archive: zipfile.ZipFile, chapters: set[str], ctx: ReadContext) -> None:
    encryption = parse_xml(read_member(archive, "META-INF/encryption.xml"))
    if encryption is None:
        return
    for data in encryption.iter(f"{_ENC}EncryptedData"):
        method = data.find(f"{_ENC}EncryptionMethod")
        algorithm = method.get("Algorithm", "") if method is not None else ""
        reference = data.find(f".//{_ENC}CipherReference")
        uri = unquote(reference.get("URI", "")) if reference is not None else ""
        if algorithm not in _FONT_OBFUSCATION and posixpath.normpath(uri) in chapters:
            raise UnsupportedFormat(f"{ctx.display_name} is protected by DRM (its chapters are encrypted); Precis "
                                    "cannot read it.", ctx.path)


def _metadata(opf: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, tag in (("title", "title"), ("author", "creator"), ("language", "language"), ("date", "date"),
                     ("subject", "subject")):
        element = opf.find(f".//{_DC}{tag}")
        if element is not None and element.text and element.text.strip():
            out[key] = " ".join(element.text.split())[:500]
    return out

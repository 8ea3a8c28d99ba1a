"""Open a ZIP package (Word, PowerPoint, Excel, OpenDocument, EPUB) only once it is known not to
be a zip bomb or a billion-laughs file, and parse its XML parts without DTDs, entities or network.

Every check works from the central directory or a bounded inflate (``zipcheck``), before any
library inflates a part: the limits are ``Limits.max_zip_members``, ``max_unzipped_bytes`` and
``max_zip_ratio``.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any

from lxml import etree

from desktop.core.errors import CorruptFile, LimitExceeded
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.zipcheck import overfull_member

#: What reading a damaged ZIP member raises (zlib.error is not an OSError: a flipped bit in a
#: deflate stream would otherwise reach read_bytes' catch-all).
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error)
#: Members smaller than this may compress as well as they like (an XML part of one repeated tag).
RATIO_FLOOR = 1 * 2**20
#: For parts a reader parses itself: no DTDs, no entities, no network, no huge text nodes.
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                              remove_blank_text=True)


def open_package(data: bytes, ctx: ReadContext, what: str, *, doctype_allowed: bool = False) -> zipfile.ZipFile:
    """The package as a ZipFile, or a typed error in one sentence.

    ``what`` names the kind of file in messages ("Word files"). ``doctype_allowed``: EPUB's XHTML
    chapters carry a harmless ``<!DOCTYPE html>``; entity declarations are refused in every kind.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except ZIP_ERRORS as exc:
        raise CorruptFile(f"{ctx.display_name} is damaged: its ZIP container cannot be read.", ctx.path) from exc
    limits = ctx.limits
    if len(infos) > limits.max_zip_members:
        raise LimitExceeded(f"{ctx.display_name} holds {len(infos):,} parts; Precis reads {what} of up to "
                            f"{limits.max_zip_members:,} parts.", ctx.path)
    total = sum(info.file_size for info in infos)
    if total > limits.max_unzipped_bytes:
        raise LimitExceeded(f"{ctx.display_name} unpacks to {total / 2**20:,.0f} MB, more than the "
                            f"{limits.max_unzipped_bytes / 2**20:,.0f} MB Precis allows.", ctx.path)
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_zip_ratio * max(info.compress_size, 1):
            raise LimitExceeded(f"{ctx.display_name} contains a part compressed more than {limits.max_zip_ratio} "
                                "to 1, the mark of a zip bomb; it was not opened.", ctx.path)
    if overfull_member(data, infos) is not None:
        raise LimitExceeded(f"{ctx.display_name} contains a part holding more data than it declares, the mark of a "
                            "zip bomb; it was not opened.", ctx.path)
    _refuse_declarations(archive, infos, ctx, what, doctype_allowed)
    return archive


def _refuse_declarations(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], ctx: ReadContext, what: str,
                         doctype_allowed: bool) -> None:
    """Office programs never write a DOCTYPE; an entity declaration in a part is an
    entity-expansion ("billion laughs") or XXE attempt. The parsers would refuse it too (no
    entity resolution, libxml2's amplification cap, defusedxml), but this says so in words
    before any parser runs."""
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".opf", ".ncx", ".xhtml", ".htm", ".html")):
            continue
        try:
            with archive.open(info) as member:
                head = member.read(4096)
        except ZIP_ERRORS:
            continue  # the reader reports the damage if it needs this part
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            head = head.decode("utf-16", "ignore").encode()
        if b"<!ENTITY" in head or (not doctype_allowed and b"<!DOCTYPE" in head):
            raise CorruptFile(f"{ctx.display_name} contains XML declarations {what} never contain, a sign of a "
                              "malicious file, so it was not opened.", ctx.path)


def read_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A member's bytes, or None when it is missing or damaged (the package was checked first)."""
    try:
        return archive.read(name)
    except (KeyError, *ZIP_ERRORS):
        return None


def parse_xml(blob: bytes | None) -> Any:
    """The root element of an XML part parsed safely, or None when it is missing or not XML."""
    if not blob:
        return None
    try:
        return etree.fromstring(blob, SAFE_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None

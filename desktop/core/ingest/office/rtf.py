"""Read a standalone Rich Text (.rtf) file with striprtf: paragraphs in order, headings with their
level (outline levels and heading styles, found by rtf_headings.py), table rows grouped as tables,
the codepage the file declares honoured; pictures and field codes are skipped."""

from __future__ import annotations

import logging
import re
from pathlib import PurePath

from striprtf.striprtf import rtf_to_text

from desktop.core.document import DocKind, Document, Role
from desktop.core.errors import CorruptFile, EmptyDocument
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.items import BlockList, Item
from desktop.core.ingest.office.rtf_headings import mark_headings, split_marker
from desktop.core.ingest.titles import clean_title, plausible_title

log = logging.getLogger(__name__)

#: The \\info group's title: plain ASCII only (an escaped one is left to the first line).
_TITLE = re.compile(rb"\{\\title\s+([ -z|~]{1,300}?)\}")
_OPEN = (".", ",", ";", ":", "!", "?")


def read(data: bytes, ctx: ReadContext) -> Document:
    try:
        # RTF is 7-bit; the bytes of \\'hh escapes are decoded by striprtf with the file's \\ansicpg.
        text = rtf_to_text(mark_headings(data.decode("latin-1")), errors="replace")
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # striprtf raises plain exceptions (IndexError, LookupError) on damaged files
        log.debug("striprtf could not read a file: %s", type(exc).__name__)
        raise CorruptFile(f"{ctx.display_name} is damaged and could not be read as Rich Text.", ctx.path) from exc
    out = BlockList(ctx)
    for item in _items(text):
        if not out.add(item):
            break
    if not out.blocks:
        raise EmptyDocument(f"{ctx.display_name} holds no text.", ctx.path)
    declared = _TITLE.search(data[:65536])
    title = clean_title(declared.group(1).decode("ascii")) if declared else None
    early = " ".join(b.text for b in out.blocks[:80])
    first = out.blocks[0].text
    if not title or not plausible_title(title, early):
        title = out.first_heading()
    if not title:
        title = first if len(out.blocks) > 1 and len(first) <= 80 and not first.endswith(_OPEN) else None
    return Document(path=ctx.path, kind=DocKind.DOCUMENT, title=title or PurePath(ctx.name).stem, blocks=out.blocks,
                    warnings=out.warnings, part=ctx.part)


def _items(text: str) -> list[Item]:
    """One paragraph per line, a marked one a heading; consecutive table rows (striprtf ends each
    cell with "|") as one table."""
    items: list[Item] = []
    rows: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        unmarked, level = split_marker(raw)
        line = " ".join(unmarked.replace("\xa0", " ").split())
        if line.endswith("|") and "|" in line:
            cells = [c.strip() for c in line.rstrip("|").split("|")]
            if any(cells):
                rows.append(" | ".join(cells).rstrip(" |"))
            continue
        if rows:
            items.append(Item("\n".join(rows), Role.TABLE))
            rows = []
        if line:
            items.append(Item(line, Role.HEADING, level) if level else Item(line, Role.PARAGRAPH))
    if rows:
        items.append(Item("\n".join(rows), Role.TABLE))
    return items

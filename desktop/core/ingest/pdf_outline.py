"""A PDF's outline (its bookmarks) as (title, level, page) entries, within limits.

pypdf resolves each entry's destination to a page; an entry whose destination is broken or
missing keeps page None (``core/structure/sections.py`` then takes its first sub-entry's page).
"""

from __future__ import annotations

import logging
from typing import Any

from pypdf import PdfReader

from desktop.core.structure.sections import MAX_ENTRIES

log = logging.getLogger(__name__)

Entry = tuple[str, int, int | None]
_MAX_DEPTH = 8


def outline_entries(reader: PdfReader) -> list[Entry]:
    """Every outline entry in reading order (level 1 = top); [] when there is none or it is unreadable."""
    try:
        outline = reader.outline
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged outline costs the sections, never the text
        log.debug("outline unreadable: %s", type(exc).__name__)
        return []
    out: list[Entry] = []
    _walk(reader, outline, 1, out)
    return out


def _walk(reader: PdfReader, items: Any, level: int, out: list[Entry]) -> None:
    if level > _MAX_DEPTH:
        return
    for item in items:
        if len(out) >= MAX_ENTRIES:
            return
        if isinstance(item, list):
            _walk(reader, item, level + 1, out)
            continue
        try:
            title = str(item.title or "").strip()
        except Exception as exc:  # noqa: BLE001 - an entry without a readable title is skipped
            log.debug("outline entry unreadable: %s", type(exc).__name__)
            continue
        out.append((title, level, _page(reader, item)))


def _page(reader: PdfReader, item: Any) -> int | None:
    try:
        number = reader.get_destination_page_number(item)
    except (MemoryError, RecursionError):
        raise
    except Exception:  # noqa: BLE001 - pypdf raises TypeError, KeyError... on a broken destination
        return None
    return number + 1 if isinstance(number, int) and number >= 0 else None

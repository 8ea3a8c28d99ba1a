"""What every Document goes through as it leaves its reader: the one place all formats pass.

Typographic ligatures (U+FB00-FB06: "ﬁ", "ﬂ", "ﬀ"...) are spelt out, so *Find in source* and
citation matching find "superficial" in "superﬁcial"; only those seven characters change, not
the rest of the text (no general Unicode normalisation). Then furniture is marked and sections
are found (``core/structure/``), and a document that is all furniture says so.
"""

from __future__ import annotations

import re
from typing import Any

from desktop.core.document import Document
from desktop.core.structure import sections
from desktop.core.structure.furniture import furniture_note, mark_furniture

LIGATURES = {0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "st", 0xFB06: "st"}
_LIGATURE = re.compile("[\ufb00-\ufb06]")


def expand_ligatures(text: str) -> str:
    return text.translate(LIGATURES) if _LIGATURE.search(text) else text


def _expand_value(value: Any) -> Any:
    if isinstance(value, str):
        return expand_ligatures(value)
    if isinstance(value, list):
        return [_expand_value(v) for v in value]
    return value


def finish(doc: Document) -> Document:
    """Ligatures spelt out, furniture marked and sections found, for ``doc`` and its attachments."""
    for part in doc.walk():
        part.title = expand_ligatures(part.title)
        part.metadata = {k: _expand_value(v) for k, v in part.metadata.items()}
        for block in part.blocks:
            block.text = expand_ligatures(block.text)
        part.sections = [s if s.title == (t := expand_ligatures(s.title)) else type(s)(t, s.level, s.block)
                         for s in part.sections]
        mark_furniture(part)
        if not part.sections:
            part.sections = sections.find_sections(part)
        sections.assign(part)
        note = furniture_note(part)
        if note and note not in part.warnings:
            part.warnings.append(note)
    return doc

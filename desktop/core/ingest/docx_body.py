"""Walk WordprocessingML (body, headers, footnotes) into blocks, straight from the XML.

python-docx's object model skips content controls (``w:sdt``) and text boxes and reads hidden
text; walking the elements ourselves, by tag, avoids all three and is faster on long documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from desktop.core.document import Role
from desktop.core.ingest.items import Item

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_MATH_T = "{http://schemas.openxmlformats.org/officeDocument/2006/math}t"  # equation text
_P, _TBL, _TR, _TC, _T = W + "p", W + "tbl", W + "tr", W + "tc", W + "t"
_VAL = W + "val"
#: Block-level wrappers whose children are ordinary content.
_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo", W + "smartTag"}
#: Subtrees never read as part of a paragraph's own text (text boxes are read as blocks of their own).
_SKIP_IN_PARAGRAPH = {_MC_FALLBACK, W + "txbxContent", W + "pPr", W + "rPr", W + "del", W + "moveFrom"}
_HEADING_NAME = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_MAX_DEPTH = 24


@dataclass(slots=True)
class StyleInfo:
    name: str = ""
    outline: int | None = None
    numbered: bool = False
    based_on: str | None = None


@dataclass
class Walker:
    """Turns one part's XML into Items; remembers footnote and endnote references in order."""

    styles: dict[str, StyleInfo] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=lambda: {"footnote": [], "endnote": []})

    def blocks(self, container: Any, depth: int = 0) -> Iterator[Item]:
        if depth > _MAX_DEPTH:
            return
        for child in container:
            tag = child.tag
            if tag == _P:
                yield from self._paragraph(child, depth)
            elif tag == _TBL:
                yield from self._table(child, depth)
            elif tag in _WRAPPERS:
                yield from self.blocks(child, depth + 1)

    # --- paragraphs ------------------------------------------------------------------------

    def _paragraph(self, p: Any, depth: int) -> Iterator[Item]:
        text = _tidy(self.text(p))
        if text:
            role, level = self._role(p)
            yield Item(text, role, level)
        # Text boxes anchored in this paragraph, each read once (not the legacy VML fallback copy).
        for box in _find(p, W + "txbxContent"):
            yield from self.blocks(box, depth + 1)

    def text(self, p: Any) -> str:
        out: list[str] = []
        stack = list(reversed(list(p)))
        while stack:
            el = stack.pop()
            tag = el.tag
            if tag in _SKIP_IN_PARAGRAPH or not isinstance(tag, str):
                continue
            if tag == W + "r" and _hidden(el):
                continue
            if tag in (_T, _MATH_T):
                out.append(el.text or "")
            elif tag in (W + "tab", W + "ptab"):
                out.append("\t")
            elif tag in (W + "br", W + "cr"):
                out.append("\n")
            elif tag == W + "noBreakHyphen":
                out.append("-")
            elif tag in (W + "footnoteReference", W + "endnoteReference"):
                kind = "footnote" if tag.endswith("footnoteReference") else "endnote"
                refs = self.notes[kind]
                refs.append(el.get(W + "id", ""))
                out.append(f"[{len(refs)}]" if kind == "footnote" else f"[{_roman(len(refs))}]")
            else:
                stack.extend(reversed(list(el)))
        return "".join(out)

    def _role(self, p: Any) -> tuple[Role, int | None]:
        ppr = p.find(W + "pPr")
        style_id = _val(ppr.find(W + "pStyle")) if ppr is not None else None
        style = self._style(style_id)
        outline = _int(_val(ppr.find(W + "outlineLvl"))) if ppr is not None else None
        if outline is None:
            outline = style.outline
        heading = _HEADING_NAME.match(style.name)
        if outline is not None and 0 <= outline < 9:
            return Role.HEADING, outline + 1
        if heading:
            return Role.HEADING, max(1, int(heading.group(1)))
        if style.name.lower() in ("title", "subtitle"):
            return Role.HEADING, 1 if style.name.lower() == "title" else 2
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        if numpr is not None:
            if _val(numpr.find(W + "numId")) not in (None, "0"):
                return Role.LIST_ITEM, (_int(_val(numpr.find(W + "ilvl"))) or 0) + 1
        elif style.numbered or style.name.lower().startswith(("list bullet", "list number")):
            return Role.LIST_ITEM, 1
        return Role.PARAGRAPH, None

    def _style(self, style_id: str | None) -> StyleInfo:
        """A paragraph style with outline level and numbering inherited through ``basedOn``."""
        merged = StyleInfo()
        seen: set[str] = set()
        while style_id and style_id not in seen and style_id in self.styles and len(seen) < 20:
            seen.add(style_id)
            info = self.styles[style_id]
            merged.name = merged.name or info.name
            merged.outline = merged.outline if merged.outline is not None else info.outline
            merged.numbered = merged.numbered or info.numbered
            style_id = info.based_on
        return merged

    # --- tables ----------------------------------------------------------------------------

    def _table(self, tbl: Any, depth: int) -> Iterator[Item]:
        rows = [list(_cells(tr)) for tr in _rows(tbl)]
        if all(len(row) <= 1 for row in rows):
            cells = [list(self.blocks(row[0], depth + 1)) for row in rows if row]
            if len(cells) == 1 or any(len(c) > 1 or c[0].role is not Role.PARAGRAPH for c in cells if c):
                # A one-column table holding headings, lists or several paragraphs per cell is a
                # layout box around the content, not data: its blocks are read as they are.
                for items in cells:
                    yield from items
                return
        lines = [" | ".join(self._cell(tc, depth) for tc in row) for row in rows]
        text = "\n".join(line for line in lines if line.strip(" |"))
        if text:
            yield Item(text, Role.TABLE)

    def _cell(self, tc: Any, depth: int) -> str:
        if _continues_merge(tc):
            return ""
        parts: list[str] = []
        for item in self.blocks(tc, depth + 1):
            if item.role is Role.TABLE:  # a nested table: its rows and cells flattened into this cell
                parts.append("; ".join(row.replace(" | ", ", ") for row in item.text.split("\n")))
            else:
                parts.append(item.text.replace("\n", " "))
        out = ""
        for part in parts:
            out = f"{out}{' ' if out.endswith(('.', '!', '?', ':', ';')) else '; '}{part}" if out else part
        return out


def read_styles(root: Any) -> dict[str, StyleInfo]:
    """Paragraph styles of ``word/styles.xml`` by id."""
    out: dict[str, StyleInfo] = {}
    if root is None:
        return out
    for style in root.iter(W + "style"):
        if style.get(W + "type", "paragraph") != "paragraph":
            continue
        ppr = style.find(W + "pPr")
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        out[style.get(W + "styleId", "")] = StyleInfo(
            name=_val(style.find(W + "name")) or "",
            outline=_int(_val(ppr.find(W + "outlineLvl"))) if ppr is not None else None,
            numbered=numpr is not None and _val(numpr.find(W + "numId")) not in (None, "0"),
            based_on=_val(style.find(W + "basedOn")),
        )
    return out


def _rows(tbl: Any) -> Iterator[Any]:
    for child in tbl:
        if child.tag == _TR:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _rows(child)


def _cells(tr: Any) -> Iterator[Any]:
    for child in tr:
        if child.tag == _TC:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _cells(child)


def _continues_merge(tc: Any) -> bool:
    """A cell under a vertically merged one repeats nothing: Word shows it empty."""
    tcpr = tc.find(W + "tcPr")
    merge = tcpr.find(W + "vMerge") if tcpr is not None else None
    return merge is not None and merge.get(_VAL, "continue") != "restart"


def _find(p: Any, tag: str) -> Iterator[Any]:
    """Descendants of ``p`` with ``tag``, outside markup-compatibility fallbacks, not nested."""
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        if el.tag == _MC_FALLBACK or not isinstance(el.tag, str):
            continue
        if el.tag == tag:
            yield el
        else:
            stack.extend(reversed(list(el)))


def _hidden(run: Any) -> bool:
    rpr = run.find(W + "rPr")
    vanish = rpr.find(W + "vanish") if rpr is not None else None
    return vanish is not None and vanish.get(_VAL, "true") not in ("0", "false", "off")


def _val(el: Any) -> str | None:
    return el.get(_VAL) if el is not None else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out

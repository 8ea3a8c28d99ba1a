"""Which paragraphs of an RTF file are headings, and at what level: an outline level on the
paragraph (``\\outlinelevelN``, 0 for a top heading), else its paragraph style's (``\\sN`` in the
``\\stylesheet``, through ``\\sbasedon``), else a style named "heading N", "Title" or "Subtitle", as
Word's and LibreOffice's files name them. The same rule as Word files (docx_body.py).

striprtf, which turns RTF into text, keeps no styles; so each heading paragraph gets a marker, a
private-use character naming its level, written as an RTF ``\\u`` escape just before its
``\\par``. striprtf carries it into the text, where ``split_marker`` reads it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Private-use characters U+E001..U+E009 stand for heading levels 1..9.
_MARK_BASE = 0xE000
_MARKS = re.compile("[\ue000-\ue00f]")
_HEADING_NAME = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
#: What the body scan needs: braces, escaped characters, and the control words that set or end
#: a paragraph's style (any other control word, and all text, is skipped by the regex engine).
#: A control word's delimiting space is consumed with it (the bytes after \binN start after it).
_BODY = re.compile(r"\\(?:(pard|par|s|outlinelevel|bin)(-?\d{1,10})?(?![a-zA-Z]) ?|[\\{}])|[{}]")
_WORD = re.compile(r"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'[0-9a-fA-F]{2}|\\[^a-zA-Z]|([{}])|([^\\{}]+)", re.DOTALL)
_STYLESHEET = re.compile(r"\{\s*\\stylesheet(?![a-zA-Z])")
#: A style sheet longer than this is not read (Word's own are some tens of kilobytes).
_MAX_STYLESHEET = 1 << 20
_MAX_DEPTH = 1000


@dataclass(slots=True)
class _Style:
    name: str = ""
    outline: int | None = None
    based_on: int | None = None


def mark_headings(rtf: str) -> str:
    """``rtf`` with a level marker before the ``\\par`` that ends each heading paragraph (the
    text unchanged when it has none)."""
    styles = _stylesheet(rtf)
    inserts: list[tuple[int, int]] = []
    stack: list[tuple[int, int | None]] = []
    style, outline = 0, None
    skip_to = 0
    for match in _BODY.finditer(rtf):
        if match.start() < skip_to:
            continue  # the bytes of a \binN run: pictures, not markup
        word, text = match.group(1), match.group(0)
        if word is None:
            if text == "{":
                if len(stack) < _MAX_DEPTH:
                    stack.append((style, outline))
            elif text == "}" and stack:
                if len(stack) == 1:  # the document's end: a last paragraph needs no \par
                    _mark(inserts, match.start(), _level(style, outline, styles))
                style, outline = stack.pop()
            continue
        number = int(match.group(2)) if match.group(2) else None
        if word == "pard":
            style, outline = 0, None
        elif word == "s":
            style = number or 0
        elif word == "outlinelevel":
            outline = number
        elif word == "par":
            _mark(inserts, match.start(), _level(style, outline, styles))
        elif word == "bin" and number:
            skip_to = match.end() + number
    if not inserts:
        return rtf
    out: list[str] = []
    previous = 0
    for position, level in inserts:
        out += [rtf[previous:position], f"{{\\uc0\\u{_MARK_BASE + level - 0x10000} }}"]
        previous = position
    out.append(rtf[previous:])
    return "".join(out)


def split_marker(line: str) -> tuple[str, int | None]:
    """A line of striprtf's text without markers, and the heading level its last marker names."""
    found = _MARKS.findall(line)
    if not found:
        return line, None
    level = ord(found[-1]) - _MARK_BASE
    return _MARKS.sub("", line), level if 1 <= level <= 9 else None


def _mark(inserts: list[tuple[int, int]], position: int, level: int | None) -> None:
    if level is not None and (not inserts or inserts[-1][0] != position):
        inserts.append((position, level))


def _level(style: int, outline: int | None, styles: dict[int, _Style]) -> int | None:
    """The heading level of a paragraph in ``style`` with the paragraph's own outline level."""
    if outline is None:
        outline = _inherited_outline(style, styles)
    if outline is not None and 0 <= outline < 9:
        return outline + 1
    name = styles[style].name if style in styles else ""
    heading = _HEADING_NAME.match(name)
    if heading:
        return max(1, int(heading.group(1)))
    if name.lower() in ("title", "subtitle"):
        return 1 if name.lower() == "title" else 2
    return None


def _inherited_outline(style: int | None, styles: dict[int, _Style]) -> int | None:
    seen: set[int] = set()
    while style is not None and style in styles and style not in seen and len(seen) < 20:
        seen.add(style)
        if styles[style].outline is not None:
            return styles[style].outline
        style = styles[style].based_on
    return None


def _stylesheet(rtf: str) -> dict[int, _Style]:
    """Paragraph styles by number from the ``{\\stylesheet ...}`` group: name, outline level and
    the style each is based on. Character, section and table styles are left out."""
    found = _STYLESHEET.search(rtf, 0, 1 << 20)
    if found is None:
        return {}
    styles: dict[int, _Style] = {}
    depth = 0
    entry: _Style | None = None
    number: int | None = 0
    paragraph_style = True
    name: list[str] = []
    end = min(len(rtf), found.start() + _MAX_STYLESHEET)
    for match in _WORD.finditer(rtf, found.start(), end):
        word, brace, text = match.group(1), match.group(3), match.group(4)
        if brace == "{":
            depth += 1
            if depth == 2:  # one style's group
                entry, number, paragraph_style, name = _Style(), 0, True, []
        elif brace == "}":
            if depth == 2 and entry is not None:
                entry.name = " ".join("".join(name).split(";", 1)[0].split())
                if paragraph_style and number is not None:
                    styles[number] = entry
                entry = None
            depth -= 1
            if depth == 0:
                break
        elif depth == 2 and entry is not None:
            if word is not None:
                arg = int(match.group(2)) if match.group(2) else None
                if word == "s":
                    number = arg or 0
                elif word in ("cs", "ds", "ts", "tsrowd"):
                    paragraph_style = False
                elif word == "outlinelevel":
                    entry.outline = arg
                elif word == "sbasedon":
                    entry.based_on = arg
            elif text is not None:
                name.append(text)
            elif match.group(0) == "\\*":
                paragraph_style = False
    return styles

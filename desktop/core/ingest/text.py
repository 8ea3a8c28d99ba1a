"""Read plain text and Markdown: paragraphs, headings, list items, tables, quotes, code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from desktop.core.document import Block, DocKind, Document, Locator, Role
from desktop.core.errors import EmptyDocument
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.encoding import decode_text
from desktop.core.ingest.items import split_long

_MARKDOWN_SUFFIXES = {"md", "markdown", "mdown", "mkd", "mkdn", "mdwn"}
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_ITEM = re.compile(r"^([ \t]*)(?:[-*+•‣◦▪]|\d{1,3}[.)])[ \t]+(\S.*)$")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?(.*)$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_CODE = re.compile(r"`([^`\n]+)`")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TITLE_KEY = re.compile(r"^title\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_OPEN = (".", ",", ";", ":", "!", "?")


@dataclass(slots=True)
class _Item:
    text: str
    role: Role
    level: int | None = None


def read(data: bytes, ctx: ReadContext) -> Document:
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    warnings: list[str] = []
    if len(text) > ctx.limits.max_chars:
        text = text[: ctx.limits.max_chars]
        warnings.append(f"{ctx.display_name} holds more than the {ctx.limits.max_chars:,} characters Precis reads "
                        "from one document; the rest was left out.")
    if not text.strip():
        raise EmptyDocument(f"{ctx.display_name} holds no text.", ctx.path)
    suffix = PurePath(ctx.name).suffix.lower().lstrip(".")
    markdown = suffix in _MARKDOWN_SUFFIXES or (
        suffix != "log" and sum(1 for line in text.splitlines() if _ATX.match(line)) >= 2
    )
    front_title = None
    if markdown:
        text, front_title = _front_matter(_HTML_COMMENT.sub("", text))
    items = _parse(text.split("\n"), markdown)
    if not items:
        raise EmptyDocument(f"{ctx.display_name} holds no text.", ctx.path)
    blocks: list[Block] = []
    section: str | None = None
    for item in items:
        if item.role is Role.HEADING:
            section = item.text[:200]
        blocks.append(Block(item.text, item.role, Locator(paragraph=len(blocks) + 1, section=section), item.level))
    return Document(path=ctx.path, kind=DocKind.TEXT, title=front_title or _title(items) or PurePath(ctx.name).stem,
                    blocks=blocks, warnings=warnings, part=ctx.part)


def _front_matter(text: str) -> tuple[str, str | None]:
    """Drop a YAML front-matter block (Jekyll, Hugo, Obsidian) and keep its title."""
    if not text.startswith("---\n"):
        return text, None
    end = text.find("\n---", 4, 20_000)
    if end < 0:
        return text, None
    match = _TITLE_KEY.search(text[4:end])
    title = match.group(1).strip("'\"") if match else None
    return text[end + 4:].lstrip("-\n"), title or None


def _parse(lines: list[str], markdown: bool) -> list[_Item]:
    items: list[_Item] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            items.extend(_paragraph(para, markdown))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
        elif markdown and (fence := _FENCE.match(line)):
            flush()
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith(fence.group(1))), len(lines))
            code = "\n".join(lines[i + 1:end]).strip("\n")
            if code.strip():
                items.append(_Item(code, Role.PARAGRAPH))
            i = end
        elif markdown and (atx := _ATX.match(line)):
            flush()
            if heading := _inline(atx.group(2)):
                items.append(_Item(heading, Role.HEADING, len(atx.group(1))))
        elif markdown and len(para) == 1 and _SETEXT.match(line) and not _ITEM.match(para[0]):
            heading = _inline(para.pop().strip())
            flush()
            items.append(_Item(heading, Role.HEADING, 1 if stripped.startswith("=") else 2))
        elif markdown and _RULE.match(line):
            flush()
        elif stripped.startswith("|") and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]):
            flush()
            end = next((j for j in range(i + 2, len(lines)) if not lines[j].strip().startswith("|")), len(lines))
            table = _table([lines[i]] + lines[i + 2:end], markdown)
            if table.replace("|", "").strip():  # a table of empty cells ("|" over "---") is no text
                items.append(_Item(table, Role.TABLE))
            i = end - 1
        elif markdown and _QUOTE.match(line):
            flush()
            end = next((j for j in range(i, len(lines)) if not _QUOTE.match(lines[j])), len(lines))
            text = " ".join(_QUOTE.match(q).group(1).strip() for q in lines[i:end])  # type: ignore[union-attr]
            if text.strip():
                items.append(_Item(_inline(text), Role.QUOTE))
            i = end - 1
        elif _ITEM.match(line):
            flush()
            para.append(line)
        else:
            para.append(line)
        i += 1
    flush()
    return items


def _paragraph(lines: list[str], markdown: bool) -> list[_Item]:
    """A run of non-blank lines: list items (with their continuation lines) or one paragraph."""
    # Lines are collected and joined once: appending to a str attribute copies it every time,
    # which made a 5 MB file without blank lines take two minutes.
    groups: list[tuple[list[str], Role, int | None]] = []
    for line in lines:
        bullet = _ITEM.match(line)
        if bullet:
            indent = len(bullet.group(1).replace("\t", "    "))
            groups.append(([bullet.group(2).strip()], Role.LIST_ITEM, min(6, indent // 2 + 1)))
        elif groups:
            groups[-1][0].append(line.strip())
        else:
            groups.append(([line.strip()], Role.PARAGRAPH, None))
    out = [_Item(" ".join(words), role, level) for words, role, level in groups]
    result: list[_Item] = []
    for item in out:
        text = _inline(item.text) if markdown else " ".join(item.text.split())
        for piece in split_long(text):
            result.append(_Item(piece, item.role, item.level))
    return [item for item in result if item.text]


def _table(rows: list[str], markdown: bool) -> str:
    out = []
    for row in rows:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        out.append(" | ".join(_inline(c) if markdown else c for c in cells))
    return "\n".join(out)


def _inline(text: str) -> str:
    """Markdown inline markup reduced to its words: links, images, bold, code spans."""
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _CODE.sub(r"\1", text)
    return " ".join(text.split())


def _title(items: list[_Item]) -> str | None:
    headings = [item for item in items if item.role is Role.HEADING]
    if headings:
        return next((h for h in headings if h.level == 1), headings[0]).text[:200]
    first = items[0]
    # Plain text often opens with a title line of its own ("MEETING NOTES, 4 MARCH").
    if len(items) > 1 and first.role is Role.PARAGRAPH and len(first.text) <= 80 and not first.text.endswith(_OPEN):
        return first.text
    return None

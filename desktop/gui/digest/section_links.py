"""A long document's sections in the digest view: each section's heading ("### 2. Méthodologie
(pp. 7–8)" in the core's Markdown, its range a ``section:N`` link) is clickable, title and range,
and opens the source view at the section's start (``SectionSummary.sources[0]``)."""

from __future__ import annotations

from PySide6.QtGui import QFont, QPalette, QTextBlock, QTextCharFormat, QTextCursor, QTextDocument

from desktop.core.digest import Digest, Source
from desktop.core.render import parse_section_href
from desktop.gui.common.citation_style import CITATION_SCALE

def section_source(digest: Digest | None, href: str) -> Source | None:
    """Where a section link leads: the start of ``digest.sections[N]``; None for anything else."""
    index = parse_section_href(href)
    if digest is None or index is None or not 0 <= index < len(digest.sections):
        return None
    sources = digest.sections[index].sources
    return sources[0] if sources else None


def _anchors(block: QTextBlock) -> list[tuple[int, int, str]]:
    """(position in the block, length, address) of each link fragment in ``block``."""
    out = []
    it = block.begin()
    while not it.atEnd():
        frag = it.fragment()
        fmt = frag.charFormat()
        if fmt.isAnchor() and fmt.anchorHref():
            out.append((frag.position() - block.position(), frag.length(), fmt.anchorHref()))
        it += 1
    return out


def style_sections(doc: QTextDocument, digest: Digest | None, palette: QPalette, size: float) -> None:
    """Each section heading's title becomes a link too (to the same place as its range), in the
    heading's own colour; the range reads like a citation: small, not bold, in the link colour
    without an underline, its brackets muted. ``size``: the text's point size."""
    if digest is None or not digest.sections:
        return
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() > 0:
            for start, length, href in _anchors(block):
                if section_source(digest, href) is not None:
                    span = digest.sections[parse_section_href(href) or 0].span()
                    _link_heading(block, (start, length), href, palette, size, span)
                    break
        block = block.next()


def _link_heading(block: QTextBlock, anchor: tuple[int, int], href: str, palette: QPalette, size: float,
                  span: str) -> None:
    start, length = anchor
    tip = f"Open the source at the start of this section ({span})" if span else "Open the source at this section"
    title_end = block.text().rfind(" (", 0, start)
    end = start + length + (1 if block.text()[start + length:start + length + 1] == ")" else 0)
    if title_end > 0:
        title = QTextCharFormat()
        title.setAnchor(True)
        title.setAnchorHref(href)
        title.setToolTip(tip)
        _merge(block, 0, title_end, title)
    else:
        title_end = start
    muted = QTextCharFormat()
    muted.setForeground(palette.color(QPalette.ColorRole.PlaceholderText))
    muted.setFontWeight(QFont.Weight.Normal)
    muted.setFontPointSize(size * CITATION_SCALE)  # a little smaller than the title, like a citation
    muted.setToolTip(tip)
    _merge(block, title_end, end, muted)
    rng = QTextCharFormat()
    rng.setForeground(palette.color(QPalette.ColorRole.Link))
    rng.setFontUnderline(False)
    _merge(block, start, start + length, rng)


def _merge(block: QTextBlock, begin: int, end: int, fmt: QTextCharFormat) -> None:
    cursor = QTextCursor(block)
    cursor.setPosition(block.position() + begin)
    cursor.setPosition(block.position() + end, QTextCursor.MoveMode.KeepAnchor)
    cursor.mergeCharFormat(fmt)

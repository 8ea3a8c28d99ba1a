"""The check's verdict on screen. The digest view renders the core's Markdown (the text History
keeps and the exports write), then this pass styles the laid-out document: citations small in the
link colour; each point's ✓ in the theme's green, a flagged point's ⚠ and reason in its amber on
a faint amber band; the point's verdict as its tooltip; the header's count line marked; and the
overview's sentences marked one by one, each mark a link to the sentence it rests on."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QPalette, QTextBlock, QTextCharFormat, QTextCursor, QTextDocument

from desktop.core.digest import Digest, Point
from desktop.core.render import CHECKED_MARK, FLAGGED_MARK, cite_href, parse_cite_href
from desktop.core.support import SupportCounts
from desktop.gui.common.citation_style import CITATION_SCALE, style_block_citations
from desktop.gui.common.theme import support_colours
from desktop.gui.digest.digest_text import support_tip

#: The overview's sentences in citation links ("cite:overview/2/0"): ``Digest.overview_points``.
OVERVIEW = "overview"
#: How a flagged point's note starts (``core/render.support_note``).
FLAGGED_NOTE = f"{FLAGGED_MARK} Not supported by its source"


def point_at(digest: Digest, section: str, index: int) -> Point | None:
    """The point a citation link names: a section's, or an overview sentence's."""
    if section == OVERVIEW:
        points = digest.overview_points
    elif section in Digest.SECTIONS:
        points = getattr(digest, section)
    else:
        return None
    return points[index] if 0 <= index < len(points) else None


def style_digest(doc: QTextDocument, digest: Digest | None, palette: QPalette, size: float, *,
                 overview: bool = True) -> None:
    """Style ``doc`` (laid out from ``digest``'s Markdown) in ``palette``'s colours; ``size``: the
    text's point size; ``overview``: mark the overview's sentences (the preview has none)."""
    link = palette.color(QPalette.ColorRole.Link)
    checked, flagged, _mismatch = support_colours(palette)
    counts = digest.support if digest is not None else None
    block = doc.begin()
    while block.isValid():
        point = _cited_point(block, digest) if digest is not None else None
        style_block_citations(block, link, size)
        text = block.text()
        if counts is not None and text == counts.header():
            _mark_header(block, counts, checked, flagged)
        elif text.startswith(f"{FLAGGED_MARK} “"):  # a flagged overview sentence's note
            _format(block, 0, len(text), foreground=flagged)
        elif point is not None and point.support is not None:
            _mark_point(block, point, checked, flagged)
        block = block.next()
    if digest is not None and overview:
        _mark_overview(doc, digest, checked, flagged, size)


def _cited_point(block: QTextBlock, digest: Digest) -> Point | None:
    it = block.begin()
    while not it.atEnd():
        fmt = it.fragment().charFormat()
        parsed = parse_cite_href(fmt.anchorHref()) if fmt.isAnchor() else None
        if parsed is not None:
            return point_at(digest, parsed[0], parsed[1])
        it += 1
    return None


def _format(block: QTextBlock, start: int, end: int, *, foreground: QColor | None = None, size: float = 0.0,
            tip: str = "", bold: bool = False) -> None:
    cursor = QTextCursor(block)
    cursor.setPosition(block.position() + start)
    cursor.setPosition(block.position() + end, QTextCursor.MoveMode.KeepAnchor)
    fmt = QTextCharFormat()
    if foreground is not None:
        fmt.setForeground(foreground)
    if size:
        fmt.setFontPointSize(size)
    if tip:
        fmt.setToolTip(tip)
    if bold:
        fmt.setFontWeight(600)
    cursor.mergeCharFormat(fmt)


def _mark_point(block: QTextBlock, point: Point, checked: QColor, flagged: QColor) -> None:
    """The point's verdict as the tooltip of all its line; its mark (and reason) in colour."""
    assert point.support is not None
    text = block.text()
    _format(block, 0, len(text), tip=support_tip(point.support))
    if point.support.flagged:
        note = text.find(FLAGGED_NOTE)
        if note >= 0:
            _format(block, note, len(text), foreground=flagged)
            _format(block, note, note + 1, bold=True)
        band = QColor(flagged)
        band.setAlpha(26)
        fmt = block.blockFormat()
        fmt.setBackground(band)
        QTextCursor(block).setBlockFormat(fmt)
    else:
        end = len(text.rstrip())
        if end and text[end - 1] == CHECKED_MARK:
            _format(block, end - 1, end, foreground=checked, bold=True)


def _mark_header(block: QTextBlock, counts: SupportCounts, checked: QColor, flagged: QColor) -> None:
    """The count line gets the mark of what it reports, and a tooltip that says what was checked."""
    how = " and the model was asked whether that passage says it" if counts.entailment else ""
    tip = (f"Each point was checked against the passage it cites: its numbers, dates, names and any “not” must be "
           f"there{how}. {CHECKED_MARK} checked, {FLAGGED_MARK} flagged with the reason; click a citation to read the "
           "passage. The setting “Flagged points” (Settings) keeps, leaves out or rewrites flagged points.")
    cursor = QTextCursor(block)
    fmt = QTextCharFormat(cursor.charFormat())
    fmt.setForeground(flagged if counts.flagged else checked)
    fmt.setFontItalic(False)
    fmt.setFontWeight(600)
    cursor.insertText(f"{FLAGGED_MARK if counts.flagged else CHECKED_MARK} ", fmt)
    _format(block, 0, len(block.text()), tip=tip)


def _sentence_pattern(text: str) -> re.Pattern[str] | None:
    words = [re.escape(w) for w in text.split()]
    return re.compile(r"\s+".join(words)) if words else None


def _mark_overview(doc: QTextDocument, digest: Digest, checked: QColor, flagged: QColor, size: float) -> None:
    """A mark after each checked overview sentence, linked to the passage it rests on."""
    points = [p for p in digest.overview_points if p.support is not None]
    first = _sentence_pattern(points[0].text) if points else None
    if first is None:
        return
    block = doc.begin()
    while block.isValid() and (block.textList() is not None or block.blockFormat().headingLevel() > 0
                               or not first.search(block.text())):
        block = block.next()  # the overview is the first paragraph (not a list item or heading) that holds them
    if not block.isValid():
        return
    text, at, found = block.text(), 0, []
    for i, point in enumerate(digest.overview_points):
        pattern = _sentence_pattern(point.text)
        match = pattern.search(text, at) if pattern is not None and point.support is not None else None
        if match is not None:
            found.append((match.end(), i, point))
            at = match.end()
    for end, i, point in reversed(found):  # from the end, so earlier positions stay where they are
        assert point.support is not None
        cursor = QTextCursor(block)
        cursor.setPosition(block.position() + end)
        fmt = QTextCharFormat()
        fmt.setForeground(flagged if point.support.flagged else checked)
        fmt.setFontPointSize(size * CITATION_SCALE)
        fmt.setFontWeight(600)
        fmt.setToolTip(support_tip(point.support))
        if point.sources:
            fmt.setAnchor(True)
            fmt.setAnchorHref(cite_href(OVERVIEW, i, 0))
        cursor.insertText("\u00a0", QTextCharFormat())
        cursor.insertText(FLAGGED_MARK if point.support.flagged else CHECKED_MARK, fmt)

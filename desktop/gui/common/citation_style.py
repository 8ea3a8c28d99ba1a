"""Citations in a rendered page (a digest, a roll-up): smaller and in the link colour, without
underlines, so the points read first and the sources are there to click."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette, QTextBlock, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser

#: A citation's size against the body text's.
CITATION_SCALE = 0.88


def style_citations(browser: QTextBrowser, prefix: str = "cite:") -> int:
    """Restyle every link whose target starts with ``prefix``; returns how many fragments."""
    link = browser.palette().color(QPalette.ColorRole.Link)
    base = browser.font().pointSizeF()
    count = 0
    block = browser.document().begin()
    while block.isValid():
        count += style_block_citations(block, link, base, prefix)
        block = block.next()
    return count


def style_block_citations(block: QTextBlock, link: QColor, base: float, prefix: str = "cite:") -> int:
    """Restyle one laid-out block's citation links (``base``: the body text's point size); returns
    how many fragments. The digest view calls it block by block while it marks the points."""
    fmt = QTextCharFormat()
    fmt.setForeground(link)
    fmt.setFontUnderline(False)
    fmt.setFontPointSize(base * CITATION_SCALE)
    cursor = QTextCursor(block)
    count = 0
    it = block.begin()
    while not it.atEnd():
        frag = it.fragment()
        if frag.charFormat().isAnchor() and frag.charFormat().anchorHref().startswith(prefix):
            cursor.setPosition(frag.position())
            cursor.setPosition(frag.position() + frag.length(), QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(fmt)
            count += 1
        it += 1
    return count


def anchor_hrefs(browser: QTextBrowser, prefix: str = "cite:") -> list[str]:
    """Every link target starting with ``prefix`` in the page, in reading order, once each."""
    hrefs: list[str] = []
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isAnchor() and fmt.anchorHref().startswith(prefix) and fmt.anchorHref() not in hrefs:
                hrefs.append(fmt.anchorHref())
            it += 1
        block = block.next()
    return hrefs

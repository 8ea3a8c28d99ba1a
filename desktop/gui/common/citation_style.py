"""Citations in a rendered page (a digest, a roll-up): smaller and in the link colour, without
underlines, so the points read first and the sources are there to click."""

from __future__ import annotations

from PySide6.QtGui import QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser

#: A citation's size against the body text's.
CITATION_SCALE = 0.88


def style_citations(browser: QTextBrowser, prefix: str = "cite:") -> int:
    """Restyle every link whose target starts with ``prefix``; returns how many fragments."""
    doc = browser.document()
    link = browser.palette().color(QPalette.ColorRole.Link)
    base = browser.font().pointSizeF()
    cursor = QTextCursor(doc)
    count = 0
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            fmt = frag.charFormat()
            if fmt.isAnchor() and fmt.anchorHref().startswith(prefix):
                cursor.setPosition(frag.position())
                cursor.setPosition(frag.position() + frag.length(), QTextCursor.MoveMode.KeepAnchor)
                new = QTextCharFormat()
                new.setForeground(link)
                new.setFontUnderline(False)
                new.setFontPointSize(base * CITATION_SCALE)
                cursor.mergeCharFormat(new)
                count += 1
            it += 1
        block = block.next()
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

"""Elements a browser would not show, dropped from a parsed page (or HTML mail body) before its
text is read: the ``hidden`` attribute, ``aria-hidden="true"``, screen-reader-only classes, and
``display: none``, ``visibility: hidden`` or a clip to nothing in inline styles and in the
page's own simple style rules (``stylesheet.py``). No CSS engine runs and nothing is fetched.

Text a sighted reader never sees does not become digest points: a mail's hidden preheader, a
tracking block, a collapsed mobile menu, "skip to content" links and screen-reader-only labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from desktop.core.ingest.web.stylesheet import Decl, Rules, inline_declarations, parse_rules

#: Screen-reader-only classes of the common frameworks (Bootstrap, Tailwind, WordPress, Drupal,
#: HTML5 Boilerplate): their style sheets are never fetched, but the names say what they do.
_READER_ONLY = frozenset({"sr-only", "visually-hidden", "visuallyhidden", "visually-hidden-focusable",
                          "screen-reader-text", "screen-reader-only", "element-invisible", "a11y-hidden",
                          "u-visually-hidden", "is-visually-hidden"})
#: Never dropped: hiding the whole page is a script's way of showing it once it has loaded.
_NEVER = frozenset({"html", "body"})
#: Table parts grow to their content: a 1px size with overflow hidden does not clip them.
_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th"})
#: Never read anyway: their text does not count when deciding whether a page is all hidden.
_INERT = frozenset({"script", "style", "template", "head", "noscript"})
#: An inline style without one of these words cannot hide (most do not: parse only those that might).
_MIGHT_HIDE = re.compile(r"display|visibility|clip|overflow|position", re.IGNORECASE)
_WORD_CHAR = re.compile(r"\w")


def drop_hidden(root: Any, linked: Callable[[str], str | None] | None = None) -> int:
    """Drop every hidden element under ``root`` (the text after each stays); return how many word
    characters were dropped. ``linked`` gives the text of a style sheet the page links to when the
    file holds it (an e-book's, a saved page's; never fetched). A page whose text would all be
    hidden is left whole: a script would show it."""
    rules = parse_rules(_style_texts(root, linked))
    hidden: list[Any] = []
    stack = [root]
    while stack:
        element = stack.pop()
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if is_hidden(child, rules):
                hidden.append(child)
            else:
                stack.append(child)
    if not hidden:
        return 0
    dropped = sum(_word_chars(el) for el in hidden)
    if dropped and not _shows_words(root, {id(el) for el in hidden}):
        return 0
    for element in hidden:
        _drop(element)
    return dropped


def _style_texts(root: Any, linked: Callable[[str], str | None] | None) -> Iterator[str]:
    """The page's style text in document order (the cascade's order): <style> elements, and the
    style sheets its <link rel="stylesheet"> elements name where ``linked`` has them."""
    for element in root.iter("style", "link"):
        if element.tag == "style":
            yield element.text or ""
        elif linked is not None and "stylesheet" in (element.get("rel") or "").lower().split():
            media = (element.get("media") or "all").strip().lower()
            href = (element.get("href") or "").strip()
            if href and media in ("all", "screen", ""):
                text = linked(href)
                if text:
                    yield text


def is_hidden(element: Any, rules: Rules) -> bool:
    """Whether ``element`` is hidden by its attributes, inline style or the page's rules (the
    cascade by !important, inline before rules, specificity, then order)."""
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    names = element.keys()  # one call; most elements have no attribute that matters
    if tag in _NEVER or (not names and not rules.count):
        return False
    flag = element.get("hidden") if "hidden" in names else None
    if flag is not None and flag.strip().lower() != "until-found":  # until-found: shown by find-in-page
        return True
    if "aria-hidden" in names and (element.get("aria-hidden") or "").strip().lower() == "true":
        return True
    classes = set((element.get("class") or "").split()) if "class" in names else set()
    if classes & _READER_ONLY and not any(c.endswith("not-sr-only") for c in classes):
        return True
    winners: dict[str, tuple[tuple[bool, int, int, int], Decl]] = {}
    if rules.count:
        ident = element.get("id") if "id" in names else None
        for rule in rules.matching(tag, classes, ident.strip() if ident else None):
            for decl in rule.decls:
                _offer(winners, (decl.important, 0, rule.specificity, rule.order), decl)
    style = element.get("style") if "style" in names else None
    if style and _MIGHT_HIDE.search(style):
        for decl in inline_declarations(style):
            _offer(winners, (decl.important, 1, 0, 0), decl)
    return any(decl.hides for prop, (_, decl) in winners.items() if not (prop == "clip" and tag in _TABLE_PARTS))


def _offer(winners: dict[str, tuple[tuple[bool, int, int, int], Decl]], key: tuple[bool, int, int, int],
           decl: Decl) -> None:
    held = winners.get(decl.prop)
    if held is None or key >= held[0]:
        winners[decl.prop] = (key, decl)


def _word_chars(element: Any) -> int:
    """Word characters in ``element``'s readable text (scripts, styles and the like left out)."""
    count = len(_WORD_CHAR.findall(element.text or ""))
    stack = [element]
    while stack:
        for child in stack.pop():
            if child.tail:
                count += len(_WORD_CHAR.findall(child.tail))
            if isinstance(child.tag, str) and child.tag.lower() not in _INERT:
                count += len(_WORD_CHAR.findall(child.text or ""))
                stack.append(child)
    return count


def _shows_words(root: Any, hidden: set[int]) -> bool:
    """Whether any readable word is left once the ``hidden`` elements (by id) are gone."""
    if _WORD_CHAR.search(root.text or ""):
        return True
    stack = [root]
    while stack:
        for child in stack.pop():
            if child.tail and _WORD_CHAR.search(child.tail):
                return True
            if isinstance(child.tag, str) and child.tag.lower() not in _INERT and id(child) not in hidden:
                if _WORD_CHAR.search(child.text or ""):
                    return True
                stack.append(child)
    return False


def _drop(element: Any) -> None:
    """Remove ``element`` and what it holds, joining its tail to the text before it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)

"""The little of CSS that says whether text is shown: display, visibility and "clipped to nothing"
(the screen-reader-only pattern), from inline styles and the page's own simple style rules.

tinycss2 tokenizes (a parser, no engine: nothing is fetched, no layout is computed). Only rules
whose selectors are an element, classes and an id (``p``, ``.preheader``, ``#menu``,
``div.hidden``, and comma lists of them) are applied; a selector with combinators, attributes or
pseudo-classes is left out, so the page is read as if that rule were not there (more text, never
less). ``@media`` blocks are judged as a desktop browser 1280 pixels wide on a screen would judge
them: ``min-width: 768px`` applies (so ``hidden md:block`` is shown), a mail template's mobile
overrides (``max-width: 600px``) and ``print`` do not, nor does any other feature test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import tinycss2

#: At most this much style text per page is read (a real page's own <style> is some kilobytes).
MAX_STYLE_CHARS = 256 * 1024
#: An inline style longer than this is read up to it (the properties that hide come first in practice).
MAX_INLINE_CHARS = 4096
#: Rules read per page, and simple selectors per rule.
MAX_RULES = 5000
MAX_SELECTORS = 200
_MEDIA_WORDS = frozenset({"all", "screen", "only", "and"})
#: The width a page is judged at: a desktop browser window.
_VIEWPORT_PX = 1280
_EM_PX = 16
_RECT = "rect"


@dataclass(frozen=True, slots=True)
class Decl:
    """One declaration that matters here: the property (display, visibility or clip, the last
    standing for the whole visually-hidden pattern), whether it hides, and !important."""

    prop: str
    hides: bool
    important: bool


@dataclass(frozen=True, slots=True)
class Rule:
    """A simple selector (tag, classes, id) with its specificity, order and declarations."""

    tag: str | None
    classes: frozenset[str]
    ident: str | None
    specificity: int
    order: int
    decls: tuple[Decl, ...]

    def matches(self, tag: str, classes: set[str], ident: str | None) -> bool:
        return ((self.tag is None or self.tag == tag) and (self.ident is None or self.ident == ident)
                and self.classes <= classes)


@dataclass(slots=True)
class Rules:
    """A page's simple rules, indexed by the one part every match must have (id, a class or tag)."""

    by_key: dict[str, list[Rule]] = field(default_factory=dict)
    count: int = 0

    def add(self, rule: Rule) -> None:
        key = (f"#{rule.ident}" if rule.ident is not None else
               f".{min(rule.classes)}" if rule.classes else rule.tag or "*")
        self.by_key.setdefault(key, []).append(rule)
        self.count += 1

    def matching(self, tag: str, classes: set[str], ident: str | None) -> list[Rule]:
        keys = [tag, *(f".{c}" for c in classes)] + ([f"#{ident}"] if ident else [])
        return [r for key in keys for r in self.by_key.get(key, ()) if r.matches(tag, classes, ident)]


def parse_rules(texts: Iterable[str]) -> Rules:
    """The simple rules of a page's style sheets, in order, within MAX_STYLE_CHARS and MAX_RULES."""
    rules = Rules()
    budget = MAX_STYLE_CHARS
    for text in texts:
        if budget <= 0 or rules.count >= MAX_RULES:
            break
        text = text[:budget]
        budget -= len(text)
        _add_rules(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True), rules)
    return rules


def _add_rules(nodes: list[Any], rules: Rules) -> None:
    for node in nodes:
        if rules.count >= MAX_RULES:
            return
        if node.type == "at-rule" and node.lower_at_keyword == "media" and node.content is not None:
            if _media_applies(node.prelude):
                _add_rules(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True),
                           rules)
        elif node.type == "qualified-rule":
            decls = _declarations(tinycss2.parse_blocks_contents(node.content, skip_comments=True,
                                                                 skip_whitespace=True))
            if not decls:
                continue
            for tag, classes, ident in _selectors(node.prelude)[:MAX_SELECTORS]:
                specificity = (100 if ident else 0) + 10 * len(classes) + (1 if tag else 0)
                rules.add(Rule(tag, frozenset(classes), ident, specificity, rules.count, decls))


def _media_applies(prelude: list[Any]) -> bool:
    """Whether a desktop screen _VIEWPORT_PX wide matches any of the comma-separated queries."""
    queries: list[list[Any]] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            queries.append([])
        elif token.type not in ("whitespace", "comment"):
            queries[-1].append(token)
    return any(query and all(_media_part(t) for t in query) for query in queries)


def _media_part(token: Any) -> bool:
    if token.type == "ident":
        return token.lower_value in _MEDIA_WORDS
    if token.type != "() block":
        return False
    feature = [t for t in token.content if t.type not in ("whitespace", "comment")]
    if len(feature) != 3 or feature[0].type != "ident" or feature[2].type not in ("dimension", "number"):
        return False
    size = feature[2].value if feature[2].type == "number" else (
        feature[2].value * _EM_PX if feature[2].lower_unit in ("em", "rem") else
        feature[2].value if feature[2].lower_unit == "px" else None)
    if size is None:
        return False
    if feature[0].lower_value == "min-width":
        return bool(_VIEWPORT_PX >= size)
    if feature[0].lower_value == "max-width":
        return bool(_VIEWPORT_PX <= size)
    return False


def _selectors(prelude: list[Any]) -> list[tuple[str | None, list[str], str | None]]:
    """Each comma-separated selector that is an element, classes and an id, with nothing else."""
    out: list[tuple[str | None, list[str], str | None]] = []
    parts: list[list[Any]] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        elif token.type != "comment":
            parts[-1].append(token)
    for part in parts:
        while part and part[0].type == "whitespace":
            part.pop(0)
        while part and part[-1].type == "whitespace":
            part.pop()
        parsed = _compound(part)
        if parsed is not None:
            out.append(parsed)
    return out


def _compound(tokens: list[Any]) -> tuple[str | None, list[str], str | None] | None:
    if not tokens:
        return None
    tag: str | None = None
    classes: list[str] = []
    ident: str | None = None
    i = 0
    if tokens[0].type == "ident":
        tag, i = tokens[0].lower_value, 1
    elif tokens[0].type == "literal" and tokens[0].value == "*":
        i = 1
    while i < len(tokens):
        token = tokens[i]
        if token.type == "literal" and token.value == "." and i + 1 < len(tokens) and tokens[i + 1].type == "ident":
            classes.append(tokens[i + 1].value)
            i += 2
        elif token.type == "hash" and token.is_identifier and ident is None:
            ident = token.value
            i += 1
        else:
            return None  # a combinator, an attribute or a pseudo-class: not a simple selector
    if tag is None and not classes and ident is None:
        return None  # ``*`` alone: never used to hide a page's text
    return tag, classes, ident


@lru_cache(maxsize=2048)
def inline_declarations(style: str) -> tuple[Decl, ...]:
    """The declarations of a ``style`` attribute that show or hide (mail templates repeat the same
    inline styles hundreds of times, hence the cache)."""
    return _declarations(tinycss2.parse_blocks_contents(style[:MAX_INLINE_CHARS], skip_comments=True,
                                                        skip_whitespace=True))


def _declarations(nodes: list[Any]) -> tuple[Decl, ...]:
    values: dict[str, tuple[list[Any], bool]] = {}
    for node in nodes:
        if node.type == "declaration":
            values[node.lower_name] = ([t for t in node.value if t.type not in ("whitespace", "comment")],
                                       node.important)
    decls: list[Decl] = []
    display = values.get("display")
    if display and display[0] and display[0][0].type == "ident":
        decls.append(Decl("display", display[0][0].lower_value == "none", display[1]))
    visibility = values.get("visibility")
    if visibility and visibility[0] and visibility[0][0].type == "ident":
        word = visibility[0][0].lower_value
        if word in ("hidden", "collapse", "visible"):
            decls.append(Decl("visibility", word != "visible", visibility[1]))
    clipped = _clipped(values)
    if clipped is not None:
        decls.append(Decl("clip", clipped, False))
    return tuple(decls)


def _clipped(values: dict[str, tuple[list[Any], bool]]) -> bool | None:
    """True for the visually-hidden pattern (a zero clip rectangle, ``clip-path: inset(50%)``, a
    box of at most 1px, or no height, with overflow hidden, or one moved 999px off the page);
    False where a rule undoes a clip (``clip: auto``); None where the rule says nothing of it."""
    clip = values.get("clip", ([], False))[0]
    if clip and clip[0].type == "function" and clip[0].lower_name == _RECT:
        numbers = [t.value for t in clip[0].arguments if t.type in ("number", "dimension")]
        if len(numbers) == 4 and (numbers[0] >= numbers[2] or numbers[3] >= numbers[1]):
            return True
    clip_path = values.get("clip-path", ([], False))[0]
    if clip_path and clip_path[0].type == "function" and clip_path[0].lower_name == "inset":
        first = next((t for t in clip_path[0].arguments if t.type == "percentage"), None)
        if first is not None and first.value >= 50:
            return True
    overflow = values.get("overflow", ([], False))[0]
    if overflow and overflow[0].type == "ident" and overflow[0].lower_value in ("hidden", "clip"):
        for prop in ("width", "height", "max-width", "max-height"):
            size = _pixels(values.get(prop, ([], False))[0])
            if size is not None and size <= 1:
                return True
    position = values.get("position", ([], False))[0]
    if position and position[0].type == "ident" and position[0].lower_value in ("absolute", "fixed"):
        for prop in ("left", "top"):
            offset = _pixels(values.get(prop, ([], False))[0])
            if offset is not None and offset <= -999:
                return True
    if clip and clip[0].type == "ident" and clip[0].lower_value == "auto":
        return False
    return None


def _pixels(tokens: list[Any]) -> float | None:
    """A length in px (or a bare 0); None for anything relative or computed."""
    if len(tokens) != 1:
        return None
    token = tokens[0]
    if token.type == "number" and token.value == 0:
        return 0.0
    if token.type == "dimension" and token.lower_unit == "px":
        return float(token.value)
    return None

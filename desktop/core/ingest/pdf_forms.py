"""Values typed into PDF form fields, as "label: value" blocks on the page that shows them.

Text layers do not hold them: a filled-in form keeps its values in the fields' widgets, which
text extraction skips, so an application or an invoice read without them loses what was filled in.
"""

from __future__ import annotations

import logging
from typing import Any

from pypdf import PageObject
from pypdf.generic import ArrayObject, NameObject

from desktop.core.document import Block, Locator, Role

log = logging.getLogger(__name__)

#: Widgets looked at per page and in all (a form with more is a data dump, not a page people fill).
_MAX_PER_PAGE = 500
_MAX_FIELDS = 5000
_OFF = {"Off", "No", "0", ""}


def form_blocks(pages: list[PageObject], page_texts: list[str]) -> list[Block]:
    """One block per filled field, in page order; values already printed on the page are skipped."""
    blocks: list[Block] = []
    seen: set[str] = set()
    for number, page in enumerate(pages, 1):
        if len(seen) >= _MAX_FIELDS:
            break
        shown = page_texts[number - 1] if number <= len(page_texts) else ""
        try:
            annots = page.get("/Annots")
            widgets = list(annots.get_object())[:_MAX_PER_PAGE] if annots is not None else []
        except Exception as exc:  # noqa: BLE001 - a damaged annotation list costs only the form values
            log.debug("form fields of page %d skipped: %s", number, type(exc).__name__)
            continue
        for ref in widgets:
            try:
                item = _field(ref.get_object())
            except Exception as exc:  # noqa: BLE001
                log.debug("form field skipped: %s", type(exc).__name__)
                continue
            if item is None or item[0] in seen:
                continue
            key, label, value = item
            seen.add(key)
            if value in shown and len(value) > 3:
                continue  # a flattened form: the value is printed in the text layer already
            blocks.append(Block(f"{label}: {value}" if label else value, Role.PARAGRAPH, Locator(page=number)))
    return blocks


def _field(widget: Any) -> tuple[str, str, str] | None:
    """(field identity, label, value) of a filled widget, or None."""
    if widget.get("/Subtype") != "/Widget":
        return None
    node, label, value, depth = widget, None, None, 0
    while node is not None and depth < 20:  # the value and name may sit on a parent field
        label = label or _text(node.get("/TU")) or None
        if value is None and "/V" in node:
            value = node["/V"]
        name = _text(node.get("/T"))
        if name and not label:
            label = name
        if "/T" in node and value is not None:
            break
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
        depth += 1
    text = _value(value)
    if not text:
        return None
    label = (label or "").strip()
    return f"{label}\x00{text}", label, text  # one field shown by several widgets is read once


def _value(value: Any) -> str:
    if value is None:
        return ""
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, NameObject):  # a checkbox or radio button: its "on" state's name
        name = str(value).lstrip("/")
        return "" if name in _OFF else ("yes" if name in ("Yes", "On", "1") else name)
    if isinstance(value, ArrayObject):  # a list box with several choices
        return ", ".join(t for t in (_text(v) for v in value) if t)
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, (bytes, bytearray, dict, list)):
        return ""  # a stream, binary string or dictionary (a signature's /V is one) is not a typed value
    return " ".join(str(value).split())

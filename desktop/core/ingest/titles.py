"""Decide whether a title stored in a file's metadata belongs to the text in front of us.

Word and PDF producers carry titles over from templates and earlier documents ("Plan stratégique
... Prescott et Russell" on a plan for Chelsea), so a stored title is trusted only when the
opening pages bear it out.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W\d_]{4,}")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_JUNK = re.compile(
    r"^(?:untitled|document\d*|binder\d*|slide\s*\d*|word document|microsoft word)$"
    r"|\.(?:pdf|docx?|dotx?|exe|indd|qxd|dvi|ps|tmp|rtf)$",
    re.IGNORECASE,
)


def clean_title(declared: str | None) -> str | None:
    """Strip producer noise ("Microsoft Word - x.doc") and drop titles that are file names."""
    if not declared:
        return None
    text = " ".join(declared.split())
    text = re.sub(r"^Microsoft (?:Word|PowerPoint|Excel) - ", "", text)
    return None if not text or _JUNK.search(text) else text[:500]


def plausible_title(declared: str, early_text: str) -> bool:
    """True when most of the title's words (or, in CJK scripts, character pairs) occur early on."""
    early = early_text.lower()
    title = declared.lower()
    tokens = _WORD.findall(_CJK.sub(" ", title))
    cjk = "".join(_CJK.findall(title))
    tokens += [cjk[i:i + 2] for i in range(len(cjk) - 1)]
    if not tokens:
        return True
    return sum(token in early for token in tokens) >= 0.6 * len(tokens)


def core_properties(props: Any, *, author: str = "author") -> dict[str, Any]:
    """Title, author, subject, language and creation date from an Office package's core
    properties, as python-docx, python-pptx and openpyxl expose them (openpyxl names the author
    ``creator``); values that are missing or unreadable are left out."""
    out: dict[str, Any] = {}
    try:
        for key, name in (("title", "title"), ("author", author), ("subject", "subject"), ("language", "language"),
                          ("date", "created")):
            value = getattr(props, name, None)
            if isinstance(value, datetime):
                out[key] = value.isoformat()
            elif isinstance(value, str) and value.strip():
                out[key] = " ".join(value.split())[:500]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        log.debug("core properties unreadable: %s", type(exc).__name__)
    return out

"""Decide whether a title stored in a file's metadata belongs to the text in front of us.

Word and PDF producers carry titles over from templates and earlier documents ("Plan stratégique
... Prescott et Russell" on a plan for Chelsea), so a stored title is trusted only when the
opening pages bear it out.
"""

from __future__ import annotations

import re

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

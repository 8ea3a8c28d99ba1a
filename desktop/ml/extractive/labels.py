"""Document labels without a model: cue-based guesses for the extractive engine.

The model engine classifies by scoring each option's likelihood (``classify.py``); this is the
fallback when no model is installed, so the app's label column is never empty.
"""

from __future__ import annotations

import re

from desktop.core.document import DocKind, Document

_CONTRACT = re.compile(r"\b(agreement|hereby|the parties|shall|terms and conditions|contractor|whereas|indemnif)", re.IGNORECASE)
_NEWSLETTER = re.compile(r"\b(unsubscribe|newsletter|view (this|it) in your browser|mailing list)\b", re.IGNORECASE)
_FORM = re.compile(r"(☐|☑|\[ ?\]|_{5,}|\bsignature\b|\bdate of birth\b)", re.IGNORECASE)
_NOTICE = re.compile(r"\b(notice|announcement|hereby given|public hearing|federal register)\b", re.IGNORECASE)
_URGENT = re.compile(r"\b(urgent|asap|as soon as possible|immediately|right away|today|tonight|deadline)\b", re.IGNORECASE)
_ASKS = re.compile(r"\?|\b(please|could you|can you|would you|let me know|need (your|you))\b", re.IGNORECASE)


def heuristic_labels(doc: Document) -> dict[str, str]:
    text = doc.text()[:20_000]
    labels: dict[str, str] = {}
    if doc.kind is DocKind.TRANSCRIPT:
        labels["type"] = "meeting"
    elif doc.kind in (DocKind.EMAIL, DocKind.MAILBOX):
        labels["type"] = "newsletter" if _NEWSLETTER.search(text) else "business mail"
        labels["urgency"] = "urgent" if _URGENT.search(doc.title + " " + text[:3000]) else "normal"
        labels["asks_reader"] = "yes" if _ASKS.search(text) else "no"
    elif len(_CONTRACT.findall(text)) >= 3:
        labels["type"] = "contract"
    elif len(_FORM.findall(text)) >= 3:
        labels["type"] = "form"
    elif _NOTICE.search(text[:3000]):
        labels["type"] = "notice"
    else:
        labels["type"] = "report"
    return labels

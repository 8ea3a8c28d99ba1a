"""Digest text as the views show it: citation links made plain or removed, label chips, the
check's verdict in words (a point's tooltip, the header's chip), and the one-line description
under the title. Plain functions without Qt, so history, export and the fine-tune pairs share
them with the digest view."""

from __future__ import annotations

import re

from desktop.core.digest import Digest
from desktop.core.render import CHECKED_MARK, FLAGGED_MARK
from desktop.core.support import Support, SupportCounts

_CITES = re.compile(r" — ((?:\[[^\]]+\]\(cite:[^)]+\)(?:; )?)+)")
_LINK = re.compile(r"\[([^\]]+)\]\(cite:[^)]+\)")


def plain_citations(markdown: str) -> str:
    """Citation links as plain references: "- point — [a.pdf, p. 3](cite:..)" -> "- point (a.pdf, p. 3)"."""
    return _CITES.sub(lambda m: " (" + "; ".join(_LINK.findall(m.group(1))) + ")", markdown)


def without_citations(markdown: str) -> str:
    """The digest text a model should learn to write: no citation links, no Notes section."""
    text = _CITES.sub("", markdown)
    return re.sub(r"\n## Notes\n.*", "\n", text, flags=re.DOTALL).rstrip() + "\n"


def chip_texts(labels: dict[str, str]) -> list[tuple[str, str]]:
    """What a person reads from the engine's labels: the type, an urgency worth saying, "asks you"."""
    out: list[tuple[str, str]] = []
    if labels.get("type"):
        out.append(("type", labels["type"]))
    urgency = labels.get("urgency", "")
    if urgency and urgency not in ("normal", "not urgent", "no", "low"):
        out.append(("urgency", urgency))
    if labels.get("asks_reader") == "yes":
        out.append(("asks_reader", "asks you"))
    for key, value in labels.items():
        if key not in ("type", "urgency", "asks_reader") and value:
            out.append((key, str(value)))
    return out


def describe(digest: Digest) -> str:
    engine = {"extractive": "Extractive engine"}.get(digest.engine, digest.engine or "")
    model = digest.stats.get("model")
    parts = [f"{engine}{f' · {model}' if model and model not in engine else ''}".strip(" ·")]
    seconds = digest.stats.get("seconds_total") or digest.stats.get("seconds")
    if seconds:
        seconds = float(seconds)
        parts.append(f"{seconds:.1f} s" if seconds >= 0.1 else "under 0.1 s")
    docs = len(digest.documents)
    if docs:
        parts.append(f"{docs} document{'s' if docs != 1 else ''}")
    return " · ".join(p for p in parts if p)


def support_tip(support: Support) -> str:
    """A point's verdict in a sentence or two, for its tooltip."""
    if support.flagged:
        marked = any(p.source_words for p in support.problems)
        return (f"{FLAGGED_MARK} Not supported by its source: {support.reason()}. Click its citation to read the passage"
                + (", with the source's own words marked." if marked else "."))
    tip = f"{CHECKED_MARK} Checked: its numbers, dates, names and any “not” are in the passage it cites."
    if support.entailment is not None:
        tip += f" The model reads it there too ({support.entailment:.0%} “yes, it follows”)."
    if support.regenerated:
        tip += " Written once more: its first version was not supported."
    return tip


def support_chip(counts: SupportCounts | None) -> str:
    """The header's chip: "✓ 17 checked", or "⚠ 2 of 17 flagged"; "" for a digest not checked."""
    if counts is None:
        return ""
    total = counts.checked + counts.flagged
    if counts.flagged:
        return f"{FLAGGED_MARK} {counts.flagged} of {total} flagged"
    return f"{CHECKED_MARK} {total} checked" + (f", {counts.dropped} left out" if counts.dropped else "")

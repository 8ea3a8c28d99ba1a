"""A roll-up as Markdown or JSON; every item keeps its citations (``.ics``: ``rollup/ics.py``)."""

from __future__ import annotations

import json
from datetime import date

from desktop.core.digest import Point
from desktop.core.render import citation_labels, cite_href, display_person, format_day
from desktop.core.rollup.build import Rollup

TITLES = {
    "decisions": "Decisions",
    "i_owe": "What I owe",
    "owed_to_me": "What I'm owed",
    "deadlines": "Deadlines",
}


def period_label(since: date | None, until: date | None) -> str:
    if since and until:
        return format_day(since.isoformat()) if since == until else f"{format_day(since.isoformat())} – {format_day(until.isoformat())}"
    if since:
        return f"since {format_day(since.isoformat())}"
    if until:
        return f"until {format_day(until.isoformat())}"
    return "everything"


def citations(point: Point) -> str:
    labels = citation_labels(point.sources)
    return " (" + "; ".join(label for _, label in labels) + ")" if labels else ""


def linked_citations(point: Point, section: str, index: int) -> str:
    """The citations as links (``cite:<section>/<item>/<source>``) the window opens in its source view."""
    labels = citation_labels(point.sources)
    return " — " + "; ".join(f"[{label}]({cite_href(section, index, i)})" for i, label in labels) if labels else ""


def _line(point: Point, section: str, index: int = 0, links: bool = False) -> str:
    text = point.text
    cites = linked_citations(point, section, index) if links else citations(point)
    if section == "deadlines":
        when = format_day(point.due_date) if point.due_date else f"{point.due} (day not fixed)"
        who = f" — {display_person(point.owner)}" if point.owner else ""
        return f"- **{when}**: {text}{who}{cites}"
    notes = []
    if section == "owed_to_me" and point.owner:
        text = f"**{display_person(point.owner)}**: {text}"
    if point.due_date:
        notes.append(f"due {format_day(point.due_date)}")
    elif point.due:
        notes.append(f"due {point.due}")
    if section == "i_owe" and point.requester:
        notes.append(f"asked by {display_person(point.requester)}")
    return f"- {text}" + (f" ({'; '.join(notes)})" if notes else "") + cites


def to_markdown(rollup: Rollup, *, links: bool = False) -> str:
    """The roll-up page; ``links``: citations as ``cite:`` links (the window's Roll-up view)."""
    lines = [f"# Roll-up: {period_label(rollup.since, rollup.until)}", ""]
    who = "; ".join(rollup.me.given) if rollup.me else "nobody named (give your names and addresses to see what you owe and are owed)"
    lines += [f"*For {who}. {rollup.digests} digest(s), {rollup.items} item(s) in the period.*", ""]
    for name, title in rollup.layout or list(TITLES.items()):
        points: list[Point] = getattr(rollup, name)
        lines += [f"## {title}", ""]
        lines += [_line(p, name, i, links) for i, p in enumerate(points)] or ["- Nothing."]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_json(rollup: Rollup) -> str:
    return json.dumps(rollup.to_dict(), ensure_ascii=False, indent=2) + "\n"

"""Build a roll-up from digests: the decisions, what I owe, what I am owed and the deadlines of a
period, items that say the same thing in a mail and a meeting merged into one with both citations.

An item belongs to the period when its document is dated in it (the mail's Date, the meeting's
date, else when the digest was made) or when it falls due in it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from desktop.core.dates import parse_iso
from desktop.core.digest import Digest, Point
from desktop.core.prompting.templates import DigestTemplate
from desktop.core.rollup.merge import merge_items
from desktop.core.rollup.people import Me

#: The digest sections whose items someone owes; decisions are nobody's to do.
OWED_SECTIONS = ("action_items", "asks", "deadlines")


@dataclass(slots=True)
class Rolled:
    """One digest going into a roll-up, and the day to use for its items that carry none (when it
    was made, or its file's modification day)."""

    digest: Digest
    fallback_day: date | None = None


@dataclass(slots=True)
class Rollup:
    since: date | None
    until: date | None
    me: Me
    decisions: list[Point] = field(default_factory=list)
    i_owe: list[Point] = field(default_factory=list)
    owed_to_me: list[Point] = field(default_factory=list)
    #: Every item with a due day, earliest first, then those whose words fix no day.
    deadlines: list[Point] = field(default_factory=list)
    digests: int = 0
    items: int = 0
    made: float = field(default_factory=time.time)
    #: The rollup template's sections in order, each (id, title); empty: all four, default titles.
    layout: list[tuple[str, str]] = field(default_factory=list)
    template: str = ""

    SECTIONS = ("decisions", "i_owe", "owed_to_me", "deadlines")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "rollup",
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "me": list(self.me.given),
            "digests": self.digests,
            "items": self.items,
            "made": datetime.fromtimestamp(self.made).astimezone().isoformat(timespec="seconds"),
        }
        for name in self.SECTIONS:
            out[name] = [p.to_dict() for p in getattr(self, name)]
        if self.template:
            out["template"] = self.template
            out["layout"] = [{"id": sid, "title": title} for sid, title in self.layout]
        return out


def build_rollup(rolled: list[Rolled], me: Me, since: date | None = None, until: date | None = None) -> Rollup:
    out = Rollup(since, until, me, digests=len(rolled))
    decisions: list[Point] = []
    owed: list[Point] = []
    for r in rolled:
        days = {d.path: parse_iso(d.date) for d in r.digest.documents if d.date}
        for name in ("decisions", *OWED_SECTIONS):
            for point in getattr(r.digest, name):
                day = _item_day(point, days) or r.fallback_day
                due = parse_iso(point.due_date)
                if not (_within(day, since, until) or (due is not None and _within(due, since, until))):
                    continue
                (decisions if name == "decisions" else owed).append(replace(point, sources=list(point.sources)))
    out.items = len(decisions) + len(owed)
    out.decisions = merge_items(decisions)
    merged = merge_items(owed)
    out.i_owe = [p for p in merged if me.matches(p.owner)]
    out.owed_to_me = [p for p in merged if me.matches(p.requester) and not me.matches(p.owner)]
    dated = sorted((p for p in merged if p.due_date), key=lambda p: (p.due_date or "", p.text))
    out.deadlines = dated + [p for p in merged if not p.due_date and p.due]
    return out


def shape_rollup(rollup: Rollup, template: DigestTemplate) -> Rollup:
    """The rollup template's sections, order, titles and lengths (a section it leaves out is empty)."""
    wanted = {s.id: s for s in template.sections}
    for name in Rollup.SECTIONS:
        section = wanted.get(name)
        items = getattr(rollup, name)
        setattr(rollup, name, [] if section is None else (items[: section.length] if section.length else items))
    rollup.layout = [(s.id, s.title) for s in template.sections]
    rollup.template = template.id
    return rollup


def _item_day(point: Point, days: dict[str, date | None]) -> date | None:
    """A mail item's message date, else its document's own date."""
    for s in point.sources:
        if s.locator.date:
            day = parse_iso(s.locator.date)
            if day is not None:
                return day
    for s in point.sources:
        if days.get(s.path) is not None:
            return days[s.path]
    return None


def _within(day: date | None, since: date | None, until: date | None) -> bool:
    if day is None:
        return since is None and until is None
    return (since is None or day >= since) and (until is None or day <= until)

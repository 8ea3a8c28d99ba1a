"""A roll-up's deadlines and owed items as an iCalendar file (RFC 5545, written by ``icalendar``).

Every item with a due day is an all-day event on that day (shown free, so it never blocks a
meeting slot); an item I owe or am owed without a day is a to-do. Each has its citations in the
description and a UID made from its text and sources, so importing a newer roll-up updates the
same entries instead of doubling them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, Todo

from desktop import __version__
from desktop.core.dates import parse_iso
from desktop.core.digest import Point
from desktop.core.render import display_person
from desktop.core.rollup.build import Rollup
from desktop.core.rollup.render import citations

PRODID = f"-//Precis//Precis {__version__}//EN"


def _uid(point: Point) -> str:
    h = hashlib.sha256(point.text.encode("utf-8"))
    for s in point.sources:
        h.update(f"\0{s.path}\0{s.locator.to_dict()}".encode())
    return f"{h.hexdigest()[:32]}@precis"


def _description(point: Point, role: str) -> str:
    lines = [point.text]
    if point.owner:
        lines.append(f"Owner: {display_person(point.owner)}")
    if point.requester:
        lines.append(f"Asked by: {display_person(point.requester)}")
    if point.due:
        lines.append(f"Due, as written: {point.due}")
    lines.append(f"From Precis's roll-up ({role}).")
    lines.append("Sources:" + citations(point).strip().removeprefix("(").removesuffix(")").replace("; ", "\n- ").join(["\n- ", ""]))
    return "\n".join(lines)


def _summary(point: Point, role: str) -> str:
    prefix = {"i_owe": "I owe: ", "owed_to_me": f"{display_person(point.owner)} owes me: " if point.owner else "Owed to me: "}
    text = point.text if len(point.text) <= 120 else point.text[:117].rstrip() + "..."
    return prefix.get(role, "Due: ") + text


def to_ics(rollup: Rollup, now: datetime | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Precis deadlines")
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    seen: set[str] = set()
    roles = [("i_owe", p) for p in rollup.i_owe] + [("owed_to_me", p) for p in rollup.owed_to_me]
    roles += [("deadlines", p) for p in rollup.deadlines]
    for role, point in roles:
        uid = _uid(point)
        if uid in seen:
            continue
        day = parse_iso(point.due_date)
        if day is None and role == "deadlines":
            continue  # the words fix no day: nothing to put in a calendar
        seen.add(uid)
        component = Event() if day is not None else Todo()
        component.add("uid", uid)
        component.add("dtstamp", stamp)
        component.add("summary", _summary(point, role))
        component.add("description", _description(point, role))
        component.add("categories", ["Precis", {"i_owe": "I owe", "owed_to_me": "Owed to me"}.get(role, "Deadline")])
        if day is not None:
            component.add("dtstart", day)
            component.add("dtend", day + timedelta(days=1))
            component.add("transp", "TRANSPARENT")
        else:
            component.add("status", "NEEDS-ACTION")
        cal.add_component(component)
    return cal.to_ical()

"""Where a roll-up's digests come from: History, or digest JSON files (``summarize --format json``,
a batch or watch folder's ``.json`` outputs, History's own entry files). Files still to be
summarized are the caller's: the core reads no document."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from desktop.core.digest import Digest
from desktop.core.errors import RollupError
from desktop.core.history import History
from desktop.core.rollup.build import Rolled

_SECTIONS = ("points", "decisions", "action_items", "asks", "deadlines")


def from_history(history: History, since: date | None = None) -> list[Rolled]:
    """Every digest in History (those made before ``since`` too: a mail from last week may be due
    this week), each with the day it was made for items that carry no date of their own."""
    out = []
    for entry in history.list():
        try:
            digest, _ = history.load(entry.id)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a damaged entry: the others still roll up
        out.append(Rolled(digest, datetime.fromtimestamp(entry.created).date()))
    return out


def digest_from_json(path: Path) -> Rolled | None:
    """A digest JSON file (or a History entry file), else None (not a digest: summarize it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if isinstance(data, dict) and isinstance(data.get("digest"), dict):  # a History entry
        made = data.get("created")
        return Rolled(Digest.from_dict(data["digest"]), datetime.fromtimestamp(float(made)).date() if made else None)
    if isinstance(data, dict) and "title" in data and any(isinstance(data.get(k), list) for k in _SECTIONS):
        return Rolled(Digest.from_dict(data), datetime.fromtimestamp(path.stat().st_mtime).date())
    return None


def parse_period(since: str | None, until: str | None, today: date | None = None) -> tuple[date | None, date | None]:
    """``--since``/``--until``: an ISO day, or today, yesterday, this week, last week, this month,
    "7 days" (the last seven days). A named period given to --since alone covers the whole period."""
    today = today or date.today()
    lo = hi = None
    if since:
        lo, end = _named(since, today)
        hi = end if until is None and _is_named(since) else None
    if until:
        hi = _named(until, today)[1]
    if lo and hi and hi < lo:
        raise RollupError(f"The period ends ({hi.isoformat()}) before it starts ({lo.isoformat()}).")
    return lo, hi


def _is_named(value: str) -> bool:
    return not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip())


def _named(value: str, today: date) -> tuple[date, date]:
    v = " ".join(value.strip().lower().split())
    monday = today - timedelta(days=today.weekday())
    if v == "today":
        return today, today
    if v == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if v in ("this week", "week"):
        return monday, monday + timedelta(days=6)
    if v == "last week":
        return monday - timedelta(weeks=1), monday - timedelta(days=1)
    if v in ("this month", "month"):
        nxt = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        return today.replace(day=1), nxt - timedelta(days=1)
    if m := re.fullmatch(r"(?:last )?(\d{1,3}) days?", v):
        return today - timedelta(days=int(m.group(1)) - 1), today
    try:
        day = date.fromisoformat(v)
    except ValueError:
        raise RollupError(f"“{value}” is not a day Precis understands: give YYYY-MM-DD, today, yesterday, "
                          "this week, last week, this month or N days.") from None
    return day, day

"""What to read from a mail store: which folders, which dates, only unread mail; for IMAP, which
certificate authority to trust and how long to wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class MailOptions:
    """A selection inside a store. Empty ``folders`` is the whole store; a folder named there comes
    with the folders under it. ``since`` and ``until`` are inclusive days of the message's own Date
    header (a message without one: the day the store received it). Plain data, so a JobSpec carries
    it to the worker process."""

    folders: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    unseen: bool = False
    #: IMAP only: a PEM file of certificate authorities to trust besides the system's (a server
    #: with a certificate of its own making), and the seconds one exchange may take.
    cafile: str | None = None
    timeout: float = 30.0
    #: IMAP only: keep a password that worked in the system keyring (where there is one).
    keep_password: bool = True

    def to_plain(self) -> dict[str, Any]:
        """JSON-able fields (days as ISO dates), for the pipe to the worker process."""
        return {"folders": list(self.folders), "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None, "unseen": self.unseen,
                "cafile": self.cafile, "timeout": self.timeout, "keep_password": self.keep_password}

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> MailOptions:
        """The inverse of ``to_plain``."""
        return cls(folders=tuple(data.get("folders", ())), since=_day(data.get("since")), until=_day(data.get("until")),
                   unseen=bool(data.get("unseen", False)), cafile=data.get("cafile"),
                   timeout=float(data.get("timeout", 30.0)), keep_password=bool(data.get("keep_password", True)))

    @property
    def narrowed(self) -> bool:
        """True when something other than the whole store is asked for."""
        return bool(self.folders or self.since or self.until or self.unseen)

    def day_matches(self, day: date | None) -> bool:
        if self.since is None and self.until is None:
            return True
        if day is None:
            return False  # a date range asks for dated mail: an undated message cannot be placed in it
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def describe(self) -> str:
        """'from 2024-01-01 to 2024-01-31, unread only' (empty for the whole store)."""
        parts = []
        if self.since and self.until:
            parts.append(f"from {self.since.isoformat()} to {self.until.isoformat()}")
        elif self.since:
            parts.append(f"since {self.since.isoformat()}")
        elif self.until:
            parts.append(f"until {self.until.isoformat()}")
        if self.unseen:
            parts.append("unread only")
        return ", ".join(parts)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def parse_day(text: str) -> date:
    """'2024-03-01' (or a full ISO timestamp, whose day counts); ValueError with a plain reason."""
    value = text.strip()
    try:
        return date.fromisoformat(value[:10]) if len(value) >= 10 else date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).date()
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD") from exc


DEFAULT_MAIL = MailOptions()

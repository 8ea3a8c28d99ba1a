"""Who "me" is in a roll-up: the user's names and mail addresses, and matching them in an item's
owner or requester ("Maria Lopez <maria@x.example>", "Maria", "Facilities Team <...>, Tom")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ADDRESS = re.compile(r"<([^>]+)>|([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_HONORIFIC = re.compile(r"^(?:mr|mrs|ms|miss|dr|prof)\.?\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Me:
    names: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    #: The strings the user gave, for the roll-up's header.
    given: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def parse(cls, values: list[str] | str | None) -> Me:
        """From ``--me "NAME <ADDRESS>"`` values or the settings' list: each value one person's
        forms, several separated by ";" ("Maria Lopez <maria@x.example>; M. Lopez")."""
        if isinstance(values, str):
            values = [values]
        names: list[str] = []
        addresses: list[str] = []
        given: list[str] = []
        for value in values or []:
            for part in (p.strip() for p in value.split(";")):
                if not part:
                    continue
                given.append(part)
                for m in _ADDRESS.finditer(part):
                    addresses.append((m.group(1) or m.group(2)).strip().casefold())
                name = _name(part)
                if name:
                    names.append(name)
        return cls(tuple(dict.fromkeys(names)), tuple(dict.fromkeys(addresses)), tuple(given))

    def __bool__(self) -> bool:
        return bool(self.names or self.addresses)

    def matches(self, people: str | None) -> bool:
        """Is one of the people in ``people`` (an owner or requester field) me?"""
        if not people or not self:
            return False
        for person in split_people(people):
            addresses = [(m.group(1) or m.group(2)).strip().casefold() for m in _ADDRESS.finditer(person)]
            if any(a in self.addresses for a in addresses):
                return True
            name = _name(person)
            if not name:
                continue
            for mine in self.names:
                # "Tom" in a meeting is "Tom Becker" when that is one of my names.
                if name == mine or (" " not in name and mine.split()[0] == name):
                    return True
        return False


def split_people(people: str) -> list[str]:
    """"A <a@x>, "B, C" <b@x>, D" -> its people (commas inside quotes or <> kept)."""
    out, depth, quoted, cur = [], 0, False, ""
    for ch in people:
        quoted = not quoted if ch == '"' else quoted
        depth += {"<": 1, ">": -1}.get(ch, 0)
        if ch == "," and not quoted and depth <= 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return [p for p in [*out, cur.strip()] if p]


def _name(person: str) -> str:
    name = _ADDRESS.sub("", person).strip().strip('"').strip()
    name = re.sub(r"\s*\([^)]*\)", "", name)  # a parliamentary "(riding, party)"
    return " ".join(_HONORIFIC.sub("", name).split()).casefold()

"""What installing the desktop integration writes, as plain data: files (with their mode) and
Windows registry values. Generated per desktop by the modules beside this one, so every entry can
be checked here as data before anything touches a real desktop."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: Path
    data: bytes
    #: 0o755 for what a file manager runs or, like KDE, insists be executable
    mode: int = 0o644


@dataclass(frozen=True, slots=True)
class RegValue:
    """A string value under HKEY_CURRENT_USER; ``name`` "" is the key's default value."""

    key: str
    name: str
    value: str


@dataclass(slots=True)
class Plan:
    files: list[FileEntry] = field(default_factory=list)
    registry: list[RegValue] = field(default_factory=list)
    #: the keys Precis creates (each removed whole on uninstall; nothing outside them is touched)
    registry_keys: list[str] = field(default_factory=list)

    def extend(self, other: Plan) -> Plan:
        self.files += other.files
        self.registry += other.registry
        self.registry_keys += other.registry_keys
        return self

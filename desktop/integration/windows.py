"""Windows Explorer: per-user verbs "Summarize with Precis" and "Summarize together with Precis"
under ``HKCU\\Software\\Classes\\SystemFileAssociations\\<ext>\\shell`` (no administrator rights,
and no change to which program opens the file) and on folders, plus a "Send to" shortcut.

Explorer starts a plain command verb once per selected file; the running window therefore joins
"together" requests that arrive within a moment into one digest, and "Send to", which passes the
whole selection to one process, is the sure way to summarize many files together.

The registry is written through the small ``Registry`` interface: ``WinRegistry`` on Windows,
``MemoryRegistry`` for dry runs and tests, so the entries are generated and checked as data here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Protocol

from desktop.core import paths
from desktop.integration.actions import ACTIONS, FileAction, extensions
from desktop.integration.plan import FileEntry, Plan, RegValue
from desktop.integration.windows_shortcut import shortcut_bytes

CLASSES = r"Software\Classes"
SENDTO_NAME = "Precis (summarize together).lnk"


class Registry(Protocol):
    def set_value(self, key: str, name: str, value: str) -> None: ...
    def delete_tree(self, key: str) -> bool: ...


def verb_key(parent: str, action: FileAction) -> str:
    return rf"{parent}\shell\Precis.{action.key}"


def command_line(launcher: str, action: FileAction) -> str:
    """``"C:\\...\\precis.exe" --summarize "%1"``; Windows file names cannot hold a double quote."""
    return f'"{launcher}" {action.flag} "%1"'


def entries(launcher: str, sendto_dir: Path | None) -> Plan:
    plan = Plan()
    parents = [rf"{CLASSES}\SystemFileAssociations\.{ext}" for ext in extensions()] + [rf"{CLASSES}\Directory"]
    for parent in parents:
        for action in ACTIONS:
            key = verb_key(parent, action)
            plan.registry_keys.append(key)
            plan.registry += [RegValue(key, "MUIVerb", action.label), RegValue(key, "Icon", f'"{launcher}",0'),
                              RegValue(key, "MultiSelectModel", "Player"),
                              RegValue(rf"{key}\command", "", command_line(launcher, action))]
    if sendto_dir is not None:
        link = shortcut_bytes(launcher, arguments=ACTIONS[1].flag, description=ACTIONS[1].comment,
                              icon=launcher, name=paths.APP_NAME)
        plan.files.append(FileEntry(sendto_dir / SENDTO_NAME, link))
    return plan


def sendto_dir() -> Path | None:
    appdata = os.environ.get("APPDATA")
    return Path(appdata) / "Microsoft" / "Windows" / "SendTo" if appdata else None


class MemoryRegistry:
    """HKCU as a dict of key -> {name: value}: the dry run's and the tests' registry."""

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, str]] = {}

    def set_value(self, key: str, name: str, value: str) -> None:
        self.keys.setdefault(key.lower(), {})[name] = value

    def delete_tree(self, key: str) -> bool:
        prefix = key.lower()
        doomed = [k for k in self.keys if k == prefix or k.startswith(prefix + "\\")]
        for k in doomed:
            del self.keys[k]
        return bool(doomed)

    def get(self, key: str, name: str = "") -> str | None:
        return self.keys.get(key.lower(), {}).get(name)


class WinRegistry:
    """The real HKEY_CURRENT_USER (Windows only; not run on the Linux development machine)."""

    def set_value(self, key: str, name: str, value: str) -> None:
        if sys.platform != "win32":
            raise OSError("The Windows registry exists only on Windows.")
        else:  # the else (not an early return) is how mypy checks winreg on every platform
            import winreg

            with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as handle:
                winreg.SetValueEx(handle, name, 0, winreg.REG_SZ, value)

    def delete_tree(self, key: str) -> bool:
        if sys.platform != "win32":
            raise OSError("The Windows registry exists only on Windows.")
        else:
            import winreg

            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_ALL_ACCESS) as handle:
                    while True:
                        try:
                            child = winreg.EnumKey(handle, 0)
                        except OSError:
                            break
                        self.delete_tree(rf"{key}\{child}")
                winreg.DeleteKey(winreg.HKEY_CURRENT_USER, key)
                return True
            except FileNotFoundError:
                return False

"""Nemo (Cinnamon): one ``.nemo_action`` per action in ``~/.local/share/nemo/actions``, offered
only for the extensions Precis reads and for folders.

Nemo puts each selected path into ``%F`` inside double quotes (``Quote=double``, escaping
``"`` ``\\`` ``$`` and backquotes) and splits the line like a shell, so spaces, quotes, non-ASCII
characters and newlines reach ``precis`` intact.
"""

from __future__ import annotations

from pathlib import Path

from desktop.core import paths
from desktop.integration.actions import ACTIONS, FileAction, desktop_exec_arg, extensions, keyfile_value
from desktop.integration.plan import FileEntry, Plan


def actions_dir(base: Path) -> Path:
    return base / "nemo" / "actions"


def action_file(action: FileAction, launcher: str) -> str:
    exts = ";".join([*extensions(), "dir"]) + ";"
    lines = [
        "[Nemo Action]",
        "Active=true",
        f"Name={action.label}",
        f"Comment={action.comment}",
        f"Exec={keyfile_value(desktop_exec_arg(launcher))} {action.flag} %F",
        f"Icon-Name={paths.APP_ID}",
        "Selection=notnone",
        f"Extensions={exts}",
        "Quote=double",
    ]
    return "\n".join(lines) + "\n"


def entries(base: Path, launcher: str) -> Plan:
    return Plan(files=[FileEntry(actions_dir(base) / f"precis-{a.key}.nemo_action", action_file(a, launcher).encode("utf-8"))
                       for a in ACTIONS])

"""GNOME Files (Nautilus): one script per action in ``~/.local/share/nautilus/scripts``, shown as
Scripts › "Summarize with Precis" in the right-click menu.

Nautilus runs a script with the selected files as arguments (relative to the shown folder, which
is the working directory; exact, even with newlines in a name) and also sets
``NAUTILUS_SCRIPT_SELECTED_FILE_PATHS`` (newline-separated local paths). The script passes the
arguments when there are any, else the variable's lines, to ``precis``, which hands them to the
running window. Nautilus cannot filter scripts by type: Precis names what it cannot read.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from desktop.integration.actions import ACTIONS, FileAction
from desktop.integration.plan import FileEntry, Plan


def scripts_dir(base: Path) -> Path:
    return base / "nautilus" / "scripts"


def script(action: FileAction, launcher: str) -> str:
    run = f"{shlex.quote(launcher)} {action.flag} --"
    return f"""#!/bin/sh
# {action.label}: {action.comment.lower()}.
# Written by precis-cli install-desktop; `precis-cli install-desktop --uninstall` removes it.
if [ "$#" -gt 0 ]; then
    exec {run} "$@"
fi
# No arguments: the newline-separated paths Nautilus also sets (no globbing, one per line).
set -f
IFS='
'
exec {run} $NAUTILUS_SCRIPT_SELECTED_FILE_PATHS
"""


def entries(base: Path, launcher: str) -> Plan:
    return Plan(files=[FileEntry(scripts_dir(base) / action.label, script(action, launcher).encode("utf-8"), 0o755)
                       for action in ACTIONS])

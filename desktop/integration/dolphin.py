"""KDE Dolphin (and Konqueror): a KIO service menu in ``~/.local/share/kio/servicemenus`` with both
actions, offered for the MIME types Precis reads and for folders.

KDE runs user service menus only when the file is executable (Plasma 5.85 and later), so it is
written 0755. ``%F`` is expanded by KIO itself, one argument per file, so names need no quoting
here; the launcher's own path is quoted by the Desktop Entry rules.
"""

from __future__ import annotations

from pathlib import Path

from desktop.core import paths
from desktop.integration.actions import ACTIONS, desktop_exec_arg, keyfile_value, mime_types
from desktop.integration.plan import FileEntry, Plan


def service_menu_path(base: Path) -> Path:
    return base / "kio" / "servicemenus" / f"{paths.APP_ID}.desktop"


def service_menu(launcher: str) -> str:
    exe = keyfile_value(desktop_exec_arg(launcher))
    lines = [
        "[Desktop Entry]",
        "Type=Service",
        "Name=Precis",
        f"MimeType={';'.join(mime_types())};",
        f"Actions={';'.join(a.key for a in ACTIONS)};",
        # KF5 finds service menus by this type; KF6 ignores it.
        "X-KDE-ServiceTypes=KonqPopupMenu/Plugin",
        f"Icon={paths.APP_ID}",
    ]
    for action in ACTIONS:
        lines += ["", f"[Desktop Action {action.key}]", f"Name={action.label}", f"Icon={paths.APP_ID}",
                  f"Exec={exe} {action.flag} %F"]
    return "\n".join(lines) + "\n"


def entries(base: Path, launcher: str) -> Plan:
    return Plan(files=[FileEntry(service_menu_path(base), service_menu(launcher).encode("utf-8"), 0o755)])

"""The application menu entry on Linux/BSD desktops: the reverse-DNS .desktop file (with "Open
with Precis" for the formats it reads) and the icon in every size, under ``$XDG_DATA_HOME``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from desktop.core import paths
from desktop.integration.actions import desktop_exec_arg, keyfile_value
from desktop.integration.plan import FileEntry, Plan

ICON_SIZES = (16, 32, 48, 64, 128, 256)


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME")
    return Path(value).expanduser() if value else Path.home() / ".local" / "share"


def desktop_entry(launcher: str) -> str:
    """The shipped entry with ``Exec``/``TryExec`` pointing at ``launcher``."""
    text = paths.resource(f"{paths.APP_ID}.desktop").read_text(encoding="utf-8")
    if launcher != "precis":
        text = text.replace("Exec=precis %F", f"Exec={keyfile_value(desktop_exec_arg(launcher))} %F")
        text = text.replace("TryExec=precis", f"TryExec={keyfile_value(launcher)}")
    return text


def entries(base: Path, launcher: str) -> Plan:
    icons = base / "icons" / "hicolor"
    files = [FileEntry(base / "applications" / f"{paths.APP_ID}.desktop", desktop_entry(launcher).encode("utf-8"))]
    files += [FileEntry(icons / f"{s}x{s}" / "apps" / f"{paths.APP_ID}.png",
                        paths.resource("icons", f"precis-{s}.png").read_bytes()) for s in ICON_SIZES]
    files.append(FileEntry(icons / "scalable" / "apps" / f"{paths.APP_ID}.svg",
                           paths.resource("icons", "precis.svg").read_bytes()))
    return Plan(files=files)


def refresh_caches(base: Path) -> None:
    """Best effort: desktops that cache menus and icons pick the change up sooner."""
    for tool, arg in (("update-desktop-database", base / "applications"),
                      ("gtk-update-icon-cache", base / "icons" / "hicolor")):
        exe = shutil.which(tool)
        if exe and arg.is_dir():
            extra = ["-q", "-t"] if tool == "gtk-update-icon-cache" else ["-q"]
            try:
                subprocess.run([exe, *extra, str(arg)], check=False, capture_output=True, timeout=30)
            except (OSError, subprocess.SubprocessError):
                pass

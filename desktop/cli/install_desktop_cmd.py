"""precis-cli install-desktop: put Precis in the current user's application menu (Linux/BSD).

Installs the reverse-DNS .desktop entry under ``$XDG_DATA_HOME/applications`` and the icon in
every size under ``$XDG_DATA_HOME/icons/hicolor``, so file managers offer "Open with Precis"
for the formats it reads. ``--uninstall`` removes exactly those files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from desktop.core import paths
from desktop.core.atomic import atomic_write_bytes, atomic_write_text

ICON_SIZES = (16, 32, 48, 64, 128, 256)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("install-desktop", help="add Precis to your application menu (Linux: .desktop entry and icons)")
    p.add_argument("--exec", dest="exec_path", metavar="PATH",
                   help="the precis launcher the menu entry runs (default: the one beside this Python, else 'precis')")
    p.add_argument("--uninstall", action="store_true", help="remove the menu entry and icons again")
    p.set_defaults(func=run)


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME")
    return Path(value).expanduser() if value else Path.home() / ".local" / "share"


def installed_files(base: Path) -> list[Path]:
    files = [base / "applications" / f"{paths.APP_ID}.desktop"]
    files += [base / "icons" / "hicolor" / f"{s}x{s}" / "apps" / f"{paths.APP_ID}.png" for s in ICON_SIZES]
    files.append(base / "icons" / "hicolor" / "scalable" / "apps" / f"{paths.APP_ID}.svg")
    return files


def default_launcher() -> str:
    """The ``precis`` script of this installation when it is not on PATH (a virtual environment)."""
    beside = Path(sys.executable).with_name("precis")
    if shutil.which("precis") is None and beside.is_file():
        return str(beside)
    return "precis"


def desktop_entry(launcher: str) -> str:
    text = paths.resource(f"{paths.APP_ID}.desktop").read_text(encoding="utf-8")
    if launcher != "precis":
        quoted = f'"{launcher}"' if " " in launcher else launcher
        text = text.replace("Exec=precis %F", f"Exec={quoted} %F").replace("TryExec=precis", f"TryExec={launcher}")
    return text


def install(base: Path, launcher: str) -> list[Path]:
    entry, *icons, svg = installed_files(base)
    written: list[Path] = []
    entry.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(entry, desktop_entry(launcher))
    written.append(entry)
    for size, target in zip(ICON_SIZES, icons):
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, paths.resource("icons", f"precis-{size}.png").read_bytes())
        written.append(target)
    svg.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(svg, paths.resource("icons", "precis.svg").read_bytes())
    written.append(svg)
    _refresh_caches(base)
    return written


def uninstall(base: Path) -> list[Path]:
    removed = []
    for f in installed_files(base):
        if f.exists():
            f.unlink()
            removed.append(f)
    _refresh_caches(base)
    return removed


def _refresh_caches(base: Path) -> None:
    """Best effort: desktops that cache menus and icons pick the change up sooner."""
    for tool, arg in (("update-desktop-database", base / "applications"),
                      ("gtk-update-icon-cache", base / "icons" / "hicolor")):
        exe = shutil.which(tool)
        if exe and arg.is_dir():
            extra = ["-q", "-t"] if tool == "gtk-update-icon-cache" else ["-q"]
            subprocess.run([exe, *extra, str(arg)], check=False, capture_output=True, timeout=30)


def run(args: argparse.Namespace) -> int:
    if sys.platform in ("win32", "darwin"):
        print("install-desktop is for Linux desktops; on Windows and macOS use the bundle's own shortcut.", file=sys.stderr)
        return 2
    base = data_home()
    try:
        if args.uninstall:
            removed = uninstall(base)
            print(f"Removed {len(removed)} file(s) from {base}.")
            return 0
        written = install(base, args.exec_path or default_launcher())
    except OSError as exc:
        print(f"Could not install the menu entry in {base}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Installed Precis in your application menu ({written[0]}) with {len(written) - 1} icon file(s).")
    return 0

"""Which program the menu entry and the file-manager actions run: the ``precis`` of this very
installation (a virtual environment, a PyInstaller bundle), so an action never starts some other
Precis that happens to be first on PATH."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def default_launcher() -> str:
    """The absolute path of this installation's ``precis`` (``precis.exe`` on Windows) when it
    exists beside the running Python or bundle, else whatever ``precis`` PATH finds, else "precis"."""
    name = "precis.exe" if sys.platform == "win32" else "precis"
    here = Path(sys.executable)
    for candidate in (here.with_name(name), here.parent / "Scripts" / name):
        if candidate.is_file():
            return str(candidate)
    return shutil.which("precis") or "precis"

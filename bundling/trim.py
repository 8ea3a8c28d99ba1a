"""Bundle-time removal of what PySide6's PyInstaller hook collects but Precis's window never loads
(lean bundle only; build.spec says what).

The hook takes every plugin of a kind the Qt modules use: among the input-method plugins the
virtual (on-screen) keyboard's, which alone links Qt Quick and QML (17 MB), and Qt's own
translations (7 MB), which are loaded only by an application that installs a QTranslator (Precis
does not). A file is dropped only if no library left in the bundle names it as a needed library,
so nothing that ships can fail to load for want of it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

Entry = tuple[str, str, str]  # PyInstaller's (destination, source, kind), binaries and datas alike
#: The virtual keyboard's input-method plugin and the Qt libraries only it needs.
QT_VIRTUAL_KEYBOARD = ("libqtvirtualkeyboardplugin.so", "libQt6VirtualKeyboardQml.so.6", "libQt6VirtualKeyboard.so.6",
                       "libQt6Quick.so.6", "libQt6QmlMeta.so.6", "libQt6QmlModels.so.6",
                       "libQt6QmlWorkerScript.so.6", "libQt6Qml.so.6")
QT_TRANSLATIONS = "PySide6/Qt/translations"
_NEEDED = re.compile(r"\(NEEDED\)\s+Shared library: \[(?P<name>[^\]]+)\]")


class TrimError(RuntimeError):
    """Something left in the bundle needs a file that was to be dropped; the message names both."""


def needed_libraries(path: Path) -> set[str]:
    """The file names ``path`` (an ELF file) names as needed libraries; empty for anything else."""
    readelf = shutil.which("readelf")
    if readelf is None:
        raise TrimError("trimming the bundle needs readelf (binutils, which comes with the C compiler)")
    done = subprocess.run([readelf, "-d", str(path)], capture_output=True, text=True, check=False)
    return {m["name"] for m in _NEEDED.finditer(done.stdout)} if done.returncode == 0 else set()


def drop(binaries: Iterable[Entry], datas: Iterable[Entry], *, files: Iterable[str] = (),
         folders: Iterable[str] = ()) -> tuple[list[Entry], list[Entry], int]:
    """``binaries`` and ``datas`` without the entries named ``files`` (file names) or lying under
    ``folders`` (destination folders), and the bytes left out; raises TrimError if a binary that
    stays needs one of them."""
    names, under = set(files), [PurePosixPath(f) for f in folders]

    def dropped(dest: str) -> bool:
        path = PurePosixPath(dest.replace("\\", "/"))
        return path.name in names or any(path.is_relative_to(folder) for folder in under)

    kept_binaries: list[Entry] = []
    kept_datas: list[Entry] = []
    gone: list[Entry] = []
    for entries, kept in ((binaries, kept_binaries), (datas, kept_datas)):
        for entry in entries:
            (gone if dropped(entry[0]) else kept).append(entry)
    gone_names = {PurePosixPath(dest).name for dest, _, _ in gone}
    for dest, src, _ in kept_binaries:
        if needs := needed_libraries(Path(src)) & gone_names:
            raise TrimError(f"{dest} needs {', '.join(sorted(needs))}, which the trimmed bundle would leave out")
    size = sum(Path(src).stat().st_size for _, src, _ in gone if Path(src).is_file())
    return kept_binaries, kept_datas, size

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
#: The virtual keyboard's input-method plugin and its own libraries.
QT_VIRTUAL_KEYBOARD = ("libqtvirtualkeyboardplugin.so", "libQt6VirtualKeyboardQml.so.6", "libQt6VirtualKeyboard.so.6")
#: Qt Quick and QML (17 MB): the window never uses them, but Qt Multimedia's FFmpeg plugin (the
#: recordings' player) links them, so they go only when that plugin is not in the bundle.
QT_QUICK = ("libQt6Quick.so.6", "libQt6QmlMeta.so.6", "libQt6QmlModels.so.6", "libQt6QmlWorkerScript.so.6",
            "libQt6Qml.so.6")
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
         folders: Iterable[str] = (), unless_needed: Iterable[str] = ()) -> tuple[list[Entry], list[Entry], int]:
    """``binaries`` and ``datas`` without the entries named ``files`` (file names) or lying under
    ``folders`` (destination folders), and the bytes left out; raises TrimError if a binary that
    stays needs one of them. Libraries named in ``unless_needed`` go too, but only where nothing
    that stays needs them (Qt Quick: the virtual keyboard's alone, unless Qt Multimedia's FFmpeg
    plugin, which links it, is in the bundle)."""
    binaries, datas = list(binaries), list(datas)
    names, under = set(files) | _unneeded(binaries, set(files), set(unless_needed)), [PurePosixPath(f) for f in folders]

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


def _unneeded(binaries: list[Entry], dropped: set[str], optional: set[str]) -> set[str]:
    """The names in ``optional`` that no binary staying in the bundle needs, directly or through
    another optional library that stays."""
    needs = {PurePosixPath(dest).name: needed_libraries(Path(src)) for dest, src, _ in binaries}
    going = set(optional)
    while True:
        staying = [name for name in needs if name not in dropped and name not in going]
        wanted = going & set().union(*(needs[name] for name in staying))
        if not wanted:
            return going
        going -= wanted

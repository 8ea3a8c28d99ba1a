"""The lean bundle's Qt trim (bundling/trim.py) on PySide6's own libraries: Qt Quick and QML go
only where nothing that stays links them, and a file something needs is never silently dropped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bundling.trim import QT_QUICK, TrimError, drop

pytestmark = pytest.mark.skipif(shutil.which("readelf") is None, reason="needs readelf (binutils)")

QT = Path(__import__("PySide6").__file__).parent / "Qt"
PLAYER = QT / "plugins" / "multimedia" / "libffmpegmediaplugin.so"


def _entries(*paths: Path) -> list[tuple[str, str, str]]:
    return [(f"PySide6/Qt/{p.relative_to(QT)}", str(p), "BINARY") for p in paths]


def _quick() -> list[Path]:
    return [QT / "lib" / name for name in QT_QUICK]


@pytest.mark.skipif(not PLAYER.is_file(), reason="PySide6-Addons (Qt Multimedia) not installed")
def test_qt_quick_stays_when_the_players_plugin_links_it() -> None:
    binaries = _entries(QT / "lib" / "libQt6Core.so.6", PLAYER, *_quick())
    kept, _, saved = drop(binaries, [], unless_needed=QT_QUICK)
    names = {Path(dest).name for dest, _, _ in kept}
    assert {"libQt6Quick.so.6", "libQt6Qml.so.6", "libffmpegmediaplugin.so"} <= names
    # Without the player nothing links Qt Quick, and all of it goes (17 MB).
    kept, _, saved = drop([b for b in binaries if "multimedia" not in b[0]], [], unless_needed=QT_QUICK)
    assert {Path(dest).name for dest, _, _ in kept} == {"libQt6Core.so.6"} and saved > 10_000_000


@pytest.mark.skipif(not PLAYER.is_file(), reason="PySide6-Addons (Qt Multimedia) not installed")
def test_dropping_what_a_kept_library_needs_stops_the_build() -> None:
    with pytest.raises(TrimError, match="libffmpegmediaplugin.so needs .*libQt6Quick.so.6"):
        drop(_entries(PLAYER, *_quick()), [], files=QT_QUICK)

"""precis-cli install-desktop writes the menu entry, icons and file-manager actions under XDG_DATA_HOME,
and removes exactly them."""

from __future__ import annotations

import configparser
import struct
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core import paths

pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="freedesktop menus are a Linux thing")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_install_and_uninstall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["install-desktop", "--exec", "/opt/precis/precis"]) == 0
    assert "Installed Precis" in capsys.readouterr().out

    entry = tmp_path / "applications" / "io.github.precis.Precis.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(entry, encoding="utf-8")
    section = parser["Desktop Entry"]
    assert section["Exec"] == "/opt/precis/precis %F"
    assert section["Icon"] == paths.APP_ID
    mimes = section["MimeType"].rstrip(";").split(";")
    for mime in ("application/pdf", "message/rfc822", "text/vtt", "application/x-subrip", "application/vnd.ms-outlook",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"):
        assert mime in mimes

    for size in (16, 32, 48, 64, 128, 256):
        icon = tmp_path / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "io.github.precis.Precis.png"
        assert _png_size(icon) == (size, size)
    svg = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "io.github.precis.Precis.svg"
    assert svg.read_text(encoding="utf-8").startswith("<svg")

    assert main(["install-desktop", "--uninstall"]) == 0
    assert not entry.exists() and not svg.exists()
    assert "Removed 13 file(s)" in capsys.readouterr().out  # entry, 7 icons, 2 scripts, 2 Nemo actions, 1 service menu


def test_entry_in_resources_is_valid() -> None:
    """The shipped entry itself: the keys a desktop needs, Exec taking file lists."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(paths.resource(f"{paths.APP_ID}.desktop"), encoding="utf-8")
    section = parser["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"] == "precis %F"
    assert section["MimeType"].endswith(";") and "text/markdown" in section["MimeType"]

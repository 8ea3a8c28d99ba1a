"""The Settings toggle adds the file-manager actions and removes them again, off the GUI thread."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.settings import Settings
from desktop.gui.settings.settings_dialog import SettingsDialog
from desktop.integration import installer

pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="checks the Linux entries")


def test_toggle_installs_and_removes(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    script = tmp_path / "nautilus" / "scripts" / "Summarize with Precis"
    service_menu = tmp_path / "kio" / "servicemenus" / "io.github.precis.Precis.desktop"

    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert not dialog.file_manager.isChecked()
    dialog.file_manager.setChecked(True)
    dialog.accept()
    worker = dialog.file_manager.worker
    assert worker is not None
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=30_000)
    assert script.is_file() and service_menu.is_file() and installer.is_installed()

    again = SettingsDialog(Settings())
    qtbot.addWidget(again)
    assert again.file_manager.isChecked()  # shows what is installed
    again.accept()
    assert again.file_manager.worker is None  # nothing to change
    again.file_manager.setChecked(False)
    again.accept()
    worker = again.file_manager.worker
    assert worker is not None
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=30_000)
    assert not script.exists() and not service_menu.exists() and not installer.is_installed()

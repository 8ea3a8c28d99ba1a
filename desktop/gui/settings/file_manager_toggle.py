"""The Settings row that adds or removes "Summarize with Precis" in the file manager's right-click
menu: the same install and uninstall as ``precis-cli install-desktop``, run off the GUI thread
(it may refresh the desktop's menu caches), its outcome told in one message."""

from __future__ import annotations

import logging
import sys
import threading

from PySide6.QtWidgets import QCheckBox, QWidget

from desktop.gui.common import messages
from desktop.integration import installer
from desktop.integration.launcher import default_launcher

log = logging.getLogger(__name__)

WHERE = {"win32": "Explorer", "darwin": "Finder"}.get(sys.platform, "Files, Nemo and Dolphin")


class FileManagerToggle(QCheckBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(f"Offer “Summarize with Precis” when you right-click files in {WHERE}", parent)
        self.setObjectName("fileManagerToggle")
        self.setChecked(installer.is_installed())
        self.worker: threading.Thread | None = None

    def apply(self) -> threading.Thread | None:
        """Install or uninstall when the box no longer matches what is installed."""
        wanted = self.isChecked()
        if wanted == installer.is_installed():
            return None
        self.worker = threading.Thread(target=_change, args=(wanted,), name="file-manager-actions", daemon=True)
        self.worker.start()
        return self.worker


def _change(install: bool) -> None:
    try:
        if install:
            installer.install(installer.plan_for(sys.platform, default_launcher()))
            messages.info(f"Right-click files or folders in {WHERE} and pick “Summarize with Precis” or “Summarize "
                          "together with Precis”. A file manager that is open may need to be restarted to show them.")
        else:
            outcome = installer.uninstall()
            kept = f" {len(outcome.kept)} file(s) you edited were left in place." if outcome.kept else ""
            messages.info(f"Precis was removed from the file manager's menu.{kept}")
    except OSError as exc:
        log.exception("file-manager actions")
        messages.error(f"Precis could not {'add' if install else 'remove'} its file-manager actions: "
                       f"{exc.strerror or exc} ({getattr(exc, 'filename', '') or 'your user folders'}).")

"""The tray icon while watching: Open Precis, Pause or Resume watching, and a desktop notification
for each digest (``QSystemTrayIcon.showMessage``; clicking it opens that digest). Where the desktop
has no tray, the window's status bar still says each digest (``gui/window/watching.py``)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QSystemTrayIcon

#: How long a notification stays up (ms; the desktop may choose otherwise).
SHOW_MS = 8000


class WatchTray(QObject):
    open_requested = Signal()
    #: True: pause watching; False: resume.
    pause_toggled = Signal(bool)
    #: A digest's notification was clicked: its History entry.
    entry_requested = Signal(str)

    def __init__(self, icon: QIcon | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if icon is None or icon.isNull():
            icon = QApplication.windowIcon()
        if icon.isNull():
            icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self.icon = QSystemTrayIcon(icon, self)
        self.icon.setObjectName("watchTray")
        # A tray menu has no parent widget to live in: this object keeps it and deletes it.
        self.menu = QMenu()
        self.menu.setObjectName("watchTrayMenu")
        self.open_action = QAction("Open Precis", self)
        self.open_action.triggered.connect(self.open_requested)
        self.pause_action = QAction("Pause Watching", self)
        self.pause_action.setObjectName("trayPauseAction")
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self._on_pause)
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.pause_action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.icon.messageClicked.connect(self._on_message_clicked)
        self.destroyed.connect(self.menu.deleteLater)
        #: (title, text, History entry) of the notifications shown, newest last.
        self.notifications: list[tuple[str, str, str | None]] = []
        self._last_entry: str | None = None

    def set_watching(self, on: bool, status: str = "") -> None:
        """Shown while anything is watched; its tooltip says how it stands."""
        self.icon.setToolTip(f"Precis: {status}" if status else "Precis")
        if on != self.icon.isVisible():
            self.icon.setVisible(on)

    def set_paused(self, paused: bool) -> None:
        self.pause_action.blockSignals(True)
        self.pause_action.setChecked(paused)
        self.pause_action.blockSignals(False)
        self.pause_action.setText("Resume Watching" if paused else "Pause Watching")

    def notify(self, title: str, text: str, entry_id: str | None = None) -> None:
        self.notifications = [*self.notifications[-49:], (title, text, entry_id)]
        self._last_entry = entry_id
        if self.icon.isVisible() and QSystemTrayIcon.isSystemTrayAvailable():
            self.icon.showMessage(title, text, self.icon.icon(), SHOW_MS)

    def _on_pause(self, checked: bool) -> None:
        self.set_paused(checked)
        self.pause_toggled.emit(checked)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()

    def _on_message_clicked(self) -> None:
        if self._last_entry:
            self.entry_requested.emit(self._last_entry)
        else:
            self.open_requested.emit()

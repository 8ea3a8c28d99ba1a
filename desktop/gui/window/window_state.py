"""The main window's saved layout (geometry, toolbar and dock state, splitters, the side tab, the
source view's split between a scanned page's text and its picture) in Qt's own settings file:
window state only, never the app's settings."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from desktop.core import paths
from desktop.gui.window.panes import Panes


def window_settings() -> QSettings:
    return QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)


def save_state(window: QMainWindow, panes: Panes) -> None:
    store = window_settings()
    store.setValue("geometry", window.saveGeometry())
    store.setValue("windowState", window.saveState())
    store.setValue("mainSplitter", panes.splitter.saveState())
    store.setValue("leftSplitter", panes.left_splitter.saveState())
    store.setValue("sideTab", panes.side_tabs.currentIndex())
    for name, share in panes.source_view.body.saved_shares().items():
        store.setValue(f"sourceSplit/{name}", share)
    store.sync()


def restore_state(window: QMainWindow, panes: Panes) -> None:
    store = window_settings()
    for key, restore in (("geometry", window.restoreGeometry), ("windowState", window.restoreState),
                         ("mainSplitter", panes.splitter.restoreState), ("leftSplitter", panes.left_splitter.restoreState)):
        value = store.value(key)
        if isinstance(value, QByteArray) and not value.isEmpty():
            restore(value)
    tab = store.value("sideTab")
    if tab is not None:
        panes.side_tabs.setCurrentIndex(int(tab))
    store.beginGroup("sourceSplit")
    panes.source_view.body.restore_shares({name: store.value(name) for name in store.childKeys()})
    store.endGroup()

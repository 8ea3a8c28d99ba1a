"""Light and dark themes: the Fusion style with a palette, plus a small style sheet of our own.

"system" keeps the platform's palette and picks the matching style sheet, so Precis follows
the desktop's light or dark mode.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop.core import paths

log = logging.getLogger(__name__)

_LIGHT = {
    QPalette.ColorRole.Window: "#f3f4f6",
    QPalette.ColorRole.WindowText: "#1f2328",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f6f8fa",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1f2328",
    QPalette.ColorRole.PlaceholderText: "#8c959f",
    QPalette.ColorRole.Text: "#1f2328",
    QPalette.ColorRole.Button: "#f6f8fa",
    QPalette.ColorRole.ButtonText: "#1f2328",
    QPalette.ColorRole.BrightText: "#cf222e",
    QPalette.ColorRole.Highlight: "#2f6feb",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#0a58ca",
    QPalette.ColorRole.LinkVisited: "#6f42c1",
    QPalette.ColorRole.Mid: "#d0d7de",
    QPalette.ColorRole.Midlight: "#e6e9ed",
    QPalette.ColorRole.Dark: "#afb8c1",
    QPalette.ColorRole.Shadow: "#8c959f",
}

_DARK = {
    QPalette.ColorRole.Window: "#1e2227",
    QPalette.ColorRole.WindowText: "#e6edf3",
    QPalette.ColorRole.Base: "#14171b",
    QPalette.ColorRole.AlternateBase: "#1b1f24",
    QPalette.ColorRole.ToolTipBase: "#2d333b",
    QPalette.ColorRole.ToolTipText: "#e6edf3",
    QPalette.ColorRole.PlaceholderText: "#7d8590",
    QPalette.ColorRole.Text: "#e6edf3",
    QPalette.ColorRole.Button: "#2a2f36",
    QPalette.ColorRole.ButtonText: "#e6edf3",
    QPalette.ColorRole.BrightText: "#ff7b72",
    QPalette.ColorRole.Highlight: "#2f6feb",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#58a6ff",
    QPalette.ColorRole.LinkVisited: "#bc8cff",
    QPalette.ColorRole.Mid: "#3d444d",
    QPalette.ColorRole.Midlight: "#30363d",
    QPalette.ColorRole.Dark: "#0d1117",
    QPalette.ColorRole.Shadow: "#010409",
}


def palette_for(theme: str) -> QPalette:
    colors = _DARK if theme == "dark" else _LIGHT
    pal = QPalette()
    for role, value in colors.items():
        pal.setColor(role, QColor(value))
    disabled = QColor("#6e7781") if theme == "dark" else QColor("#8c959f")
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return pal


def is_dark(app: QGuiApplication) -> bool:
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(app: QApplication, theme: str) -> str:
    """Apply "system", "light" or "dark"; returns the effective one ("light" or "dark")."""
    app.setStyle("Fusion")
    if theme in ("light", "dark"):
        effective = theme
    else:
        scheme = app.styleHints().colorScheme()
        effective = "dark" if scheme == Qt.ColorScheme.Dark else "light"
    # "system" on a desktop without a colour scheme hint keeps a light palette, like Fusion.
    app.setPalette(palette_for(effective))
    app.setStyleSheet(style_sheet(effective))
    app.setProperty("precis_theme", effective)
    return effective


def style_sheet(effective: str) -> str:
    path = paths.resource("styles", f"{effective}.qss")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        log.warning("style sheet %s missing: %s", path, exc)
        return ""


#: A checked point's mark and a flagged point's (its ⚠, its reason), per theme: the palette's own
#: green and amber, readable on its base colour; and the background of the source's words for a
#: fact a flagged point got wrong (orange: apart from the search's yellow and the citation's blue).
_SUPPORT = {"light": ("#1a7f37", "#9a6700", "#ffc680"), "dark": ("#3fb950", "#d29922", "#7a3d00")}


def support_colours(palette: QPalette) -> tuple[QColor, QColor, QColor]:
    """(checked, flagged, mismatched words) colours for ``palette`` (light or dark by its base colour)."""
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    return tuple(QColor(c) for c in _SUPPORT["dark" if dark else "light"])  # type: ignore[return-value]

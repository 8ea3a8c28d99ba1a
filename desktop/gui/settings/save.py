"""Saving the user's settings from the window: a disk that refuses (full, read-only, a folder in
the file's place) is one message, never a traceback; the settings still apply until Precis closes."""

from __future__ import annotations

from desktop.core.settings import Settings, save_settings, settings_file
from desktop.gui.common import messages


def save_or_say(settings: Settings) -> bool:
    """Save ``settings``; False (and one message) when they could not be written."""
    try:
        save_settings(settings)
    except OSError as exc:
        messages.error(f"Your settings could not be saved to {settings_file()} ({exc.strerror or exc}). They apply "
                       "until Precis closes.")
        return False
    return True

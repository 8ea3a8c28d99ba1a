"""Where Precis keeps the user's data, in one place.

``PRECIS_HOME`` moves everything (settings, model store, caches, history, logs) into one
folder, for tests and portable installs. Without it we follow the platform's conventions via
platformdirs. The model store alone can be moved by a setting (``Settings.model_store``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "Precis"
APP_ID = "io.github.precis.Precis"


def home() -> Path | None:
    value = os.environ.get("PRECIS_HOME")
    return Path(value).expanduser().resolve() if value else None


def _dir(kind: str) -> Path:
    base = home()
    if base is not None:
        path = base / kind
    else:
        path = Path(
            {
                "config": platformdirs.user_config_dir,
                "data": platformdirs.user_data_dir,
                "cache": platformdirs.user_cache_dir,
                "logs": platformdirs.user_log_dir,
            }[kind](APP_NAME, appauthor=False)
        )
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    return _dir("config")


def data_dir() -> Path:
    return _dir("data")


def cache_dir() -> Path:
    return _dir("cache")


def log_dir() -> Path:
    return _dir("logs")


def default_model_store() -> Path:
    path = data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def history_db() -> Path:
    return data_dir() / "history.sqlite3"


def chunk_cache_db() -> Path:
    return cache_dir() / "summaries.sqlite3"


def resource_root() -> Path:
    """The ``resources/`` folder, in a source checkout, an installed package or a PyInstaller bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "resources", here.parents[1] / "resources"):
        if candidate.is_dir():
            return candidate
    return here.parents[2] / "resources"


def resource(*parts: str) -> Path:
    return resource_root().joinpath(*parts)


def catalog_path() -> Path:
    """The checked-in model catalog (``models/catalog.json``), also inside a bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "models" / "catalog.json"
    return Path(__file__).resolve().parents[2] / "models" / "catalog.json"

"""A keyring backend of the tests' own, kept in a JSON file named by ``$PRECIS_TEST_KEYRING``, so
the spawned child that lists an IMAP account's folders and the test see the same keyring (what
Secret Service or the macOS Keychain is on a desktop). Chosen with
``PYTHON_KEYRING_BACKEND=tests.gui.mailboxes._keyring.FileKeyring`` (and ``keyring.set_keyring``
in the test's own process)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend, properties


def _file() -> Path:
    return Path(os.environ["PRECIS_TEST_KEYRING"])


def _load() -> dict[str, str]:
    try:
        return json.loads(_file().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


class FileKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:  # type: ignore[override]
        # keyring registers every backend class it sees: this one is never chosen by itself, so a
        # test that only imports it leaves the machine's own backend (or its absence) as it is.
        if "PRECIS_TEST_KEYRING" not in os.environ:
            raise RuntimeError("only for the tests that set PRECIS_TEST_KEYRING")
        return 1

    def get_password(self, service: str, username: str) -> str | None:
        return _load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = _load()
        items[f"{service}\0{username}"] = password
        _file().write_text(json.dumps(items), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        items = _load()
        items.pop(f"{service}\0{username}", None)
        _file().write_text(json.dumps(items), encoding="utf-8")

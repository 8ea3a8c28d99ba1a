"""IMAP passwords: kept in the system keyring where there is one; on a machine without one (this
one, CI, a server) kept in memory for the session, so Precis asks once per session and writes
the password nowhere."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from desktop.core.mailstores import credentials

KEY = "imaps://alice@mail.example.com:993"


def _memory_keyring() -> KeyringBackend:
    """A keyring backend of the test's own, through keyring's real API (what Secret Service or
    the macOS Keychain would be on a desktop). Defined only once keyring has chosen this machine's
    backend: keyring registers every backend class, and would otherwise pick this one itself."""

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.items: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.items.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.items[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.items.pop((service, username), None)

    return MemoryKeyring()


@pytest.fixture
def headless() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def desktop_keyring() -> Iterator[KeyringBackend]:
    previous = keyring.get_keyring()
    backend = _memory_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_without_a_keyring_the_password_lives_in_memory_for_the_session(headless: None) -> None:
    assert not credentials.keyring_available()
    assert credentials.lookup(KEY) is None
    assert credentials.remember(KEY, "s3cret") is False, "no keyring took it"
    assert credentials.lookup(KEY) == "s3cret"
    credentials.clear_session()  # a new session: asked again
    assert credentials.lookup(KEY) is None


def test_with_a_keyring_the_password_is_kept_there(desktop_keyring: KeyringBackend) -> None:
    assert credentials.keyring_available()
    assert credentials.remember(KEY, "s3cret") is True
    assert desktop_keyring.items == {(credentials.SERVICE, KEY): "s3cret"}
    credentials.clear_session()
    assert credentials.lookup(KEY) == "s3cret", "a new session finds it in the keyring"
    credentials.forget(KEY)
    assert credentials.lookup(KEY) is None and not desktop_keyring.items


def test_a_password_given_for_one_run_is_not_kept(desktop_keyring: KeyringBackend) -> None:
    assert credentials.remember(KEY, "from-the-environment", keep=False) is False
    assert not desktop_keyring.items and credentials.lookup(KEY) == "from-the-environment"


def test_the_machine_this_runs_on_has_no_keyring_and_that_is_handled() -> None:
    # The default backend here is keyring's "fail" one (no Secret Service, no D-Bus session).
    if credentials.keyring_available():
        pytest.skip("this machine has a keyring backend")
    assert credentials.remember(KEY, "pw") is False and credentials.lookup(KEY) == "pw"

"""Fixtures of the mail-store tests: a real Dovecot on 127.0.0.1 (one per test session and xdist
worker group) and a clean password memory for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.mailstores._dovecot import Dovecot, dovecot_available


def running(server_class: type[Dovecot] = Dovecot) -> Iterator[Dovecot]:
    """A started server of the class, removed at the end (skips where Dovecot is not installed)."""
    if not dovecot_available():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd; .ci/run installs it)")
    server = server_class()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    yield from running()


@pytest.fixture(autouse=True)
def _no_remembered_passwords() -> Iterator[None]:
    from desktop.core.mailstores import credentials

    credentials.clear_session()
    yield
    credentials.clear_session()


@pytest.fixture
def pst_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "pst"

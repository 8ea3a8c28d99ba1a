"""Fixtures of the mail-store tests: a real Dovecot on 127.0.0.1 (one per test session and xdist
worker group) and a clean password memory for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.mailstores._dovecot import Dovecot, dovecot_available


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not dovecot_available():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd; .ci/run installs it)")
    server = Dovecot()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(autouse=True)
def _no_remembered_passwords() -> Iterator[None]:
    from desktop.core.mailstores import credentials

    credentials.clear_session()
    yield
    credentials.clear_session()


@pytest.fixture
def pst_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "pst"

"""A mail server that misbehaves (huge literals, endless lines, a trickle, a flood, a dropped or
silent connection, no TLS, bytes injected before TLS) costs one sentence and a few seconds,
never the process's memory or an endless wait."""

from __future__ import annotations

import time

import pytest

from desktop.core.errors import MailServerError
from desktop.core.mailstores import MailOptions, list_folders, read_mail
from tests.core.mailstores._dovecot import make_certificate
from tests.core.mailstores._hostile_imap import HostileServer


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory):  # -> tuple[Path, Path]
    return make_certificate(tmp_path_factory.mktemp("hostile-cert"))


def _read(server: HostileServer, cert, *, scheme: str = "imaps", timeout: float = 1.0) -> MailServerError:
    options = MailOptions(cafile=str(cert[0]), timeout=timeout)
    started = time.monotonic()
    with pytest.raises(MailServerError) as err:
        read_mail(f"{scheme}://alice@127.0.0.1:{server.port}/INBOX", options, password="pw")
    assert time.monotonic() - started < 15
    assert err.value.message.count(". ") <= 1 and err.value.message.endswith(".")
    return err.value


def test_a_huge_literal_is_refused_without_reading_it(cert) -> None:
    with HostileServer("literal", *cert, when="FETCH") as server:
        err = _read(server, cert)
    assert "announced 99,999,999,999 bytes at once" in err.message and "listing messages" in err.message


def test_an_endless_line_is_cut_off(cert) -> None:
    with HostileServer("endless", *cert) as server:
        err = _read(server, cert)
        assert server.sent < 32 * 1024 * 1024
    assert "sent a line longer than 4 MB" in err.message and "listing the folders" in err.message


def test_a_flood_of_lines_is_cut_off(cert) -> None:
    with HostileServer("flood", *cert) as server:
        err = _read(server, cert)
    assert "sent more than 16 MB in answer to one command" in err.message


def test_a_trickle_meets_the_deadline(cert) -> None:
    with HostileServer("trickle", *cert, when="SEARCH") as server:
        started = time.monotonic()
        err = _read(server, cert, timeout=1.0)
        assert time.monotonic() - started < 8
    assert "took longer than Precis waits for one answer" in err.message and "searching" in err.message


def test_a_dropped_connection_is_one_sentence(cert) -> None:
    with HostileServer("drop", *cert, when="LOGIN") as server:
        err = _read(server, cert)
    assert "closed the connection" in err.message or "dropped" in err.message


def test_a_silent_server_times_out(cert) -> None:
    with HostileServer("silent", *cert) as server:
        err = _read(server, cert, timeout=1.0)
    assert "1 seconds" in err.message or "did not answer" in err.message


def test_a_server_without_starttls_is_refused(cert) -> None:
    with HostileServer("no-starttls", *cert) as server:
        err = _read(server, cert, scheme="imap")
    assert "offers no encrypted connection (STARTTLS)" in err.message and "never sends a password unencrypted" in err.message


def test_bytes_injected_before_tls_are_refused(cert) -> None:
    with HostileServer("inject", *cert) as server:
        err = _read(server, cert, scheme="imap")
    assert "sent data before the encryption began" in err.message


def test_listing_folders_of_a_hostile_server_is_one_sentence_too(cert) -> None:
    with HostileServer("literal", *cert, when="LIST") as server, pytest.raises(MailServerError, match="announced"):
        list_folders(f"imaps://alice@127.0.0.1:{server.port}", options=MailOptions(cafile=str(cert[0]), timeout=1),
                     password="pw")

"""IMAP passwords: the system's keyring (``keyring``: Secret Service, macOS Keychain, Windows
Credential Locker) when there is one, and this process's memory otherwise, so a machine without a
keyring (a server, a container) asks once per session instead of failing or writing the password
to a file."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

SERVICE = "Precis IMAP"
#: Passwords typed or given in this session, by account key; never written anywhere.
_SESSION: dict[str, str] = {}


def lookup(account_key: str) -> str | None:
    """The password for the account: this session's, else the keyring's, else None."""
    if account_key in _SESSION:
        return _SESSION[account_key]
    try:
        import keyring

        value = keyring.get_password(SERVICE, account_key)
    except Exception as exc:  # noqa: BLE001 - no backend (NoKeyringError), a locked or absent D-Bus service...
        log.info("no keyring to read the IMAP password from: %s", type(exc).__name__)
        return None
    return value if isinstance(value, str) and value else None


def in_session(account_key: str) -> str | None:
    """The password given in this session, without asking the keyring (which may block on a
    locked desktop keyring: the window asks it only off its own thread)."""
    return _SESSION.get(account_key)


def remember(account_key: str, password: str, *, keep: bool = True) -> bool:
    """Keep the password for this session and, with ``keep``, in the keyring. True when the
    keyring took it; False when it is kept in memory only (no keyring on this machine)."""
    _SESSION[account_key] = password
    if not keep:
        return False
    try:
        import keyring

        keyring.set_password(SERVICE, account_key, password)
    except Exception as exc:  # noqa: BLE001 - as in lookup: no usable backend here
        log.info("no keyring to keep the IMAP password in: %s", type(exc).__name__)
        return False
    return True


def forget(account_key: str, *, session_only: bool = False) -> None:
    """Drop the password from this session and (unless ``session_only``) the keyring: a password
    the server refused, or an account the user removed."""
    _SESSION.pop(account_key, None)
    if session_only:
        return
    try:
        import keyring

        keyring.delete_password(SERVICE, account_key)
    except Exception as exc:  # noqa: BLE001 - nothing kept there, or no keyring
        log.info("no IMAP password to forget in the keyring: %s", type(exc).__name__)


def keyring_available() -> bool:
    """True when a real keyring backend is configured (not keyring's 'fail' or 'null' ones)."""
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001
        return False
    return getattr(backend, "priority", 0) > 0 and type(backend).__module__.split(".")[-1] not in ("fail", "null")


def clear_session() -> None:
    _SESSION.clear()

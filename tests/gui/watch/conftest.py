"""The watched-mailbox tests use the mail-store tests' real Dovecot on 127.0.0.1 and start each
test with no IMAP password remembered."""

from tests.core.mailstores.conftest import _no_remembered_passwords, dovecot

__all__ = ["_no_remembered_passwords", "dovecot"]

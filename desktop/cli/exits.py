"""The CLI's exit codes and its one way of saying why it stops: 0 success, 1 some input failed (the
rest was still processed), 2 a usage error, 130 cancelled. A typed error a subcommand does not
catch reaches ``desktop.cli.main``, which ends it here."""

from __future__ import annotations

import sys

from desktop.core.errors import PrecisError

OK, FAILED, USAGE, CANCELLED = 0, 1, 2, 130


def fail(reason: PrecisError | str, code: int = FAILED) -> int:
    """Say why on stderr ("precis-cli: <sentence>") and give the exit code."""
    print(f"precis-cli: {reason if isinstance(reason, str) else reason.message}", file=sys.stderr)
    return code


def cancelled(message: str = "Cancelled.") -> int:
    """Say the run was cancelled (and how to go on, where there is a way) and give 130."""
    print(message, file=sys.stderr)
    return CANCELLED

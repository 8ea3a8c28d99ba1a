"""precis-cli: the command-line face of the Qt-free core.

Each subcommand lives in its own module with ``register(subparsers)``; exit codes are 0 for
success, 1 when some input failed (the rest is still processed), 2 for usage errors, 130 when
cancelled (``exits``): a typed error a subcommand lets through ends here as one sentence.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import multiprocessing
import sys
from collections.abc import Sequence

from desktop import __version__
from desktop.cli.exits import FAILED, USAGE, cancelled, fail
from desktop.core.errors import Cancelled, PrecisError, TemplateError

#: subcommand modules, each exposing register(subparsers) which sets ``func`` on its parser.
COMMANDS = ("extract", "summarize", "batch", "eval", "verify", "models", "finetune", "install_desktop", "rollup", "watch", "templates")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="precis-cli",
        description="Summarize documents on your own machine with a local FLAN-T5.",
    )
    parser.add_argument("--version", action="version", version=f"precis {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"desktop.cli.{name}_cmd")
        except ModuleNotFoundError as exc:
            if exc.name != f"desktop.cli.{name}_cmd":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Model conversion runs in a spawned child; in a PyInstaller bundle that child re-enters here.
    multiprocessing.freeze_support()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return USAGE
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return cancelled()
    except Cancelled as exc:
        return cancelled(exc.message)
    except PrecisError as exc:
        return fail(exc, USAGE if isinstance(exc, TemplateError) else FAILED)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

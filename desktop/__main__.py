"""Start-up of the desktop app (``precis [FILE...]``): freeze support, logging, crash capture,
then the window.

Kept light on purpose: only the standard library runs before Qt, and nothing here imports
torch, transformers or ctranslate2 (the worker process loads the model, on first use).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse
import faulthandler
import logging
import logging.handlers
import multiprocessing
import sys
from collections.abc import Sequence
from typing import IO

from desktop import __version__

LOG_FILE = "precis.log"
CRASH_FILE = "crash.log"
_crash_stream: IO[str] | None = None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="precis", description="Summarize documents on your own machine.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="files or folders to summarize (queued as one job)")
    parser.add_argument("--version", action="version", version=f"precis {__version__}")
    parser.add_argument("--debug", action="store_true", help="log debug details to the log file")
    # For the start-up test and packaging checks: show the window, print timing as JSON, quit.
    parser.add_argument("--quit-after-start", action="store_true", help=argparse.SUPPRESS)
    # Qt passes its own options (-platform, -style...) through argv; leave them to Qt.
    args, _unknown = parser.parse_known_args(argv)
    return args


def setup_logging(debug: bool = False) -> None:
    """A rotating log in the user log folder; warnings also go to stderr when there is one."""
    from desktop.core import paths

    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s")
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            paths.log_dir() / LOG_FILE, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(fmt)
    root.addHandler(handler)
    if sys.stderr is not None:
        console = logging.StreamHandler()
        console.setLevel(logging.WARNING)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)


def enable_faulthandler() -> None:
    """A hard crash (segfault in a native library) leaves its Python stacks in crash.log."""
    global _crash_stream
    from desktop.core import paths

    try:
        _crash_stream = open(paths.log_dir() / CRASH_FILE, "a", encoding="utf-8")  # noqa: SIM115 - open for the process lifetime
        faulthandler.enable(_crash_stream, all_threads=True)
    except OSError:
        if sys.stderr is not None:
            faulthandler.enable()


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()
    try:
        # The worker process must not inherit Qt's threads and state: always spawn.
        multiprocessing.set_start_method("spawn")
    except RuntimeError:
        pass
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from desktop.core.settings import load_settings

    setup_logging(args.debug or load_settings().debug_logging)
    enable_faulthandler()
    logging.getLogger(__name__).info("precis %s starting (python %s)", __version__, sys.version.split()[0])

    from desktop.gui.app import run

    return run(args.files, quit_after_start=args.quit_after_start, started=_STARTED)


if __name__ == "__main__":
    sys.exit(main())

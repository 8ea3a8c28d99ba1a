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
#: How long a launch waits for a window another launch is starting (its start lock held).
START_WAIT_S = 10.0
CRASH_FILE = "crash.log"
_crash_stream: IO[str] | None = None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="precis", description="Summarize documents on your own machine.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="files or folders to summarize (queued as one job)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--summarize", dest="action", action="store_const", const="summarize", default="open",
                        help="summarize each FILE or folder into its own digest, in the running window")
    action.add_argument("--summarize-together", dest="action", action="store_const", const="summarize-together",
                        help="summarize all FILEs together into one digest, in the running window")
    parser.add_argument("--new-instance", action="store_true",
                        help="open a new window even when Precis is already running")
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

    listen = not (args.new_instance or args.quit_after_start)
    if listen:
        outcome, listen = hand_over(args.files, args.action)
        if outcome == "delivered":
            return 0

    from desktop.gui.app import run

    return run(args.files, quit_after_start=args.quit_after_start, started=_STARTED, action=args.action, listen=listen)


def hand_over(files: Sequence[str], action: str) -> tuple[str, bool]:
    """Give the files to the Precis window already running for this user, if one answers.
    Returns the outcome and whether this process should listen itself: not when a window holds
    the name but did not answer in time (it may be busy; a new window opens beside it)."""
    from desktop.gui.intake.single_instance import ABSENT, DELIVERED, send_to_running
    from desktop.integration import handoff
    from desktop.integration.instance_socket import UnsafeSocketFolder, server_name, take_start_lock

    log = logging.getLogger(__name__)
    try:
        name = server_name()
    except UnsafeSocketFolder as exc:
        log.warning("%s Opening a window of its own.", exc.message)
        return "unsafe", False
    message = handoff.make(files, action)
    outcome = send_to_running(message, name)
    if outcome == ABSENT and not take_start_lock():
        # Another launch is opening the window right now (a file manager starting one process
        # per file): wait for it to listen rather than open a second window.
        deadline = time.monotonic() + START_WAIT_S
        while outcome == ABSENT and time.monotonic() < deadline:
            time.sleep(0.1)
            outcome = send_to_running(message, name)
    if outcome == DELIVERED:
        log.info("handed %d item(s) to the running Precis window", len(files))
    elif outcome != ABSENT:
        log.warning("the running Precis window did not take the files (%s); opening a new window", outcome)
    return outcome, outcome == ABSENT


if __name__ == "__main__":
    sys.exit(main())

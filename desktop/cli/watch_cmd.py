"""precis-cli watch: summarize what arrives in folders and mailboxes, headless (a home server);
SIGTERM stops it cleanly."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from desktop.cli.exits import USAGE, fail
from desktop.cli.mail_options import add_watch_mail_options, imap_passwords, mail_options
from desktop.cli.ocr_options import add_ocr_options
from desktop.cli.summarize_cmd import add_engine_options, spec_from_args
from desktop.core.errors import PrecisError
from desktop.core.watch.events import Digested, Failed, Queued, StateChanged, WatchEvent, WatchNotice
from desktop.core.watch.settle import POLL_S, SETTLE_S
from desktop.ml.batch.plan import FORMATS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watch", help="summarize new and changed files in folders, and new mail in mailboxes, as they arrive (headless)",
        description="Watch folders: each new or changed file Precis reads is summarized once it has stopped changing, "
                    "in one low-priority worker; digests go to History and, with --out, to DIR. What is done is kept "
                    "in the manifest (DIR/manifest.jsonl, else the data folder), so a restart redoes nothing. "
                    "A .precisignore file in a folder (gitignore syntax) leaves files out. Watch mailboxes: the mail "
                    "that arrives in a mail store or an IMAP account after watching began is summarized, one digest "
                    "per folder per look, citing each message (nothing is marked read). SIGTERM or Ctrl-C stops it.")
    p.add_argument("srcs", nargs="+", metavar="SRC",
                   help="folders to watch (with their subfolders), mail stores (a Maildir, a Thunderbird profile or "
                        "folder, Apple Mail's folders) or imap(s):// addresses")
    p.add_argument("--out", type=Path, metavar="DIR", help="also write each digest here, mirroring the folders")
    p.add_argument("--format", dest="fmt", choices=tuple(FORMATS), default="md", help="md, json or both (with --out)")
    p.add_argument("--no-history", action="store_true", help="do not add the digests to History")
    p.add_argument("--settle", type=float, default=SETTLE_S, metavar="S",
                   help=f"seconds a file must stay unchanged before it is summarized (default {SETTLE_S:g})")
    p.add_argument("--poll", type=float, default=POLL_S, metavar="S", help=f"seconds between looks (default {POLL_S:g})")
    p.add_argument("--no-recursive", action="store_true", help="only the files directly in each folder")
    p.add_argument("--once", action="store_true", help="summarize what is there now, then exit")
    add_watch_mail_options(p)
    add_engine_options(p)
    add_ocr_options(p)
    p.add_argument("--quiet", action="store_true", help="only digests and failures on stderr")
    p.set_defaults(func=run)


def _printer(quiet: bool):  # -> Callable[[WatchEvent], None]
    def show(event: WatchEvent) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(event.at))
        if isinstance(event, Digested):
            where = f" -> {', '.join(event.outputs)}" if event.outputs else ""
            print(f"{stamp} digested {event.name} ({event.seconds:.1f} s): {event.title}{where}", file=sys.stderr, flush=True)
        elif isinstance(event, Failed):
            print(f"{stamp} failed {event.name}: {event.message}", file=sys.stderr, flush=True)
        elif quiet:
            return
        elif isinstance(event, Queued):
            print(f"{stamp} queued {event.name} ({event.reason})", file=sys.stderr, flush=True)
        elif isinstance(event, StateChanged):
            print(f"{stamp} {event.state}", file=sys.stderr, flush=True)
        elif isinstance(event, WatchNotice):
            print(f"{stamp} {event.text}", file=sys.stderr, flush=True)
    return show


def run(args: argparse.Namespace) -> int:
    if args.settle < 0 or args.poll <= 0:
        return fail("--settle must be 0 or more and --poll more than 0", USAGE)
    from desktop.ml.watch.watcher import Watcher, WatchOptions, folder_sources  # pathspec: only when watching

    if args.mail_poll <= 0:
        return fail("--mail-poll must be more than 0", USAGE)
    try:
        sources = folder_sources(args.srcs, recursive=not args.no_recursive, mail=mail_options(args),
                                 passwords=imap_passwords(args.srcs), mail_check_s=args.mail_poll,
                                 idle=not args.no_idle)
        options = WatchOptions(sources, out_dir=args.out, fmt=args.fmt, history=not args.no_history,
                               settle_s=args.settle, poll_s=args.poll)
        watcher = Watcher(options, spec_from_args(args, []), _printer(args.quiet))
    except PrecisError as exc:
        return fail(exc, USAGE)
    failed = [0]
    show = watcher.on_event

    def count(event: WatchEvent) -> None:
        if isinstance(event, Failed):
            failed[0] += 1
        show(event)

    watcher.on_event = count

    def stop(signum: int, frame: FrameType | None) -> None:
        # The loop thread does the stopping; a signal handler only asks.
        threading.Thread(target=watcher.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        watcher.run(once=args.once)
    except PrecisError as exc:
        return fail(exc)
    return 1 if args.once and failed[0] else 0

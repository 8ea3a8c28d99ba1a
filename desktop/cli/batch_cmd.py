"""precis-cli batch: one digest per file (or per folder, mail store or IMAP folder) into a mirrored
output folder, resumable through DIR/manifest.jsonl, on local worker processes or a Ray cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli.batch_view import BatchView
from desktop.cli.exits import USAGE, cancelled, fail
from desktop.cli.mail_options import add_mail_options
from desktop.cli.ocr_options import add_ocr_options
from desktop.cli.recording_options import add_recording_options
from desktop.cli.summarize_cmd import add_engine_options, spec_from_args
from desktop.core.ingest import is_mail_address
from desktop.ml.batch.plan import FORMATS, TOGETHER
from desktop.ml.batch.runner import BatchOptions, run_batch

GO_ON = "Cancelled; the manifest is consistent: run the same command to go on."


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch", help="summarize many files into a folder of digests; rerun to resume",
        description="One digest per file (or per folder) written into DIR, mirroring the sources. "
                    "DIR/manifest.jsonl records every file; running the same command again skips what is "
                    "done, retries failures and redoes changed files.")
    p.add_argument("srcs", nargs="+", metavar="SRC",
                   help="files, folders, mail stores and imap(s):// addresses to summarize (a store is one unit, "
                        "one digest; on an IMAP account, each folder chosen by the address or --folder is one)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder (created if needed)")
    p.add_argument("--recursive", action="store_true", help="include subfolders of SRC folders")
    p.add_argument("--together", choices=TOGETHER, default="none",
                   help="folder: one digest per folder of the files directly in it; none: one per file")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes, each with its own model (default: one per core, as many as fit in memory)")
    p.add_argument("--format", dest="fmt", choices=tuple(FORMATS), default="md", help="md, json or both")
    p.add_argument("--cluster", metavar="ray|ray://HOST:PORT",
                   help="run on Ray: 'ray' starts a local Ray for this run; an address joins a cluster")
    p.add_argument("--shared-fs", action="store_true",
                   help="with --cluster: every node sees the sources at the same paths (else their bytes are sent)")
    add_engine_options(p)
    add_ocr_options(p)
    add_mail_options(p)
    add_recording_options(p)
    p.add_argument("--query", help="ask each file a question instead of summarizing it")
    p.add_argument("--password", help="password for encrypted PDFs")
    p.add_argument("--no-progress", action="store_true", help="no live bar (one line per file is still written)")
    p.add_argument("--quiet", action="store_true", help="only failures and the summary table on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        return fail("--workers must be at least 1", USAGE)
    if args.shared_fs and not args.cluster:
        return fail("--shared-fs only applies with --cluster", USAGE)
    missing = [s for s in args.srcs if not is_mail_address(s) and not Path(s).exists()]
    if missing:
        return fail(f"{missing[0]} does not exist", USAGE)
    spec = spec_from_args(args, list(args.srcs))  # IMAP passwords: the keyring, $PRECIS_IMAP_PASSWORD or a prompt
    options = BatchOptions(srcs=list(args.srcs), out_dir=args.out, recursive=args.recursive, together=args.together,
                           fmt=args.fmt, workers=args.workers, cluster=args.cluster, shared_fs=args.shared_fs)
    view = BatchView(False if args.no_progress else None, quiet=args.quiet)
    try:
        summary = run_batch(options, spec, on_row=view.on_row, on_plan=view.on_plan, on_event=view)
    except KeyboardInterrupt:
        view.close()
        return cancelled(GO_ON)
    finally:
        view.close()
    if summary.total == 0:
        hint = "" if args.recursive else " (add --recursive to include subfolders)"
        return fail(f"no files Precis reads were found in {', '.join(args.srcs)}{hint}.")
    print(view.summary_table(summary), file=sys.stderr)
    if summary.cancelled:
        return cancelled(GO_ON)
    return 1 if summary.failed else 0

"""precis-cli rollup: one page over many digests: decisions, what I owe, what I am owed, deadlines."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from desktop.cli.exits import USAGE, fail
from desktop.cli.progress import ProgressBar
from desktop.cli.summarize_cmd import add_engine_options, spec_from_args
from desktop.core.atomic import atomic_write_bytes, atomic_write_text
from desktop.core.errors import Cancelled, PrecisError, TemplateError
from desktop.core.history import History
from desktop.core.ingest import expand_paths
from desktop.core.prompting.templates import load_template
from desktop.core.rollup.build import Rolled, build_rollup, shape_rollup
from desktop.core.rollup.collect import digest_from_json, from_history, parse_period
from desktop.core.rollup.people import Me
from desktop.core.rollup.render import to_json, to_markdown
from desktop.core.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rollup", help="one page over many digests: decisions, what I owe, what I'm owed, deadlines",
        description="Roll up digests already made (History, digest .json files) and files summarized now: the "
                    "period's decisions, what you owe and are owed, and the deadlines in date order; items that say "
                    "the same thing in a mail and a meeting become one with both citations.")
    p.add_argument("srcs", nargs="+", metavar="SRC",
                   help="'history' (everything in History), digest .json files, or files and folders to summarize")
    p.add_argument("--since", help="first day: YYYY-MM-DD, today, yesterday, this week, last week, this month, N days")
    p.add_argument("--until", help="last day (same forms); default: the end of a named --since period, else open")
    p.add_argument("--me", action="append", metavar='"NAME <ADDRESS>"',
                   help="who you are (repeat, or ';' between forms); default: Settings")
    p.add_argument("--format", choices=("md", "json", "ics"), default=None, help="default: from --out, else md")
    p.add_argument("--out", type=Path, help="write to FILE (default: stdout)")
    add_engine_options(p)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    fmt = args.format or (args.out.suffix.lstrip(".").lower() if args.out and args.out.suffix.lower() in (".md", ".json", ".ics") else "md")
    me = Me.parse(args.me if args.me else load_settings().me)
    try:
        template = load_template(args.template or "rollup")
        if template.kind != "rollup":
            raise TemplateError(f"The template “{template.name}” is a {template.kind} template; a roll-up needs a rollup "
                                "template (kind = \"rollup\"), such as “rollup”.")
        args.template = None  # the files summarized for the roll-up get the usual digest
        since, until = parse_period(args.since, args.until)
        rolled, failed = _collect(args)
    except PrecisError as exc:
        if isinstance(exc, Cancelled):
            raise
        return fail(exc, USAGE)
    rollup = shape_rollup(build_rollup(rolled, me, since, until), template)
    if fmt == "ics":
        from desktop.core.rollup.ics import to_ics  # icalendar: only for the calendar file
    data = to_ics(rollup) if fmt == "ics" else (to_json(rollup) if fmt == "json" else to_markdown(rollup)).encode("utf-8")
    if args.out:
        try:
            atomic_write_bytes(args.out, data) if fmt == "ics" else atomic_write_text(args.out, data.decode("utf-8"))
        except OSError as exc:
            return fail(f"could not write {args.out}: {exc.strerror or exc}")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 1 if failed else 0


def _collect(args: argparse.Namespace) -> tuple[list[Rolled], int]:
    rolled: list[Rolled] = []
    to_summarize: list[str] = []
    for src in args.srcs:
        if src == "history":
            rolled += from_history(History())
            continue
        path = Path(src)
        if not path.exists():
            raise PrecisError(f"{src} does not exist.")
        found = digest_from_json(path) if path.is_file() and path.suffix.lower() == ".json" else None
        if found is not None:
            rolled.append(found)
        else:
            to_summarize.append(src)
    failed = 0
    if to_summarize:
        from desktop.ml.engine.job import EnginePool, run_job

        pool = EnginePool()
        bar = ProgressBar(False if args.no_progress else None)
        try:
            for f in expand_paths(to_summarize):
                result = run_job(spec_from_args(args, [str(f)]), on_event=bar, pool=pool)
                if result.errors:
                    failed += 1
                    for e in result.errors:
                        fail(e["message"])
                    continue
                rolled.append(Rolled(result.digest, datetime.fromtimestamp(f.stat().st_mtime).date()))
        finally:
            bar.close()
            pool.close()
    return rolled, failed

"""precis-cli templates: the digest templates there are (shipped and your own), or one of them."""

from __future__ import annotations

import argparse
import sys

from desktop.cli.exits import USAGE, fail
from desktop.core.errors import TemplateError
from desktop.core.prompting.templates import list_templates, load_template, template_dirs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("templates", help="list digest templates, or show one (--template NAME|FILE picks one per job)",
                       description="Digest templates name a digest's sections, each with its instruction and length. "
                                   f"Your own go in {template_dirs()[0]} (a file with a shipped name replaces it); "
                                   "copy a shipped one to start.")
    p.add_argument("name", nargs="?", metavar="NAME|FILE", help="show this template's file (and check it)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.name:
        try:
            template = load_template(args.name)
        except TemplateError as exc:
            return fail(exc, USAGE)
        assert template.path is not None
        sys.stdout.write(f"# {template.path}\n# id: {template.id}\n")
        sys.stdout.write(template.path.read_text(encoding="utf-8"))
        return 0
    for t in list_templates():
        where = "shipped" if t.builtin else str(t.path)
        sections = ", ".join(s.id for s in t.sections)
        print(f"{t.name:<12} {t.kind:<7} v{t.version}  {t.title}: {sections}  ({where})")
    return 0

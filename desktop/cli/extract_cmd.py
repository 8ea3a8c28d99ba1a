"""precis-cli extract: read files and folders (recordings transcribed) and print their blocks with locators."""

from __future__ import annotations

import argparse
import json
import sys

from desktop.cli.mail_options import add_mail_options, imap_passwords, mail_options
from desktop.cli.ocr_options import add_ocr_options, ocr_options
from desktop.cli.progress import ProgressBar
from desktop.cli.recording_options import add_recording_options, recording_limits, recording_options
from desktop.core.document import Document
from desktop.core.ingest import iter_documents
from desktop.core.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="print the text Precis reads from files, with locators")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="files, folders (read recursively), mail stores or imap(s):// addresses")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--password", help="password for encrypted PDFs")
    add_ocr_options(p)
    add_mail_options(p)
    add_recording_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    limits = recording_limits(args, settings.limits())
    docs: list[dict] = []
    errors: list[dict] = []
    ocr = ocr_options(args)
    bar = ProgressBar()  # on a terminal only: recognizing a long scan or transcribing a recording takes a while
    mail = mail_options(args)
    outcomes = iter_documents(args.paths, limits=limits, password=args.password, ocr=ocr, on_event=bar, mail=mail,
                              passwords=imap_passwords(args.paths), recording=recording_options(args))
    for outcome in outcomes:
        bar.close()
        if outcome.error is not None:
            errors.append({"path": str(outcome.path), "error": outcome.error.name, "message": outcome.error.message})
            print(f"{outcome.path}: {outcome.error.message}", file=sys.stderr)
            continue
        assert outcome.document is not None
        if args.format == "json":
            docs.append(outcome.document.to_dict())
        else:
            _print_text(outcome.document)
    if args.format == "json":
        json.dump({"documents": docs, "errors": errors}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    return 1 if errors else 0


def _print_text(doc: Document, indent: str = "") -> None:
    out = sys.stdout
    out.write(f"{indent}=== {doc.display_name} [{doc.kind.value}] {doc.title}\n")
    for key, value in doc.metadata.items():
        out.write(f"{indent}  {key}: {value}\n")
    for warning in doc.warnings:
        out.write(f"{indent}  ! {warning}\n")
    for block in doc.blocks:
        role = f"{block.role.value}, ocr" if block.ocr else block.role.value
        out.write(f"{indent}[{block.locator.label()}] ({role}) {block.text}\n")
    for child in doc.children:
        _print_text(child, indent + "    ")
    out.write("\n")

"""precis-cli summarize: files and folders in, one cited digest out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli.exits import fail
from desktop.cli.mail_options import add_mail_options, imap_passwords, mail_options
from desktop.cli.ocr_options import add_ocr_options, ocr_options
from desktop.cli.progress import ProgressBar
from desktop.cli.recording_options import add_recording_options, check_spoken, recording_limits
from desktop.cli.stream import JsonLines
from desktop.core.atomic import atomic_write_text
from desktop.core.events import Event
from desktop.core.export import export_digest
from desktop.core.mailstores.options import MailOptions
from desktop.core.render import RENDERERS
from desktop.core.settings import load_settings
from desktop.core.support import UNSUPPORTED
from desktop.ml.engine.job import JobSpec, run_job


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """Options shared by summarize, eval and finetune's evaluation."""
    settings = load_settings()
    p.add_argument("--engine", choices=("auto", "flan-t5", "extractive"), default="auto",
                   help="auto: FLAN-T5 when a model is installed, else the extractive engine")
    p.add_argument("--model", default=settings.model, help="an installed model or adapter name, or a model folder")
    p.add_argument("--backend", default=settings.backend, choices=("auto", "ctranslate2", "onnx", "torch"))
    p.add_argument("--quantize", dest="quantization", default=settings.quantization,
                   choices=("int8", "none", "float32", "bfloat16", "float16"))
    p.add_argument("--device", default=settings.device, choices=("auto", "cpu", "cuda"))
    p.add_argument("--threads", type=int, default=settings.threads, help="0 = all cores")
    p.add_argument("--length", default=settings.length, choices=("short", "medium", "long"))
    p.add_argument("--input-budget", type=int, default=settings.input_budget,
                   help="tokens per prompt (128-2048; FLAN-T5 was tuned on up to 2048). Longer prompts cost attention "
                        "time and memory: at flan-t5-base size 2048 took 1.7x as long as 512, at 1.3 GB; with "
                        "CTranslate2, prompts over 1024 run one at a time to bound memory")
    p.add_argument("--merge-budget", type=int, default=0,
                   help="tokens per merge prompt (0 = 768; the input budget gives the old narrow merges)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the summary cache")
    p.add_argument("--template", default=None, metavar="NAME|FILE",
                   help="digest template: which sections, in what order, each with its instruction and length "
                        "(precis-cli templates lists them; default: Settings, else the standard digest)")
    p.add_argument("--unsupported", choices=UNSUPPORTED, default=settings.unsupported,
                   help="points whose facts their cited passage does not bear out: flag them (default), drop them, "
                        "or retry (write each once more from its chunk and check again)")


def spec_from_args(args: argparse.Namespace, paths: list[str]) -> JobSpec:
    if not 128 <= args.input_budget <= 2048:
        raise SystemExit("precis-cli: --input-budget must be between 128 and 2048")
    settings = load_settings()
    quant = "float32" if args.quantization == "none" else args.quantization
    ocr = ocr_options(args) if hasattr(args, "ocr") else settings.ocr_options()
    return JobSpec.from_settings(
        settings, paths, engine=args.engine, model=args.model, backend=args.backend, quantization=quant,
        device=args.device, threads=args.threads, length=args.length, input_budget=args.input_budget,
        use_cache=not args.no_cache, model_store=settings.model_store, merge_budget=args.merge_budget,
        limits=recording_limits(args, settings.limits()),
        query=getattr(args, "query", None), password=getattr(args, "password", None),
        ocr=ocr.mode, ocr_lang=ocr.lang, template=getattr(args, "template", None) or settings.template,
        unsupported=getattr(args, "unsupported", settings.unsupported),
        mail=mail_options(args) if hasattr(args, "unseen") else MailOptions(),
        passwords=imap_passwords(paths),
        recording_model=getattr(args, "recording_model", settings.recording_model),
        recording_language=getattr(args, "recording_language", settings.recording_language),
        spoken_language=check_spoken(args),
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summarize", help="summarize files and folders into one cited digest")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="files, folders, mail stores (Maildir, Thunderbird profile, Apple Mail, .pst/.ost) or "
                        "imap(s):// addresses")
    add_engine_options(p)
    p.add_argument("--query", help='ask a question instead ("what was decided about the budget?")')
    p.add_argument("--out", type=Path, help="write the digest to FILE (default: stdout); .docx writes a Word document")
    p.add_argument("--format", choices=tuple(RENDERERS), default=None, help="md, json or txt (default: from --out, else md)")
    p.add_argument("--password", help="password for encrypted PDFs")
    add_ocr_options(p)
    add_mail_options(p)
    add_recording_options(p)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--stream", action="store_true",
                   help="print every event as a JSON line (the preview at once, partial summaries, the digest last)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    fmt = args.format or (args.out.suffix.lstrip(".").lower() if args.out and args.out.suffix.lstrip(".").lower() in RENDERERS else "md")
    bar = ProgressBar(False if args.no_progress else None)
    stream = JsonLines() if args.stream else None

    def on_event(event: Event) -> None:
        bar(event)
        if stream is not None:
            stream(event)

    try:
        result = run_job(spec_from_args(args, args.paths), on_event=on_event)
    finally:
        bar.close()
    if stream is not None:
        stream.digest(result.digest)
    text = RENDERERS[fmt](result.digest)
    if args.out:
        try:
            if args.format is None and args.out.suffix.lower() == ".docx":  # not Markdown in a .docx file
                export_digest(result.digest, args.out, "docx")
            else:
                atomic_write_text(args.out, text)
        except OSError as exc:
            return fail(f"could not write {args.out}: {exc.strerror or exc}")
    elif stream is None:  # with --stream the digest was the last line
        sys.stdout.write(text)
    return 1 if result.errors else 0

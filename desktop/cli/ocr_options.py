"""The OCR options every reading command shares (extract, summarize, batch): --ocr and --ocr-lang."""

from __future__ import annotations

import argparse

from desktop.core.ingest.ocr.options import MODES, OcrOptions
from desktop.core.settings import load_settings


def add_ocr_options(p: argparse.ArgumentParser) -> None:
    """Add ``--ocr auto|always|never`` and ``--ocr-lang`` with the user's settings as defaults."""
    settings = load_settings()
    p.add_argument("--ocr", choices=MODES, default=settings.ocr,
                   help="recognize scanned pages and images: auto (pages without real text), always, never")
    p.add_argument("--ocr-lang", default=settings.ocr_lang, metavar="LANGS",
                   help="Tesseract languages, joined with + (eng, eng+fra); must be installed")


def ocr_options(args: argparse.Namespace) -> OcrOptions:
    """The options as given; a malformed language list is a usage error (exit 2)."""
    try:
        return OcrOptions(mode=getattr(args, "ocr", "auto"), lang=getattr(args, "ocr_lang", "eng"))
    except ValueError as exc:
        raise SystemExit(f"precis-cli: {exc}") from exc

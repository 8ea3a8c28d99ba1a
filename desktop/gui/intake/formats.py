"""The formats Precis reads, as the window offers them: the Open dialog's filter, the file tree's
name filters and the sentence that lists them, all built from the readers' own list
(``desktop.core.ingest.SUPPORTED_EXTENSIONS``), so a format a reader learns shows up everywhere."""

from __future__ import annotations

import os

from desktop.core.ingest import SUPPORTED_EXTENSIONS

#: How groups of extensions read in a sentence; an extension outside them is named by itself.
_KINDS = (
    ("PDF", (".pdf",)),
    ("Word", (".docx",)),
    ("email", (".eml", ".mbox", ".msg")),
    ("transcripts", (".vtt", ".srt", ".json")),
    ("text", (".txt", ".md", ".markdown", ".text", ".log")),
    ("scans and photos, read by OCR", (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif")),
)


def extensions() -> list[str]:
    """Every extension Precis reads, sorted (".bmp", ".docx", ...)."""
    return sorted(SUPPORTED_EXTENSIONS)


def name_filters() -> list[str]:
    """Glob patterns for the file tree: "*.pdf", "*.png", ..."""
    return [f"*{ext}" for ext in extensions()]


def open_filter() -> str:
    """The Open dialog's filter: every format Precis reads, then all files."""
    return f"Documents Precis reads ({' '.join(name_filters())});;All files (*)"


def is_readable_name(name: str) -> bool:
    """Whether a file of this name is one Precis reads, by its extension."""
    return os.path.splitext(name)[1].lower() in SUPPORTED_EXTENSIONS


def readable_sentence() -> str:
    """"Precis reads PDF (.pdf), Word (.docx), ... and scans and photos, read by OCR (.png, ...)."""
    left = set(SUPPORTED_EXTENSIONS)
    parts = []
    for kind, group in _KINDS:
        present = [ext for ext in group if ext in left]
        if present:
            parts.append(f"{kind} ({', '.join(present)})")
            left -= set(present)
    parts += sorted(left)
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"
    return f"Precis reads {listed}."

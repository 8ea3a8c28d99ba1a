"""The formats Precis reads, as the window offers them: the Open dialog's filter, the file tree's
name filters and the sentence that lists them, all built from the readers' own list
(``desktop.core.ingest.SUPPORTED_EXTENSIONS``), so a format a reader learns shows up everywhere."""

from __future__ import annotations

import os

from desktop.core.ingest import EXTENSION_GROUPS, SUPPORTED_EXTENSIONS


def extensions() -> list[str]:
    """Every extension Precis reads, sorted (".bmp", ".docx", ...)."""
    return sorted(SUPPORTED_EXTENSIONS)


def name_filters() -> list[str]:
    """Glob patterns for the file tree: "*.pdf", "*.png", ..."""
    return [f"*{ext}" for ext in extensions()]


def open_filter() -> str:
    """The Open dialog's filter: every format Precis reads, then each group of them, then all files."""
    groups = [f"{kind} ({' '.join(f'*{ext}' for ext in sorted(exts))})" for kind, exts in EXTENSION_GROUPS.items()]
    return ";;".join([f"Documents Precis reads ({' '.join(name_filters())})", *groups, "All files (*)"])


def is_readable_name(name: str) -> bool:
    """Whether a file of this name is one Precis reads, by its extension."""
    return os.path.splitext(name)[1].lower() in SUPPORTED_EXTENSIONS


def readable_sentence() -> str:
    """"Precis reads PDF (.pdf), documents (.docx, .odt, .rtf), ... and images (.bmp, .gif, ...)."""
    left = set(SUPPORTED_EXTENSIONS)
    parts = []
    for kind, group in EXTENSION_GROUPS.items():
        present = sorted(ext for ext in group if ext in left)
        if present:
            parts.append(f"{kind if kind.isupper() else kind.lower()} ({', '.join(present)})")
            left -= set(present)
    parts += sorted(left)
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"
    return f"Precis reads {listed}."

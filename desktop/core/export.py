"""Export a digest to Markdown, plain text, JSON or Word; every write is atomic, so a failed
export (disk full, read-only folder) leaves no partial file and keeps any earlier version.

PDF export needs a text layout engine; the GUI does it with Qt (``gui/digest/export_pdf.py``)
and writes the bytes with ``write_export``, like every other format.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

from desktop.core.atomic import atomic_write_bytes, atomic_write_text
from desktop.core.digest import Digest, Point
from desktop.core.errors import PrecisError
from desktop.core.render import (
    RENDERERS,
    SECTION_TITLES,
    citation_labels,
    flagged_overview,
    support_header,
    support_note,
)

FORMATS = {".md": "md", ".markdown": "md", ".txt": "txt", ".json": "json", ".docx": "docx"}


class ExportError(PrecisError):
    """The digest could not be written where the user asked."""


def export_digest(digest: Digest, path: Path, fmt: str | None = None, *, markdown: str | None = None) -> Path:
    """Write ``digest`` to ``path``. ``markdown`` replaces the rendering (an edited digest)."""
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError(f"Precis cannot export to {path.suffix or 'a file without an extension'}; use .md, .txt, .json or .docx.")
    if fmt == "docx":
        return write_export(path, to_docx(digest, markdown))
    with export_errors(path):
        if fmt == "md" and markdown is not None:
            atomic_write_text(path, markdown)
        elif fmt == "txt" and markdown is not None:
            atomic_write_text(path, markdown_to_text(markdown))
        else:
            atomic_write_text(path, RENDERERS[fmt](digest))
    return path


def write_export(path: Path, data: bytes) -> Path:
    """Write an exported file's bytes atomically; a refusal of the disk is one ``ExportError``."""
    with export_errors(path):
        atomic_write_bytes(path, data)
    return path


@contextlib.contextmanager
def export_errors(path: Path) -> Iterator[None]:
    """Turn the operating system's refusal to write ``path`` into one sentence (``ExportError``)."""
    try:
        yield
    except PermissionError as exc:
        raise ExportError(f"Precis may not write to {path.parent}; choose another folder.") from exc
    except OSError as exc:
        raise ExportError(f"The digest could not be saved to {path.name}: {exc.strerror or exc}. Nothing was written.") from exc


def markdown_to_text(markdown: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown)
    text = re.sub(r"^#+\s*", "", text, flags=re.MULTILINE)
    return text.replace("**", "").replace("*", "")


def to_docx(digest: Digest, markdown: str | None = None) -> bytes:
    import docx  # python-docx: import here, the CLI's summarize path never needs it

    document = docx.Document()
    if markdown is None and digest.layout:  # a template's sections, order and titles, as on screen
        markdown = RENDERERS["md"](digest)
    if markdown is not None:
        _markdown_into(document, markdown)
    else:
        document.add_heading(digest.title or "Digest", level=0)
        if digest.query:
            document.add_paragraph().add_run(f"Question: {digest.query}").italic = True  # a run carries the style
        if header := support_header(digest):
            document.add_paragraph().add_run(header).italic = True
        if digest.overview:
            document.add_paragraph(digest.overview)
            for note in flagged_overview(digest):
                document.add_paragraph().add_run(note).italic = True
        for section, title in SECTION_TITLES.items():
            points: list[Point] = getattr(digest, section)
            if not points:
                continue
            document.add_heading(title, level=1)
            for point in points:
                para = document.add_paragraph(style="List Bullet")
                text = f"{point.owner}: {point.text}" if point.owner and not point.text.startswith(point.owner) else point.text
                para.add_run(text)
                cites = "; ".join(label for _, label in citation_labels(point.sources))
                if cites:
                    run = para.add_run(f" ({cites})")
                    run.italic = True
                if note := support_note(point):
                    para.add_run(" " + note).bold = bool(point.support and point.support.flagged)
        _sections_into(document, digest)
        if len(digest.documents) > 1:
            document.add_heading("Documents", level=1)
            for doc in digest.documents:
                document.add_heading(doc.document, level=2)
                if doc.summary:
                    document.add_paragraph(doc.summary)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _sections_into(document, digest: Digest) -> None:  # type: ignore[no-untyped-def]
    """Each section's title with its page or time range, then its summary (as in the Markdown)."""
    for name in dict.fromkeys(s.document for s in digest.sections):
        document.add_heading(f"Sections of {name}" if len(digest.documents) > 1 else "Sections", level=1)
        for section in (s for s in digest.sections if s.document == name):
            span = section.span()
            document.add_heading(f"{section.title} ({span})" if span else section.title, level=2)
            if section.summary:
                document.add_paragraph(section.summary)


def _markdown_into(document, markdown: str) -> None:  # type: ignore[no-untyped-def]
    for line in markdown.splitlines():
        stripped = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line).rstrip()
        if not stripped:
            continue
        m = re.match(r"^(#+)\s*(.*)$", stripped)
        if m:
            document.add_heading(m.group(2), level=min(len(m.group(1)) - 1, 3))
        elif stripped.startswith(("- ", "* ")):
            document.add_paragraph(stripped[2:].replace("**", ""), style="List Bullet")
        else:
            document.add_paragraph(stripped.replace("**", "").lstrip("> "))

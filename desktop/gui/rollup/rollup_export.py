"""A roll-up to a file: Markdown (citations as plain references), JSON, or an .ics calendar of its
deadlines and owed items; written atomically by the core's export helper (a refusal of the disk
is one sentence)."""

from __future__ import annotations

from pathlib import Path

from desktop.core.export import ExportError, write_export
from desktop.core.rollup.build import Rollup
from desktop.core.rollup.render import period_label, to_json, to_markdown

#: Extension -> the file dialog's filter.
FORMATS = {".md": "Markdown (*.md)", ".json": "JSON (*.json)", ".ics": "Calendar (*.ics)"}


def rollup_bytes(rollup: Rollup, suffix: str) -> bytes:
    if suffix == ".ics":
        from desktop.core.rollup.ics import to_ics  # icalendar: only when a calendar file is written

        return to_ics(rollup)
    if suffix == ".json":
        return to_json(rollup).encode("utf-8")
    if suffix in (".md", ".markdown"):
        return to_markdown(rollup).encode("utf-8")
    raise ExportError(f"Precis cannot export a roll-up to {suffix or 'a file without an extension'}; use .md, .json or .ics.")


def export_rollup(rollup: Rollup, path: Path) -> Path:
    return write_export(path, rollup_bytes(rollup, path.suffix.lower()))


def default_name(rollup: Rollup, suffix: str) -> str:
    period = period_label(rollup.since, rollup.until)
    safe = "".join(c if c.isalnum() or c in " -_" else "-" for c in period).strip().replace(" ", "-")
    return f"roll-up-{safe or 'everything'}{suffix}"

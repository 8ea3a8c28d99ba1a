"""Read (document, summary) pairs: JSONL, CSV/TSV, a folder of ``x.pdf`` + ``x.summary.txt``,
and the app's saved pairs. Every malformed input is a ``PairsError`` naming the line."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core import paths
from desktop.core.atomic import atomic_write_text
from desktop.core.errors import PairsError
from desktop.core.ingest import SUPPORTED_EXTENSIONS

#: Accepted names for the document column/field (text) and for a document file path.
TEXT_KEYS = ("document", "text", "source")
FILE_KEYS = ("path", "file", "document_path")
SUMMARY_KEY = "summary"
#: A row's own task ("Is this email urgent? yes/no"); its answer may be called "answer" or "output".
INSTRUCTION_KEY = "instruction"
ANSWER_KEYS = (SUMMARY_KEY, "answer", "output")
#: ``report.summary.txt`` (or ``.md``) beside ``report.pdf`` in a pairs folder.
SUMMARY_SUFFIXES = (".summary.txt", ".summary.md")


@dataclass(frozen=True, slots=True)
class PairRecord:
    """One pair as written: the document as text or as a file to read, and the summary."""

    id: str
    summary: str
    origin: str
    text: str | None = None
    file: Path | None = None
    line: int | None = None
    #: The task of this row; None or "" for a summary (the app's own summary prompts).
    instruction: str | None = None


def saved_pairs_file() -> Path:
    """Where the app appends pairs the user saved from edited digests (see ``gui.digest_view``)."""
    return paths.data_dir() / "pairs" / "saved-pairs.jsonl"


def append_saved_pair(document: str, summary: str, path: Path | None = None) -> Path:
    """Add one ``{"document", "summary"}`` line to the saved pairs file (an edited digest kept for
    fine-tuning), atomically: read, append, write to a temporary file and rename."""
    path = path or saved_pairs_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        existing = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    line = json.dumps({"document": document, "summary": summary}, ensure_ascii=False)
    atomic_write_text(path, existing + line + "\n")
    return path


def read_pairs(source: Path | str) -> list[PairRecord]:
    """Pairs from a JSONL/CSV/TSV file or a folder; raises PairsError for anything malformed."""
    source = Path(source).expanduser()
    if source.is_dir():
        return read_pairs_folder(source)
    if not source.is_file():
        raise PairsError(f"The pairs file {source} does not exist.")
    suffix = source.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return read_pairs_csv(source)
    if suffix in (".jsonl", ".json", ".ndjson"):
        return read_pairs_jsonl(source)
    raise PairsError(f"{source.name} is not a pairs file Precis reads; use JSONL or CSV, or a folder of documents "
                     "each with a .summary.txt beside it.")


def _read_text(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PairsError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again.") from exc
    except OSError as exc:
        raise PairsError(f"{path.name} could not be read ({exc.strerror or exc}).") from exc
    if not text.strip():
        raise PairsError(f"{path.name} is empty; it holds no pairs.")
    return text


def read_pairs_jsonl(path: Path) -> list[PairRecord]:
    records = []
    given = False
    for n, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            raise PairsError(f"Line {n} of {path.name} is not valid JSON.") from None
        if not isinstance(rec, dict):
            raise PairsError(f"Line {n} of {path.name} is not a JSON object with \"document\" and \"summary\".")
        records.append(_record(rec, path, n))
        given = given or INSTRUCTION_KEY in rec
    if not records:
        raise PairsError(f"{path.name} is empty; it holds no pairs.")
    _check_instructions(path, records, any_given=given)
    return records


def _check_instructions(path: Path, records: list[PairRecord], any_given: bool) -> None:
    """A file that names instructions but leaves every one empty was meant to carry tasks: say so
    rather than silently train summaries."""
    if any_given and not any((r.instruction or "").strip() for r in records):
        raise PairsError(f"Every \"instruction\" in {path.name} is empty; write the task of each row there "
                         "(rows meant as summaries can leave it empty), or remove the field to train summaries.")


def read_pairs_csv(path: Path) -> list[PairRecord]:
    text = _read_text(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    if not any(k in columns for k in ANSWER_KEYS):
        raise PairsError(f"{path.name} has no \"summary\" column (its first line names: {', '.join(columns) or 'nothing'}).")
    if not any(k in columns for k in TEXT_KEYS + FILE_KEYS):
        raise PairsError(f"{path.name} has no \"document\" or \"path\" column (its first line names: {', '.join(columns)}).")
    records = []
    try:
        for row in reader:
            if None in row:  # more cells than columns
                raise PairsError(f"Line {reader.line_num} of {path.name} has more cells than the header has columns.")
            if not any((v or "").strip() for v in row.values()):
                continue
            records.append(_record({k: v for k, v in row.items() if v is not None}, path, reader.line_num))
    except csv.Error as exc:
        raise PairsError(f"Line {reader.line_num} of {path.name} is not valid CSV ({exc}).") from None
    if not records:
        raise PairsError(f"{path.name} has a header but no pairs.")
    _check_instructions(path, records, any_given=INSTRUCTION_KEY in columns)
    return records


def _record(rec: dict[str, Any], path: Path, n: int) -> PairRecord:
    where = f"Line {n} of {path.name}"
    instruction = rec.get(INSTRUCTION_KEY)
    instruction = " ".join(instruction.split()) if isinstance(instruction, str) else None
    summary = next((rec[k] for k in ANSWER_KEYS if isinstance(rec.get(k), str) and rec[k].strip()), rec.get(SUMMARY_KEY))
    if not isinstance(summary, str):
        raise PairsError(f"{where} has no text \"{'answer' if instruction else 'summary'}\".")
    ident = str(rec.get("id") or f"{path.stem}-{n}")
    origin = f"{path.name}, line {n}"
    text = next((rec[k] for k in TEXT_KEYS if isinstance(rec.get(k), str) and rec[k].strip()), None)
    if text is not None:
        return PairRecord(ident, summary, origin, text=text, line=n, instruction=instruction or None)
    name = next((rec[k] for k in FILE_KEYS if isinstance(rec.get(k), str) and rec[k].strip()), None)
    if name is None:
        if any(isinstance(rec.get(k), str) for k in TEXT_KEYS):  # present but blank: an empty pair
            return PairRecord(ident, summary, origin, text="", line=n, instruction=instruction or None)
        raise PairsError(f"{where} needs the document, as text (\"document\") or as a file (\"path\").")
    file = (path.parent / name.strip()).expanduser()
    if not file.is_file():
        raise PairsError(f"{where} names the file {name.strip()}, which does not exist (paths are relative to {path.name}).")
    return PairRecord(ident, summary, origin, file=file, line=n, instruction=instruction or None)


def read_pairs_folder(folder: Path) -> list[PairRecord]:
    """``report.pdf`` + ``report.summary.txt`` pairs; documents without a summary are left out."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    summaries = {p: _stem(p) for p in files if _stem(p) is not None}
    documents: dict[str, list[Path]] = {}
    for p in files:
        if p not in summaries and p.suffix.lower() in SUPPORTED_EXTENSIONS:
            documents.setdefault(p.name[: -len(p.suffix)] if p.suffix else p.name, []).append(p)
    records = []
    for summary_file, stem in summaries.items():
        matches = documents.get(stem or "", [])
        if not matches:
            raise PairsError(f"{summary_file.name} in {folder.name} has no document called {stem} beside it.")
        if len(matches) > 1:
            raise PairsError(f"{summary_file.name} could belong to {' or '.join(m.name for m in matches)}; "
                             "give each document its own name.")
        summary = summary_file.read_text(encoding="utf-8-sig", errors="replace").strip()
        records.append(PairRecord(stem or summary_file.name, summary, matches[0].name, file=matches[0]))
    if not records:
        raise PairsError(f"{folder.name} holds no pairs: put a summary called report.summary.txt beside each document "
                         "(report.pdf, report.docx...).")
    return records


def _stem(path: Path) -> str | None:
    lower = path.name.lower()
    for suffix in SUMMARY_SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return path.name[: -len(suffix)]
    return None

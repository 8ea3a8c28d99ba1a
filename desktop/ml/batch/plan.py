"""What a batch run has to do: the units (one per file, or one per folder), their content hashes
and output paths, and which of them the manifest already has done with the same settings."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.ingest import expand_paths, is_mail_address
from desktop.core.mailstores.locate import fingerprint, store_kind
from desktop.ml.batch.manifest import Manifest, Row

FORMATS = {"md": (".md",), "json": (".json",), "both": (".md", ".json")}
TOGETHER = ("none", "folder")
#: The JobSpec fields that change what a digest says; threads, device and the cache do not.
_SETTINGS_FIELDS = ("engine", "model", "backend", "quantization", "length", "input_budget", "query", "classify", "ocr", "ocr_lang")
#: The mail selection's fields that change a digest (not the IMAP timeout or certificate file).
_MAIL_FIELDS = ("folders", "since", "until", "unseen")
#: Recordings' fields and their defaults: they join the key only when changed, so a manifest
#: written before Precis read recordings keeps its units done.
_RECORDING_FIELDS = {"recording_model": "whisper-base", "recording_language": "translate", "spoken_language": None}


@dataclass(slots=True)
class Unit:
    """One digest to make: ``key`` is the manifest key, ``stem`` the output path without extension."""

    key: str
    sources: list[Path]
    stem: str
    sha256: str = ""
    attempts: int = 0

    def outputs(self, fmt: str) -> list[str]:
        return [self.stem + ext for ext in FORMATS[fmt]]


@dataclass(slots=True)
class Plan:
    root: Path
    todo: list[Unit] = field(default_factory=list)
    #: Units already done with the same content and settings (reported as skipped).
    up_to_date: list[Unit] = field(default_factory=list)
    #: Manifest rows whose sources no longer exist (their outputs are kept).
    missing: list[Row] = field(default_factory=list)
    #: Why each todo unit is run: "new", "changed", "settings", "retry", "outputs missing".
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.todo) + len(self.up_to_date)


def source_root(srcs: Iterable[Path | str]) -> Path:
    """The folder the output tree mirrors: a single folder itself, else the common parent."""
    resolved = [Path(s).resolve() for s in srcs]
    if len(resolved) == 1 and resolved[0].is_dir() and store_kind(resolved[0]) is None:
        return resolved[0]  # a mail store named alone is one unit, like a file: its parent is the root
    bases = [p if p.is_dir() else p.parent for p in resolved]
    return Path(os.path.commonpath([str(b) for b in bases]))


def make_units(srcs: list[str], *, recursive: bool, together: str, saved_messages: bool = False) -> tuple[Path, list[Unit]]:
    """Units in a stable order; per file, ``a/b.pdf`` becomes ``a/b.pdf.md`` under the output
    folder (the extension stays in the name so ``b.pdf`` and ``b.docx`` never collide); per folder,
    ``a/b/`` becomes ``a/b.digest.md``."""
    root = source_root(srcs)
    files: list[Path] = []
    seen: set[Path] = set()
    for f in expand_paths(srcs, recursive=recursive, saved_messages=saved_messages):
        p = f.resolve() if f.exists() else Path(os.path.abspath(f))
        if p not in seen:
            seen.add(p)
            files.append(p)
    if together == "none":
        units = []
        for p in files:
            rel = _rel(p, root)
            units.append(Unit(key=rel, sources=[p], stem=rel))
        return root, units
    groups: dict[Path, list[Path]] = {}
    for p in files:
        groups.setdefault(p.parent, []).append(p)
    units = []
    for folder in sorted(groups):
        rel = _rel(folder, root)
        stem = f"{root.name or 'root'}.digest" if rel == "." else f"{rel}.digest"
        units.append(Unit(key=("." if rel == "." else rel) + "/", sources=sorted(groups[folder]), stem=stem))
    return root, units


def _rel(p: Path, root: Path) -> str:
    try:
        return p.relative_to(root).as_posix()
    except ValueError:  # not under the root (a symlink resolved elsewhere): keep it apart
        return "_outside/" + p.as_posix().lstrip("/")


def file_sha256(path: Path) -> str:
    if path.is_dir():  # a mail store: its files' names, sizes and times say when mail arrived
        return fingerprint(path)
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return ""  # unreadable now: never counts as done; the task reports the typed error


def unit_sha256(unit: Unit) -> str:
    if unit.sources and is_mail_address(str(unit.sources[0])):
        return unit.sha256  # an IMAP folder's UIDs, asked of its server when planned ("" if it did not answer)
    if unit.key.endswith("/"):
        h = hashlib.sha256()
        for p in unit.sources:
            h.update(f"{p.name}\0{file_sha256(p)}\n".encode())
        return h.hexdigest()
    return file_sha256(unit.sources[0])


def settings_key(spec_fields: dict[str, Any], fmt: str, together: str) -> str:
    """A short hash of everything that changes a digest's text, so changed settings redo the units."""
    data = {k: spec_fields.get(k) for k in _SETTINGS_FIELDS}
    mail = spec_fields.get("mail") or {}
    if any(mail.get(k) for k in _MAIL_FIELDS):  # only then: older manifests keep their keys
        data["mail"] = {k: mail.get(k) for k in _MAIL_FIELDS}
    data.update({k: spec_fields.get(k) for k, default in _RECORDING_FIELDS.items() if spec_fields.get(k, default) != default})
    data.update(format=fmt, together=together)
    if spec_fields.get("template"):
        # The template's name, version and content: an edited template redoes the units.
        from desktop.core.prompting.templates import load_template

        data["template"] = load_template(spec_fields["template"]).id
    if spec_fields.get("unsupported", "flag") != "flag":  # the default keeps the keys of digests made before it
        data["unsupported"] = spec_fields["unsupported"]
    # default=str: the mail selection carries dates
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def make_plan(units: list[Unit], root: Path, manifest: Manifest, skey: str, fmt: str) -> Plan:
    """Hash every unit and compare with the manifest: done with the same content and settings and
    outputs present is skipped; anything else is (re)done. Rows of sources that vanished are listed."""
    plan = Plan(root=root)
    keys = set()
    for unit in units:
        keys.add(unit.key)
        unit.sha256 = unit_sha256(unit)
        row = manifest.get(unit.key)
        reason = _reason(row, unit, skey, fmt, manifest.out_dir)
        if reason is None:
            plan.up_to_date.append(unit)
        else:
            plan.reasons[unit.key] = reason
            plan.todo.append(unit)
    for key, row in sorted(manifest.rows.items()):
        # An IMAP folder not asked for this time is not known to be gone: only files are checked.
        if key not in keys and not any(is_mail_address(s) for s in row.sources) \
                and not all(Path(s).exists() for s in row.sources):
            plan.missing.append(row)
    return plan


def _reason(row: Row | None, unit: Unit, skey: str, fmt: str, out_dir: Path) -> str | None:
    if row is None:
        return "new"
    if row.status != "done":
        return "retry"
    if not unit.sha256 or row.sha256 != unit.sha256:
        return "changed"
    if row.settings_key != skey:
        return "settings"
    if not all((out_dir / o).is_file() for o in unit.outputs(fmt)):
        return "outputs missing"
    return None

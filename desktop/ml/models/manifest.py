"""The manifest and completion marker that make a folder in the model store an installed model."""

from __future__ import annotations

import datetime as _dt
import fnmatch
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.atomic import atomic_write_text
from desktop.core.errors import Cancelled

MANIFEST = "precis-model.json"
#: Written last, after every file and the manifest: its presence is what "installed" means, so
#: a crash or Cancel at any earlier point leaves a folder nobody mistakes for a model.
MARKER = ".complete"
CHUNK = 1 << 20

#: The files that make up a model; everything else in a repo (pickles, TF/Flax/ONNX exports,
#: READMEs, images) is neither downloaded nor imported.
MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "spiece.model",
    "model.safetensors.index.json",
)
MODEL_PATTERNS = ("*.safetensors",)


def is_model_file(relpath: str) -> bool:
    """True for a top-level file Precis keeps; subfolders (``onnx/``, ``flax/``) never are."""
    if "/" in relpath or "\\" in relpath or relpath.startswith("."):
        return False
    return relpath in MODEL_FILES or any(fnmatch.fnmatchcase(relpath, p) for p in MODEL_PATTERNS)


def utc_now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


@dataclass(slots=True)
class ModelManifest:
    name: str
    revision: str
    source: str  # "hub" or "import"
    hub_id: str | None = None
    #: relpath -> {"size": int, "sha256": str}
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    installed_at: str = field(default_factory=utc_now)
    imported_from: str | None = None
    #: The self-check (``self_check.py``): the float32 answers to the fixed prompts at arrival,
    #: and each conversion's token agreement with them, for the model manager to show.
    self_check: dict[str, Any] = field(default_factory=dict)
    #: "summarizer" (FLAN-T5) or "transcriber" (Whisper).
    kind: str = "summarizer"

    @property
    def size_bytes(self) -> int:
        return sum(int(f.get("size", 0)) for f in self.files.values())

    def write(self, folder: Path) -> None:
        atomic_write_text(folder / MANIFEST, json.dumps(asdict(self), indent=2, sort_keys=True))

    @classmethod
    def read(cls, folder: Path) -> ModelManifest | None:
        """The folder's manifest, or None when it is missing or unreadable."""
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            return cls(
                name=str(data["name"]),
                revision=str(data["revision"]),
                source=str(data.get("source", "import")),
                hub_id=data.get("hub_id"),
                files=dict(data.get("files") or {}),
                installed_at=str(data.get("installed_at", "")),
                imported_from=data.get("imported_from"),
                self_check=dict(data.get("self_check") or {}),
                kind=str(data.get("kind", "summarizer")),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def mark_complete(folder: Path) -> None:
    """Write the marker (fsynced) once everything else is on disk."""
    path = folder / MARKER
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(utc_now() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def is_complete(folder: Path) -> bool:
    return (folder / MARKER).is_file() and (folder / MANIFEST).is_file()


def copy_hashed(
    src: Path,
    dst: Path,
    on_bytes: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> str:
    """Copy ``src`` to ``dst`` and return the sha256 of what was written, reading the source once."""
    digest = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while True:
            if should_stop is not None and should_stop():
                raise Cancelled()
            block = fin.read(CHUNK)
            if not block:
                break
            fout.write(block)
            digest.update(block)
            if on_bytes is not None:
                on_bytes(len(block))
        fout.flush()
        os.fsync(fout.fileno())
    return digest.hexdigest()


def sha256_file(path: Path, should_stop: Callable[[], bool] | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            if should_stop is not None and should_stop():
                raise Cancelled()
            digest.update(block)
    return digest.hexdigest()


def folder_fingerprint(folder: Path, small_limit: int = 1 << 20) -> str:
    """A revision for a model folder used in place: small files by content, large ones by name,
    size and mtime (hashing gigabytes on every run would cost seconds)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        st = path.stat()
        digest.update(path.name.encode() + b"\0")
        if st.st_size <= small_limit:
            digest.update(path.read_bytes())
        else:
            digest.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return "local-" + digest.hexdigest()[:16]


def human_bytes(n: float) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"

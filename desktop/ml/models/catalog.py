"""The checked-in list of models Precis offers to download (``models/catalog.json``).

Two kinds of model: ``summarizer`` (FLAN-T5, the default kind) and ``transcriber`` (Whisper in
CTranslate2 form, which transcribes recordings). An entry may pin its files: names, sizes and
SHA-256 checksums; a download then fetches exactly those files and checks every byte against
the catalog, not only against what the Hub lists. Or it may pin only ``checksums`` (file name to
sha256) and keep the default file set, as the FLAN-T5 entries do; ``models/PROVENANCE.md`` says
where each of those came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from desktop.core import paths
from desktop.core.errors import EngineError

SCHEMA = 1
KINDS = ("summarizer", "transcriber")
#: How the weights are stored: Hugging Face safetensors, or a converted CTranslate2 ``model.bin``
#: (CTranslate2's own flat format of named arrays, which, unlike a pickle, runs no code when loaded).
FORMATS = ("safetensors", "ctranslate2")


class CatalogError(EngineError):
    """The catalog file is missing or malformed: a packaging bug, reported with the field at fault."""


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One downloadable model, pinned to a Hub commit so every user gets the same weights."""

    name: str
    hub_id: str
    revision: str
    parameters: int
    download_bytes: int
    license: str
    description: str
    #: backend -> quantizations it can run for this model ("ctranslate2": ("int8", "float32")).
    backends: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: fine-tuning methods that fit ordinary hardware for this size ("lora", "full").
    finetune: tuple[str, ...] = ()
    kind: str = "summarizer"
    format: str = "safetensors"
    #: Patterns of the repo's top-level files to download; empty means a T5 model's (config,
    #: tokenizer, safetensors weights; ``manifest.MODEL_FILES``).
    files: tuple[str, ...] = ()
    #: (file, sha256) pairs the download must match; files not named here are checked against
    #: the checksums the Hub lists for the pinned revision.
    checksums: tuple[tuple[str, str], ...] = ()

    def checksum(self, filename: str) -> str | None:
        return dict(self.checksums).get(filename)

    def supports(self, backend: str, quantization: str | None = None) -> bool:
        quants = self.backends.get(backend)
        return quants is not None and (quantization is None or quantization in quants)


class Catalog:
    """Catalog entries in file order, looked up by name."""

    def __init__(self, entries: list[CatalogEntry], default: str, default_transcriber: str | None = None) -> None:
        self._entries = {e.name: e for e in entries}
        for name, kind in ((default, "summarizer"), (default_transcriber, "transcriber")):
            if name is not None and (name not in self._entries or self._entries[name].kind != kind):
                raise CatalogError(f"The model catalog names {name!r} as the default {kind}, but has no such {kind}.")
        self.default_name = default
        self.default_transcriber = default_transcriber

    @classmethod
    def load(cls, path: Path | str | None = None) -> Catalog:
        path = Path(path) if path is not None else paths.catalog_path()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CatalogError(f"The model catalog {path} is missing; reinstall Precis.") from None
        except (OSError, ValueError) as exc:
            raise CatalogError(f"The model catalog {path} could not be read ({exc}); reinstall Precis.") from exc
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str = "catalog") -> Catalog:
        if not isinstance(data, dict):
            raise CatalogError(f"The model catalog {source} must be a JSON object.")
        if data.get("schema") != SCHEMA:
            raise CatalogError(f"The model catalog {source} has schema {data.get('schema')!r}; this Precis reads schema {SCHEMA}.")
        models = data.get("models")
        if not isinstance(models, list) or not models:
            raise CatalogError(f"The model catalog {source} must list at least one model under \"models\".")
        entries = [_entry(m, f"{source}: models[{i}]") for i, m in enumerate(models)]
        names = [e.name for e in entries]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise CatalogError(f"The model catalog {source} lists {', '.join(dupes)} more than once.")
        default = data.get("default", entries[0].name)
        transcriber = data.get("default_transcriber")
        if not isinstance(default, str) or not isinstance(transcriber, str | None):
            raise CatalogError(f"The model catalog {source} has a default that is not a model name.")
        return cls(entries, default, transcriber)

    @property
    def entries(self) -> list[CatalogEntry]:
        return list(self._entries.values())

    @property
    def default(self) -> CatalogEntry:
        return self._entries[self.default_name]

    def get(self, name: str) -> CatalogEntry | None:
        return self._entries.get(name)

    def names(self) -> list[str]:
        return list(self._entries)

    def of_kind(self, kind: str) -> list[CatalogEntry]:
        """The summarizers or the transcribers, in file order."""
        return [e for e in self._entries.values() if e.kind == kind]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)


_STR_FIELDS = ("name", "hub_id", "revision", "license", "description")
_INT_FIELDS = ("parameters", "download_bytes")


def _entry(raw: Any, where: str) -> CatalogEntry:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} must be a JSON object.")
    for key in _STR_FIELDS:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CatalogError(f"{where} needs a non-empty text field {key!r}.")
    for key in _INT_FIELDS:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise CatalogError(f"{where} needs a positive whole number {key!r}.")
    name = raw["name"]
    if "/" in name or "\\" in name or name.startswith("."):
        raise CatalogError(f"{where} has a name {name!r} that cannot be a folder name.")
    if raw["hub_id"].count("/") != 1:
        raise CatalogError(f"{where} has a hub_id {raw['hub_id']!r} that is not of the form owner/name.")
    revision = raw["revision"]
    # A branch name like "main" would let the Hub change the weights under us: pin a commit.
    if len(revision) != 40 or any(c not in "0123456789abcdef" for c in revision):
        raise CatalogError(f"{where} must pin \"revision\" to a 40-character commit hash, not {revision!r}.")
    backends = raw.get("backends")
    if not isinstance(backends, dict) or not backends:
        raise CatalogError(f"{where} needs \"backends\": an object of backend name to quantization list.")
    parsed: dict[str, tuple[str, ...]] = {}
    for backend, quants in backends.items():
        if not isinstance(quants, list) or not quants or not all(isinstance(q, str) for q in quants):
            raise CatalogError(f"{where} backend {backend!r} needs a non-empty list of quantization names.")
        parsed[backend] = tuple(quants)
    finetune = raw.get("finetune", [])
    if not isinstance(finetune, list) or not all(isinstance(f, str) for f in finetune):
        raise CatalogError(f"{where} has a \"finetune\" that is not a list of method names.")
    files, pinned = _files(raw.get("files", []), where)
    checksums = raw.get("checksums", {})
    if not isinstance(checksums, dict) or not all(
            isinstance(k, str) and k and "/" not in k and _is_sha256(v) for k, v in checksums.items()):
        raise CatalogError(f"{where} has \"checksums\" that is not an object of file name to 64-hex sha256.")
    checksums = {**checksums, **pinned}
    kind, fmt = raw.get("kind", "summarizer"), raw.get("format", "safetensors")
    if kind not in KINDS:
        raise CatalogError(f"{where} has a kind {kind!r}; the kinds are {', '.join(KINDS)}.")
    if fmt not in FORMATS:
        raise CatalogError(f"{where} has a format {fmt!r}; the formats are {', '.join(FORMATS)}.")
    return CatalogEntry(
        name=name,
        hub_id=raw["hub_id"],
        revision=revision,
        parameters=raw["parameters"],
        download_bytes=raw["download_bytes"],
        license=raw["license"],
        description=raw["description"],
        backends=parsed,
        finetune=tuple(finetune),
        kind=kind,
        format=fmt,
        files=files,
        checksums=tuple(sorted(checksums.items())),
    )


def _files(raw: Any, where: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """``files`` holds file name patterns (``"*.safetensors"``) or pinned files (``{"name", "size",
    "sha256"}``); the pins' names become patterns and their checksums ones the download must match."""
    if not isinstance(raw, list):
        raise CatalogError(f"{where} has \"files\" that is not a list.")
    patterns: list[str] = []
    sums: dict[str, str] = {}
    for i, item in enumerate(raw):
        if isinstance(item, str) and item and "/" not in item:
            patterns.append(item)
            continue
        name = item.get("name") if isinstance(item, dict) else None
        size = item.get("size") if isinstance(item, dict) else None
        sha = item.get("sha256") if isinstance(item, dict) else None
        if (not isinstance(name, str) or "/" in name or "\\" in name or name.startswith(".") or not name
                or isinstance(size, bool) or not isinstance(size, int) or size <= 0
                or not _is_sha256(sha)):
            raise CatalogError(f"{where} files[{i}] needs a file name pattern, or a plain \"name\", a positive "
                               "\"size\" and a 64-hex \"sha256\".")
        patterns.append(name)
        sums[name] = sha
    return tuple(patterns), sums


def _is_sha256(value: Any) -> TypeGuard[str]:
    """A lowercase hex SHA-256, as the Hub lists them and ``hashlib`` writes them (what a download compares)."""
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)

"""T5 models already in the Hugging Face cache, found and used where they are (no copy).

Another program (transformers, ``huggingface-cli download``, an earlier Python project) may have
put google/flan-t5-base in the cache already. Its layout is huggingface_hub's, documented and
stable: ``models--{owner}--{name}/`` holding ``refs/<branch>`` (a commit hash),
``snapshots/<commit>/<file>`` (links into ``blobs/``) and ``blobs/``. It is read here with plain
file operations, without importing huggingface_hub (whose import costs a summarizing process
megabytes and tenths of a second). Only snapshots that hold a whole T5 seq2seq model with
safetensors weights (``validate_model_dir``) are offered; nothing in the cache is ever written.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import InvalidModel
from desktop.ml.models.manifest import is_model_file
from desktop.ml.models.validate import validate_model_dir

log = logging.getLogger(__name__)

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
REPO_PREFIX = "models--"


@dataclass(frozen=True, slots=True)
class FoundModel:
    """A usable model in the Hugging Face cache ("found on this computer")."""

    hub_id: str
    revision: str
    #: The snapshot folder: the model is loaded from here.
    path: Path
    size_bytes: int
    parameters: int
    #: Branch names pointing at this snapshot ("main").
    refs: tuple[str, ...] = ()
    #: The catalog entry with the same hub id, whose name then stands for this copy.
    catalog_name: str | None = None

    @property
    def name(self) -> str:
        return self.catalog_name or self.hub_id


def repo_folder(cache_dir: Path, hub_id: str) -> Path:
    """Where huggingface_hub keeps ``hub_id`` (``google/flan-t5-base`` -> ``models--google--flan-t5-base``)."""
    return cache_dir / (REPO_PREFIX + "--".join(hub_id.split("/")))


def find_cached_models(cache_dir: Path, catalog_ids: dict[str, str] | None = None) -> list[FoundModel]:
    """Every repo in the cache with a usable T5 snapshot, one per repo, sorted by hub id.
    ``catalog_ids`` maps hub ids to catalog names."""
    if not cache_dir.is_dir():
        return []
    found = []
    try:
        folders = sorted(p for p in cache_dir.iterdir() if p.name.startswith(REPO_PREFIX) and p.is_dir())
    except OSError as exc:
        log.warning("the Hugging Face cache %s could not be listed: %s", cache_dir, exc)
        return []
    for folder in folders:
        hub_id = "/".join(folder.name[len(REPO_PREFIX):].split("--"))
        model = cached_model(cache_dir, hub_id, (catalog_ids or {}).get(hub_id))
        if model is not None:
            found.append(model)
    return found


def cached_model(cache_dir: Path, hub_id: str, catalog_name: str | None = None,
                 revision: str | None = None) -> FoundModel | None:
    """The snapshot of ``hub_id`` to use: ``revision`` if given, else the one ``refs/main`` names,
    else the most recent usable one; None when the cache holds no usable copy."""
    repo = repo_folder(cache_dir, hub_id)
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None
    refs = _refs(repo)
    if revision is not None:
        candidates = [revision]
    else:
        try:
            others = sorted((p for p in snapshots.iterdir() if _COMMIT.match(p.name)),
                            key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return None
        main = refs.get("main")
        candidates = ([main] if main else []) + [p.name for p in others if p.name != main]
    for commit in candidates:
        model = _snapshot(snapshots / commit, hub_id, commit, refs, catalog_name)
        if model is not None:
            return model
    return None


def _refs(repo: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    folder = repo / "refs"
    if not folder.is_dir():
        return out
    for ref in folder.rglob("*"):
        try:
            commit = ref.read_text(encoding="ascii").strip() if ref.is_file() else ""
        except (OSError, UnicodeDecodeError):
            continue
        if _COMMIT.match(commit):
            out[ref.relative_to(folder).as_posix()] = commit
    return out


def _snapshot(folder: Path, hub_id: str, commit: str, refs: dict[str, str], catalog_name: str | None) -> FoundModel | None:
    if not _COMMIT.match(commit) or not (folder / "config.json").is_file():
        return None
    try:
        info = validate_model_dir(folder)  # a missing blob (broken link) reads as a missing file
    except InvalidModel as exc:
        log.info("not using %s@%s from the Hugging Face cache: %s", hub_id, commit[:12], exc.message)
        return None
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file() and is_model_file(p.name))
    return FoundModel(hub_id=hub_id, revision=commit, path=folder, size_bytes=size, parameters=info.parameters,
                      refs=tuple(sorted(r for r, c in refs.items() if c == commit)), catalog_name=catalog_name)

"""The local model store: installed models, downloads in progress, derived files and adapters;
and the models found in the Hugging Face cache, used where they are (``hf_cache.py``).

Layout under ``root``::

    <name>/                       model files + precis-model.json + .complete (written last)
    .partial/<name>/              downloads and imports in progress; never listed as installed
    .trash/                       folders being deleted (renamed here first, so removal is atomic)
    derived/<ref.slug>/<backend>-<quantization>-<version>/   exported or quantized artefacts
    adapters/<name>/              fine-tuned LoRA adapters (peft folder + precis-adapter.json)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core.atomic import atomic_write_text
from desktop.core.errors import EngineError, ModelNotFound
from desktop.core.events import EventCallback, ignore_events
from desktop.ml.backends.base import ModelRef
from desktop.ml.models.adapter_versions import versions_root
from desktop.ml.models.adapters import (
    AdapterInfo,
    AdapterManifest,
    adapter_id,
    adapter_info,
    export_adapter_dir,
    is_adapter_dir,
    peft_base_name,
)
from desktop.ml.models.arrival import model_arrived
from desktop.ml.models.catalog import Catalog, CatalogError
from desktop.ml.models.hf_cache import FoundModel, cached_model, find_cached_models
from desktop.ml.models.hub_env import hub_cache_dir
from desktop.ml.models.importer import content_revision, copy_model_files
from desktop.ml.models.manifest import (
    ModelManifest,
    folder_fingerprint,
    human_bytes,
    is_complete,
    is_model_file,
    mark_complete,
)
from desktop.ml.models.validate import validate_model_dir
from desktop.ml.models.whisper_validate import is_transcriber_file, looks_like_whisper, validate_whisper_dir

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
RESERVED = frozenset({"derived", "adapters"})
REF_FILE = "precis-ref.json"


@dataclass(frozen=True, slots=True)
class InstalledModel:
    name: str
    path: Path
    revision: str
    size_bytes: int
    source: str
    complete: bool
    hub_id: str | None = None
    installed_at: str | None = None
    kind: str = "summarizer"


def check_name(name: str, what: str = "model") -> str:
    if not _NAME.match(name) or name in RESERVED or name.endswith((".part", ".tmp")):
        raise EngineError(f"{name!r} cannot be used as a {what} name; use letters, digits, dots, dashes and underscores.")
    return name


class ModelStore:
    def __init__(self, root: Path | str | None = None, catalog: Catalog | None = None) -> None:
        if root is None:
            from desktop.core.settings import load_settings

            root = load_settings().store_path()
        self.root = Path(root).expanduser()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EngineError(
                f"The model store folder {self.root} cannot be created ({exc.strerror or exc}); "
                "choose another folder in Settings."
            ) from exc
        self._catalog = catalog

    # ----- installed models --------------------------------------------------------------
    def model_dir(self, name: str) -> Path:
        return self.root / check_name(name)

    def partial_dir(self, name: str) -> Path:
        return self.root / ".partial" / check_name(name)

    def installed(self, include_incomplete: bool = False) -> list[InstalledModel]:
        """Models in the store, by name; folders without the completion marker only on request."""
        found = []
        for path in sorted(self.root.iterdir()):
            if not path.is_dir() or path.name.startswith(".") or path.name in RESERVED:
                continue
            model = self._describe(path)
            if model.complete or include_incomplete:
                found.append(model)
        return found

    def get(self, name: str) -> InstalledModel | None:
        path = self.root / name
        if not _NAME.match(name) or name in RESERVED or not path.is_dir():
            return None
        model = self._describe(path)
        return model if model.complete else None

    def is_installed(self, name: str) -> bool:
        return self.get(name) is not None

    def partial_bytes(self, name: str) -> int:
        """Bytes already fetched by an unfinished download (0 when there is none), the part of a
        file still arriving (huggingface_hub's ``.incomplete``, in a hidden folder) included."""
        folder = self.root / ".partial" / name
        if not _NAME.match(name) or not folder.is_dir():
            return 0
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.name.endswith((".json", ".lock")))

    # ----- models found in the Hugging Face cache ------------------------------------------
    def found_models(self) -> list[FoundModel]:
        """Usable T5 models in the Hugging Face cache ("found on this computer"), by hub id."""
        catalog = self.catalog()
        return find_cached_models(hub_cache_dir()[0], {e.hub_id: e.name for e in catalog} if catalog else {})

    def find_cached(self, name: str) -> FoundModel | None:
        """``name`` (a catalog name, or a hub id such as google/flan-t5-base) in the Hugging Face cache."""
        catalog = self.catalog()
        entry = catalog.get(name) if catalog else None
        if entry is None and not _HUB_ID.match(name):
            return None
        hub_id = entry.hub_id if entry else name
        if entry is None and catalog is not None:
            entry = next((e for e in catalog if e.hub_id == hub_id), None)
        return cached_model(hub_cache_dir()[0], hub_id, entry.name if entry else None)

    def _describe(self, path: Path) -> InstalledModel:
        manifest = ModelManifest.read(path)
        complete = manifest is not None and is_complete(path)
        if manifest is None:
            size = sum(p.stat().st_size for p in path.iterdir() if p.is_file())
            return InstalledModel(path.name, path, "", size, "unknown", False)
        return InstalledModel(
            name=path.name,
            path=path,
            revision=manifest.revision,
            size_bytes=manifest.size_bytes,
            source=manifest.source,
            complete=complete,
            hub_id=manifest.hub_id,
            installed_at=manifest.installed_at,
            kind=manifest.kind,
        )

    # ----- resolving a name or folder to weights on disk ---------------------------------
    def resolve(self, name_or_dir: str | Path) -> ModelRef:
        """An installed model, an adapter (as its base plus adapter) or a model folder."""
        text = str(name_or_dir)
        model = self.get(text)
        if model is not None:
            return ModelRef(model.name, model.path, model.revision)
        if _NAME.match(text) and (self.adapter_dir(text) / "precis-adapter.json").is_file():
            return self._resolve_adapter(self.adapter_dir(text))
        path = Path(text).expanduser()
        found = None if path.is_dir() else self.find_cached(text)
        if found is not None:  # used where it is, no copy
            return ModelRef(found.name, found.path, found.revision)
        if path.is_dir():
            if is_adapter_dir(path):
                return self._resolve_adapter(path)
            manifest = ModelManifest.read(path)
            if manifest is not None and is_complete(path):
                return ModelRef(manifest.name, path.resolve(), manifest.revision)
            info = validate_model_dir(path)
            return ModelRef(path.resolve().name, info.path, folder_fingerprint(path))
        raise ModelNotFound(self._not_found_sentence(text))

    def _resolve_adapter(self, folder: Path) -> ModelRef:
        manifest = AdapterManifest.read(folder)
        base_name = manifest.base_model if manifest else self._base_from_peft(folder)
        base = self._base_ref(base_name) if base_name else None
        if base is None:
            raise ModelNotFound(
                f"The adapter {folder.name} needs its base model {base_name or '(unknown)'}, which is not installed; "
                f"download or import it first."
            )
        if manifest is not None and manifest.base_revision != base.revision:
            raise ModelNotFound(
                f"The adapter {folder.name} was trained on another version of {base.name} "
                f"({manifest.base_revision[:12]}, installed: {base.revision[:12]}); fine-tune it again on this one."
            )
        return ModelRef(base.name, base.path, base.revision, adapter_path=folder.resolve(), adapter_id=adapter_id(folder))

    def _base_ref(self, name: str) -> ModelRef | None:
        """The base an adapter names: an installed model, or (for an adapter trained on a model
        folder used in place, ``precis-cli finetune --model DIR``) that folder's absolute path."""
        model = self.get(name)
        if model is not None:
            return ModelRef(model.name, model.path, model.revision)
        found = self.find_cached(name)
        if found is not None:
            return ModelRef(found.name, found.path, found.revision)
        path = Path(name).expanduser()
        if not path.is_absolute() or not path.is_dir() or is_adapter_dir(path):
            return None
        try:
            return self.resolve(path)
        except EngineError:
            return None

    def _base_from_peft(self, folder: Path) -> str | None:
        """Map peft's ``base_model_name_or_path`` (a Hub id or a path) to an installed model name."""
        value = peft_base_name(folder)
        if value is None:
            return None
        for model in self.installed():
            if value in (model.name, model.hub_id, str(model.path)):
                return model.name
        return Path(value).name

    def _not_found_sentence(self, name: str) -> str:
        catalog = self.catalog()
        entry = catalog.get(name) if catalog else None
        if entry is not None:
            verb = "finish downloading" if self.partial_bytes(name) else "download"
            return (
                f"{name} is not downloaded yet; {verb} it in the model manager or with "
                f"`precis-cli models download {name}` (about {human_bytes(entry.download_bytes)})."
            )
        names = [m.name for m in self.installed()] + [a.name for a in self.list_adapters()]
        names += [f"{f.name} (in the Hugging Face cache)" for f in self.found_models() if f.name not in names]
        have = f"installed: {', '.join(names)}" if names else "none is installed yet"
        example = catalog.default_name if catalog else "flan-t5-base"
        return (
            f"There is no model, adapter or model folder called {name!r} ({have}); download one with "
            f"`precis-cli models download {example}` or give the path of a model folder."
        )

    def catalog(self) -> Catalog | None:
        if self._catalog is None:
            try:
                self._catalog = Catalog.load()
            except CatalogError:
                return None
        return self._catalog

    # ----- import, install, remove ------------------------------------------------------
    def import_folder(
        self,
        src: Path | str,
        name: str | None = None,
        *,
        replace: bool = False,
        on_progress: EventCallback = ignore_events,
        should_stop: Callable[[], bool] | None = None,
    ) -> InstalledModel:
        """Validate ``src`` (a FLAN-T5 folder, or a Whisper converted for CTranslate2), copy its model
        files into the store and install them in one rename."""
        src = Path(src).expanduser()
        whisper = looks_like_whisper(src)
        info = validate_whisper_dir(src) if whisper else validate_model_dir(src)
        name = check_name(name or info.path.name)
        if self.is_installed(name) and not replace:
            raise EngineError(f"A model called {name} is already installed; pick another name or remove it first.")
        work = self.root / ".partial" / f"{name}.import-{uuid.uuid4().hex[:8]}"
        try:
            work.mkdir(parents=True)
            entries = copy_model_files(info.path, work, on_progress, should_stop,
                                       keep=is_transcriber_file if whisper else is_model_file)
            manifest = ModelManifest(name, content_revision(entries), "import", files=entries, imported_from=str(info.path),
                                     kind="transcriber" if whisper else "summarizer")
            return self.install(work, manifest, replace=replace)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise

    def install(self, work: Path, manifest: ModelManifest, *, replace: bool = False) -> InstalledModel:
        """Write manifest and marker into a finished ``work`` folder and rename it into place; the
        float32 summarizer first answers the self-check prompts (``self_check.py``), kept in the
        manifest (a transcriber writes no text to compare: it is validated by its reader, and its
        manifest says the check does not apply)."""
        target = self.model_dir(manifest.name)
        if not manifest.self_check:
            from desktop.ml.models.self_check import arrival_record, not_applying

            manifest.self_check = arrival_record(work) if manifest.kind == "summarizer" else not_applying(manifest.kind)
        manifest.write(work)
        mark_complete(work)
        old: Path | None = None
        if target.exists():
            # A folder without the marker is debris from an interrupted install, not a model.
            if not replace and is_complete(target):
                raise EngineError(f"A model called {manifest.name} is already installed; pick another name or remove it first.")
            old_manifest = ModelManifest.read(target)
            old = self._to_trash(target)
            if old_manifest is not None:
                self._remove_derived(lambda ref: ref.get("name") == manifest.name and ref.get("revision") == old_manifest.revision)
        os.replace(work, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        installed = self.get(manifest.name)
        assert installed is not None
        model_arrived(installed)
        return installed

    def remove(self, name: str) -> None:
        """Delete a model, any unfinished download of it and its derived files."""
        target = self.root / name
        partial = self.root / ".partial" / name
        if not _NAME.match(name) or name in RESERVED or not (target.is_dir() or partial.is_dir()):
            have = ", ".join(m.name for m in self.installed()) or "none yet"
            raise ModelNotFound(f"No model called {name} is installed (installed: {have}).")
        if target.is_dir():
            manifest = ModelManifest.read(target)
            trashed = self._to_trash(target)
            revision = manifest.revision if manifest else None
            self._remove_derived(lambda ref: ref.get("name") == name and (revision is None or ref.get("revision") == revision))
            shutil.rmtree(trashed, ignore_errors=True)
        if partial.is_dir():
            shutil.rmtree(self._to_trash(partial), ignore_errors=True)

    def _to_trash(self, path: Path) -> Path:
        trash = self.root / ".trash"
        trash.mkdir(exist_ok=True)
        for leftover in trash.iterdir():  # from an earlier removal that was interrupted
            shutil.rmtree(leftover, ignore_errors=True)
        dest = trash / f"{path.name}-{uuid.uuid4().hex[:8]}"
        try:
            os.replace(path, dest)
        except OSError as exc:
            raise EngineError(f"{path.name} could not be removed ({exc.strerror or exc}); close programs using it and try again.") from exc
        return dest

    # ----- derived artefacts -------------------------------------------------------------
    def derived_root(self, ref: ModelRef) -> Path:
        """The folder holding every file derived from ``ref`` (ONNX exports, CTranslate2
        conversions), created with a note naming the weights so ``remove`` can find it."""
        base = self.root / "derived" / ref.slug
        base.mkdir(parents=True, exist_ok=True)
        ref_file = base / REF_FILE
        if not ref_file.is_file():
            atomic_write_text(ref_file, json.dumps({"name": ref.name, "revision": ref.revision, "adapter_id": ref.adapter_id}))
        return base

    def derived_dir(self, ref: ModelRef, backend: str, quantization: str, version: str | int) -> Path:
        """Where a backend caches files built from ``ref``. Not created: a backend builds into a
        temporary sibling and renames it here, so an existing folder is a finished export."""
        return self.derived_root(ref) / f"{backend}-{quantization}-{version}"

    def remove_derived_build(self, ref: ModelRef, backend: str, quantization: str) -> None:
        """Delete the converted files of one backend and quantization (a conversion the self-check
        refused), so the next load builds them again."""
        for folder in self.derived_root(ref).glob(f"{backend}-{quantization}-*"):
            if folder.is_dir():
                shutil.rmtree(self._to_trash(folder), ignore_errors=True)

    def _remove_derived(self, matches: Callable[[dict], bool]) -> None:
        derived = self.root / "derived"
        if not derived.is_dir():
            return
        for folder in derived.iterdir():
            try:
                ref = json.loads((folder / REF_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(ref, dict) and matches(ref):
                shutil.rmtree(self._to_trash(folder), ignore_errors=True)

    # ----- adapters ---------------------------------------------------------------------
    def adapter_dir(self, name: str) -> Path:
        return self.root / "adapters" / check_name(name, "adapter")

    def list_adapters(self) -> list[AdapterInfo]:
        folder = self.root / "adapters"
        if not folder.is_dir():
            return []
        infos = (adapter_info(p) for p in sorted(folder.iterdir()) if p.is_dir() and not p.name.startswith("."))
        return [i for i in infos if i is not None]

    def rename_adapter(self, old: str, new: str) -> Path:
        src, dst = self._existing_adapter(old), self.adapter_dir(new)
        if dst.exists() or self.is_installed(new):
            raise EngineError(f"The name {new} is already taken; choose another name for the adapter.")
        os.replace(src, dst)
        manifest = AdapterManifest.read(dst)
        if manifest is not None:
            manifest.name = new
            manifest.write(dst)
        versions = versions_root(dst.parent, old)
        if versions.is_dir():  # earlier versions follow the name
            os.replace(versions, versions_root(dst.parent, new))
        return dst

    def delete_adapter(self, name: str) -> None:
        folder = self._existing_adapter(name)
        ident = adapter_id(folder) if is_adapter_dir(folder) else None
        trashed = self._to_trash(folder)
        if ident is not None:
            self._remove_derived(lambda ref: ref.get("adapter_id") == ident)
        shutil.rmtree(trashed, ignore_errors=True)
        shutil.rmtree(versions_root(folder.parent, name), ignore_errors=True)

    def export_adapter(self, name: str, dest: Path | str) -> Path:
        return export_adapter_dir(self._existing_adapter(name), Path(dest))

    def _existing_adapter(self, name: str) -> Path:
        folder = self.adapter_dir(name)
        if not folder.is_dir():
            have = ", ".join(a.name for a in self.list_adapters()) or "none yet"
            raise ModelNotFound(f"There is no fine-tuned adapter called {name} (adapters: {have}).")
        return folder


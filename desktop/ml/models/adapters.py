"""Fine-tuned LoRA adapters in the model store: a peft adapter folder plus ``precis-adapter.json``."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.atomic import atomic_write_text
from desktop.core.errors import EngineError, ModelNotFound
from desktop.ml.models.manifest import utc_now

ADAPTER_MANIFEST = "precis-adapter.json"
PEFT_CONFIG = "adapter_config.json"
PEFT_WEIGHTS = "adapter_model.safetensors"


@dataclass(slots=True)
class AdapterManifest:
    """Written by fine-tuning next to peft's files; names the exact base weights it was trained on."""

    name: str
    base_model: str
    base_revision: str
    created_at: str = field(default_factory=utc_now)
    method: str = "lora"
    metrics: dict[str, Any] = field(default_factory=dict)
    #: 1 for a new adapter; "Continue training" keeps the name and writes the next version.
    version: int = 1
    parent_version: int | None = None
    #: The user's instructed tasks it learned: {"instruction", "kind": "text"|"choice", "choices"}.
    tasks: list[dict[str, Any]] = field(default_factory=list)
    #: The evaluation card of the run that made this version (``EvaluationCard.to_dict``).
    card: dict[str, Any] = field(default_factory=dict)

    def write(self, folder: Path) -> None:
        atomic_write_text(folder / ADAPTER_MANIFEST, json.dumps(asdict(self), indent=2, sort_keys=True))

    @classmethod
    def read(cls, folder: Path) -> AdapterManifest | None:
        try:
            data = json.loads((folder / ADAPTER_MANIFEST).read_text(encoding="utf-8"))
            return cls(
                name=str(data.get("name", folder.name)),
                base_model=str(data["base_model"]),
                base_revision=str(data["base_revision"]),
                created_at=str(data.get("created_at", "")),
                method=str(data.get("method", "lora")),
                metrics=dict(data.get("metrics") or {}),
                version=int(data.get("version") or 1),
                parent_version=int(data["parent_version"]) if data.get("parent_version") else None,
                tasks=[dict(t) for t in data.get("tasks") or []],
                card=dict(data.get("card") or {}),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True, slots=True)
class AdapterInfo:
    name: str
    path: Path
    base_model: str
    base_revision: str
    created_at: str
    metrics: dict[str, Any]
    size_bytes: int
    version: int = 1


#: Labels the app classifies that an adapter's own task can answer instead of the shipped prompt,
#: found by words of the task's instruction.
LABEL_WORDS = {"urgency": ("urgent", "urgency")}
#: A yes/no answer to "is it urgent?" as the urgency label the app shows and filters by.
YES_NO_LABELS = {"urgency": {"yes": "urgent", "no": "not urgent"}}


@dataclass(frozen=True, slots=True)
class LabelTask:
    """An adapter's task that answers one of the app's labels: its instruction and fixed answers."""

    label: str
    instruction: str
    choices: tuple[str, ...]

    def label_value(self, choice: str) -> str:
        return YES_NO_LABELS.get(self.label, {}).get(choice.strip().casefold(), choice)


def label_tasks(folder: Path | None) -> dict[str, LabelTask]:
    """label -> the adapter's task for it (a choice task whose instruction names the label);
    empty without an adapter or without such a task."""
    manifest = AdapterManifest.read(folder) if folder is not None else None
    if manifest is None:
        return {}
    out: dict[str, LabelTask] = {}
    for task in manifest.tasks:
        instruction, choices = str(task.get("instruction", "")), tuple(str(c) for c in task.get("choices") or ())
        if task.get("kind") != "choice" or len(choices) < 2:
            continue
        for label, words in LABEL_WORDS.items():
            if label not in out and any(w in instruction.casefold() for w in words):
                out[label] = LabelTask(label, instruction, choices)
    return out


def is_adapter_dir(folder: Path) -> bool:
    return (folder / PEFT_CONFIG).is_file() and (folder / PEFT_WEIGHTS).is_file()


def adapter_id(folder: Path) -> str:
    """Content hash of the adapter's config and weights: a renamed adapter keeps its cache entries,
    a retrained one does not. Adapters are megabytes, so hashing them is quick."""
    digest = hashlib.sha256()
    for name in (PEFT_CONFIG, PEFT_WEIGHTS):
        path = folder / name
        if not path.is_file():
            raise ModelNotFound(f"The adapter folder {folder} has no {name}; it is incomplete.")
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    return "lora-" + digest.hexdigest()[:16]


def adapter_info(folder: Path) -> AdapterInfo | None:
    manifest = AdapterManifest.read(folder)
    if manifest is None or not is_adapter_dir(folder):
        return None
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return AdapterInfo(
        name=folder.name,
        path=folder,
        base_model=manifest.base_model,
        base_revision=manifest.base_revision,
        created_at=manifest.created_at,
        metrics=manifest.metrics,
        size_bytes=size,
        version=manifest.version,
    )


def peft_base_name(folder: Path) -> str | None:
    """``base_model_name_or_path`` from peft's config: how a foreign adapter names its base."""
    try:
        value = json.loads((folder / PEFT_CONFIG).read_text(encoding="utf-8")).get("base_model_name_or_path")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def export_adapter_dir(folder: Path, dest: Path) -> Path:
    """Copy an adapter to ``dest``: a ``.zip`` file, or a folder that must not exist yet."""
    dest = Path(dest).expanduser()
    if dest.exists() and (dest.is_file() or any(dest.iterdir())):
        raise EngineError(f"{dest} already exists; choose a new file or an empty folder to export the adapter to.")
    try:
        if dest.suffix.lower() == ".zip":
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(dest.name + ".part")
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        zf.write(path, Path(folder.name) / path.relative_to(folder))
            tmp.replace(dest)
        else:
            tmp = dest.with_name(dest.name + ".part")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(folder, tmp)
            if dest.exists():
                dest.rmdir()
            tmp.replace(dest)
    except OSError as exc:
        raise EngineError(f"The adapter could not be exported to {dest} ({exc.strerror or exc}).") from exc
    return dest

"""A finished run waiting for the user's choice: keep it (into the model store, under a name)
or discard it. Nothing appears in the model picker before ``keep_result``."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import FinetuneError
from desktop.ml.finetune.card import EvaluationCard
from desktop.ml.finetune.examples import Example
from desktop.ml.finetune.run_folder import RunFolder
from desktop.ml.finetune.tasks import SUMMARY_TASK, choices, is_pair_task, task_label, task_of
from desktop.ml.finetune.trainer import History
from desktop.ml.models.adapter_versions import add_version, list_versions
from desktop.ml.models.adapters import AdapterManifest
from desktop.ml.models.importer import content_revision
from desktop.ml.models.manifest import ModelManifest, is_model_file, sha256_file
from desktop.ml.models.store import ModelStore, check_name

#: Written into a fully fine-tuned model's folder: what it was made from and how it scored.
FINETUNE_INFO = "precis-finetune.json"


@dataclass(slots=True)
class FinetuneResult:
    name: str
    method: str
    run_dir: Path
    result_dir: Path
    base_model: str
    base_revision: str
    card: EvaluationCard
    history: History
    steps: int
    resumed_from: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: "Continue training": the adapter it started from, and the version this result becomes.
    continued_from: str | None = None
    version: int = 1
    parent_version: int | None = None
    #: The user's instructed tasks (``AdapterManifest.tasks``).
    tasks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def train_loss_first(self) -> float | None:
        return self.history.train[0][1] if self.history.train else None

    @property
    def train_loss_last(self) -> float | None:
        return self.history.train[-1][1] if self.history.train else None

    def metrics(self) -> dict[str, Any]:
        """What the adapter manifest keeps, for the model manager to show later."""
        card = self.card
        return {"val_before": card.val_before, "val_after": card.val_after, "replay_before": card.replay_before,
                "replay_after": card.replay_after, "replay_agreement": card.replay_agreement, "steps": self.steps,
                "train_loss_first": self.train_loss_first, "train_loss_last": self.train_loss_last,
                "val_loss": self.history.val[-1][1] if self.history.val else None,
                "pairs": self.counts.get("train", 0) + self.counts.get("val", 0), "replay": self.counts.get("replay", 0)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "adapter": self.name, "method": self.method, "run_dir": str(self.run_dir), "result_dir": str(self.result_dir),
            "base_model": self.base_model, "base_revision": self.base_revision, "steps": self.steps,
            "resumed_from": self.resumed_from, "train_loss_first": self.train_loss_first,
            "train_loss_last": self.train_loss_last, **self.card.to_dict(), "history": self.history.to_dict(),
            "counts": self.counts, "notes": self.notes, "settings": self.settings, "seconds": round(self.seconds, 1),
            "continued_from": self.continued_from, "version": self.version, "parent_version": self.parent_version,
            # Not "tasks": that is the card's per-task scores, spread above.
            "adapter_tasks": self.tasks,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinetuneResult:
        card_fields = EvaluationCard.__dataclass_fields__
        return cls(
            name=data["adapter"], method=data["method"], run_dir=Path(data["run_dir"]), result_dir=Path(data["result_dir"]),
            base_model=data["base_model"], base_revision=data["base_revision"],
            card=EvaluationCard.from_dict({k: v for k, v in data.items() if k in card_fields}),
            history=History.from_dict(data["history"]), steps=int(data["steps"]), resumed_from=int(data["resumed_from"]),
            counts=dict(data.get("counts", {})), notes=list(data.get("notes", [])), settings=dict(data.get("settings", {})),
            seconds=float(data.get("seconds", 0.0)), continued_from=data.get("continued_from"),
            version=int(data.get("version", 1)), parent_version=data.get("parent_version"),
            tasks=list(data.get("adapter_tasks", [])),
        )


def adapter_tasks(examples: Sequence[Example], earlier: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The instructed tasks among the user's pairs, with their fixed answers when they have them
    (what the app can use in place of a shipped label prompt). A continued adapter keeps the
    tasks of its earlier versions that its new pairs do not bring again."""
    answers: dict[str, list[str]] = {}
    for e in examples:
        if is_pair_task(e.task) and e.task != SUMMARY_TASK and not e.earlier:
            answers.setdefault(e.task, []).append(e.target)
    out = [dict(t) for t in earlier if task_of(str(t.get("instruction", ""))) not in answers]
    for task, values in answers.items():
        options = choices(values)
        out.append({"instruction": task_label(task), "kind": "text" if options is None else "choice",
                    "choices": options or [], "examples": len(values)})
    return out


def check_free_name(store: ModelStore, name: str) -> str:
    """The name for the result, refused early (before training) when a model or adapter has it."""
    check_name(name, "adapter")
    if store.adapter_dir(name).exists() or store.is_installed(name):
        raise FinetuneError(f"A model or adapter called {name} already exists; choose another name.")
    return name


def keep_result(result: FinetuneResult, store: ModelStore | None = None, name: str | None = None) -> Path:
    """Move the result into the store: an adapter into ``adapters/<name>``, a full fine-tune in
    as an installed model. The run folder (checkpoints) is removed afterwards."""
    store = store or ModelStore(result.run_dir.parent.parent)  # the store the run lives in
    name = name or result.name
    if name != result.continued_from:  # a new version keeps its adapter's name
        check_free_name(store, name)
    if not result.result_dir.is_dir():
        raise FinetuneError("This fine-tuning result is gone (discarded, or kept already).")
    if result.method == "full":
        dest = _install_full(store, result, name)
    else:
        dest = store.adapter_dir(name)
        new_version = result.continued_from == name
        if new_version:  # the next number of the name, whichever version is in use now
            result.version = max((v.version for v in list_versions(dest.parent, name)), default=0) + 1
        AdapterManifest(name, result.base_model, result.base_revision, method=result.method, metrics=result.metrics(),
                        version=result.version if new_version else 1,
                        parent_version=result.parent_version if new_version else None, tasks=result.tasks,
                        card=result.card.to_dict()).write(result.result_dir)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if new_version:
            add_version(dest.parent, name, result.result_dir)
        else:
            os.replace(result.result_dir, dest)
    RunFolder(result.run_dir).remove()
    return dest


def _install_full(store: ModelStore, result: FinetuneResult, name: str) -> Path:
    folder = result.result_dir
    (folder / FINETUNE_INFO).write_text(json.dumps({"base_model": result.base_model, "base_revision": result.base_revision,
                                                    "metrics": result.metrics()}, indent=2), encoding="utf-8")
    files = {p.name: {"size": p.stat().st_size, "sha256": sha256_file(p)}
             for p in sorted(folder.iterdir()) if p.is_file() and is_model_file(p.name)}
    manifest = ModelManifest(name, content_revision(files), "finetune", files=files,
                             imported_from=f"fine-tuned from {result.base_model}")
    return store.install(folder, manifest).path


def discard_result(result: FinetuneResult) -> None:
    """Delete the result and the run's checkpoints."""
    RunFolder(result.run_dir).remove()

"""Continue training a kept adapter: start from its weights, replay a sample of the pairs its
versions were trained on beside the new pairs and the general instructions, and test how much
of the earlier pairs the new version forgets.

The pairs an adapter was trained on travel with it in ``precis-pairs.json``: a copy of each
training example, or (when the user keeps no copies) only its content hash, the pairs then being
found again by content in the files they came from or in the new pairs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.atomic import atomic_write_text
from desktop.core.errors import FinetuneError, PrecisError
from desktop.core.prompting.prompts import PromptLibrary
from desktop.ml.backends.base import ModelRef
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.finetune.examples import Example, summary_examples
from desktop.ml.finetune.pairset import PairSet
from desktop.ml.finetune.settings import FinetuneSettings
from desktop.ml.models.adapters import PEFT_CONFIG, AdapterManifest, is_adapter_dir
from desktop.ml.models.store import ModelStore

PAIRS_FILE = "precis-pairs.json"
#: Earlier pairs replayed per new pair: enough to keep them, few enough that new pairs lead.
EARLIER_PER_NEW = 0.5
#: Earlier pairs held out of training to measure their forgetting (the card's "earlier pairs").
EARLIER_EVAL_MAX = 8
#: Fields of an example kept when copies are kept (``Example`` minus the derived ones).
_COPY_FIELDS = ("source", "target", "task", "template_id", "origin")


@dataclass(slots=True)
class PriorAdapter:
    """The kept adapter a run continues, resolved to its base model."""

    name: str
    path: Path
    manifest: AdapterManifest
    base: ModelRef
    lora: dict[str, Any]

    @property
    def version(self) -> int:
        return self.manifest.version

    def adapt(self, settings: FinetuneSettings) -> FinetuneSettings:
        """The run's settings with the adapter's own shape (rank, alpha, target modules)."""
        targets = self.lora.get("target_modules") or settings.target_modules
        return settings.with_overrides(method="lora", lora_r=int(self.lora.get("r", settings.lora_r)),
                                       lora_alpha=int(self.lora.get("lora_alpha", settings.lora_alpha)),
                                       target_modules=tuple(sorted(targets)))


def open_prior(store: ModelStore, name: str, model: str | None) -> PriorAdapter:
    """The adapter to continue, or one sentence: missing, not an adapter of ours, its base gone,
    or another base than the one asked for."""
    folder = store.adapter_dir(name)
    manifest = AdapterManifest.read(folder)
    if manifest is None or not is_adapter_dir(folder):
        have = ", ".join(a.name for a in store.list_adapters()) or "none yet"
        raise FinetuneError(f"There is no fine-tuned adapter called {name} to continue (adapters: {have}).")
    resolved = store.resolve(name)  # ModelNotFound with its sentence when the base is gone or changed
    base = ModelRef(resolved.name, resolved.path, resolved.revision)
    if model:
        wanted = store.resolve(model)
        if wanted.adapter_path is not None or Path(wanted.path).resolve() != Path(base.path).resolve() \
                or wanted.revision != base.revision:
            raise FinetuneError(f"The adapter {name} was trained on {manifest.base_model}, not {model}; continue it on "
                                f"its own base model, or train a new adapter on {model}.")
    try:
        lora = json.loads((folder / PEFT_CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FinetuneError(f"The adapter {name} is damaged ({PEFT_CONFIG} cannot be read); train a new one.") from exc
    return PriorAdapter(name, folder, manifest, base, lora if isinstance(lora, dict) else {})


@dataclass(slots=True)
class Earlier:
    """Earlier pairs of a continued adapter: ``replay`` joins training, ``held`` is only tested."""

    replay: list[Example] = field(default_factory=list)
    held: list[Example] = field(default_factory=list)
    #: Every row of the adapter's pairs record not replaced by a new pair (kept with the new version).
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def earlier_pairs(prior: PriorAdapter, new_keys: set[str], library: PromptLibrary, counter: TokenCounter,
                  settings: FinetuneSettings, n_new: int, extra_sources: Sequence[str]) -> Earlier:
    record = read_pairs_record(prior.path)
    if record is None:
        note = f"The adapter {prior.name} kept no record of its training pairs; training continues without replaying them."
        return Earlier(notes=[note])
    rows = [r for r in record.get("pairs", []) if r.get("key") not in new_keys]
    found = _examples(rows, record, library, counter, settings, extra_sources)
    notes = []
    if len(found) < len(rows):
        notes.append(f"{len(rows) - len(found)} of the {len(rows)} earlier pairs were not found again (their files "
                     "moved or changed) and are not replayed.")
    train = [e for e in found if _split(rows, e.key) == "train"]
    val = [e for e in found if _split(rows, e.key) != "train"]
    replay, held = plan_earlier(train, val, n_new, settings.seed)
    return Earlier(replay, held, rows, notes)


def plan_earlier(train: Sequence[Example], val: Sequence[Example], n_new: int,
                 seed: int) -> tuple[list[Example], list[Example]]:
    """(replayed, held out): the held-out earlier pairs are the earlier versions' own validation
    pairs, topped up with training pairs this run does not replay; never one of both."""
    pool = sorted(train, key=lambda e: e.key)
    random.Random(seed).shuffle(pool)
    held = sorted(val, key=lambda e: e.key)[:EARLIER_EVAL_MAX]
    extra = min(EARLIER_EVAL_MAX - len(held), len(pool) // 4)
    if not held and len(pool) >= 2:
        extra = max(1, extra)
    held += pool[:extra]
    rest = pool[extra:]
    n_replay = min(len(rest), max(1, round(n_new * EARLIER_PER_NEW))) if rest else 0
    return rest[:n_replay], held


def _split(rows: Sequence[dict[str, Any]], key: str) -> str:
    return next((str(r.get("split", "train")) for r in rows if r.get("key") == key), "train")


def _examples(rows: Sequence[dict[str, Any]], record: dict[str, Any], library: PromptLibrary, counter: TokenCounter,
              settings: FinetuneSettings, extra_sources: Sequence[str]) -> list[Example]:
    """Copies as they were kept; references found again by content hash in the recorded sources
    and the new pairs files."""
    out = [Example(**{k: r[k] for k in _COPY_FIELDS}, key=r["key"], earlier=True)
           for r in rows if all(k in r for k in _COPY_FIELDS)]
    wanted = {r["key"] for r in rows if not all(k in r for k in _COPY_FIELDS)}
    if not wanted:
        return out
    items = []
    for source in list(dict.fromkeys([*record.get("sources", []), *extra_sources])):
        try:
            items += PairSet.load([source], counter.count).usable
        except PrecisError:
            continue  # a source that moved or broke: its pairs are reported as not found
    matching = [i for i in items if i.key in wanted]
    made = summary_examples(list({i.key: i for i in matching}.values()), library, counter.count,
                            settings.max_source_len).examples
    return out + [Example(e.source, e.target, e.task, e.template_id, e.origin, key=e.key, earlier=True) for e in made]


def read_pairs_record(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((Path(folder) / PAIRS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def pairs_record(train: Sequence[Example], val: Sequence[Example], earlier_rows: Sequence[dict[str, Any]],
                 sources: Sequence[str], keep_copies: bool, previous_sources: Sequence[str] = ()) -> dict[str, Any]:
    """What a new version keeps about its training pairs: its own new pairs and every earlier one."""
    rows = []
    for split, examples in (("train", train), ("val", val)):
        for e in examples:
            if e.is_new:
                row: dict[str, Any] = {"key": e.key, "split": split, "task": e.task}
                if keep_copies:
                    row.update({k: getattr(e, k) for k in _COPY_FIELDS})
                rows.append(row)
    keys = {r["key"] for r in rows}
    for r in earlier_rows:
        if r.get("key") not in keys:
            rows.append(dict(r) if keep_copies else {k: r[k] for k in ("key", "split", "task") if k in r})
    all_sources = [str(Path(s).expanduser().resolve()) for s in [*previous_sources, *sources]]
    return {"copies": keep_copies, "sources": list(dict.fromkeys(all_sources)), "pairs": rows}


def write_pairs_record(folder: Path, record: dict[str, Any]) -> None:
    atomic_write_text(Path(folder) / PAIRS_FILE, json.dumps(record, ensure_ascii=False))

"""One fine-tuning run, start to end: pairs -> examples and replay -> base scores -> training
-> scores after -> a result folder waiting to be kept or discarded.

Runs in the calling process (the CLI) or in a spawned child (``process.py``, the GUI); either
way it reports only through events and stops through the Cancel and Pause tokens.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import FinetuneError, PairsError
from desktop.core.events import CancelToken, EventCallback, Notice, Progress, ignore_events
from desktop.core.prompting.prompts import PromptLibrary
from desktop.ml.backends.base import GenerationSettings, ModelRef
from desktop.ml.backends.tokenizer import TokenCounter
from desktop.ml.engine.quality import clean_output
from desktop.ml.finetune.batches import encode
from desktop.ml.finetune.card import EvaluationCard, Previous, task_kinds
from desktop.ml.finetune.continual import (
    earlier_pairs,
    open_prior,
    pairs_record,
    read_pairs_record,
    write_pairs_record,
)
from desktop.ml.finetune.control import PauseToken, TrainingControl
from desktop.ml.finetune.model import (
    check_method,
    file_hashes,
    generation_model,
    load_adapter_trainable,
    load_base,
    make_trainable,
    save_adapter,
    save_full,
)
from desktop.ml.finetune.pairset import PairSet
from desktop.ml.finetune.prepare import Prepared, StageGenerate, card_settings, prepare
from desktop.ml.finetune.replay import load_general
from desktop.ml.finetune.result import FinetuneResult, adapter_tasks, check_free_name
from desktop.ml.finetune.run_folder import Checkpoint, RunFolder
from desktop.ml.finetune.settings import FinetuneSettings
from desktop.ml.finetune.trainer import Trainer
from desktop.ml.models.store import ModelStore

log = logging.getLogger(__name__)


@dataclass(slots=True)
class FinetuneRequest:
    """What to train: plain values, so it crosses to a spawned child process as is."""

    model: str
    pairs: list[str]
    out: str
    settings: FinetuneSettings = field(default_factory=FinetuneSettings)
    #: Continue the run of this ``out`` name from its last checkpoint (its saved settings win).
    resume: bool = False
    store_root: str | None = None
    #: "Continue training": start from this kept adapter (``model`` may then be "", its base);
    #: ``out`` equal to it writes its next version, another name a new adapter.
    continue_from: str | None = None
    #: General instructions to replay and hold out (JSONL like ``resources/instructions/general.jsonl``);
    #: None: the shipped ones.
    general: str | None = None


def run_finetune(request: FinetuneRequest, *, on_event: EventCallback = ignore_events, cancel: CancelToken | None = None,
                 pause: PauseToken | None = None) -> FinetuneResult:
    """Train, evaluate and stage the result; a write the disk refuses (full, read-only, a file-size
    limit) ends the run with one sentence, and what was written before it stays usable."""
    from desktop.ml.finetune.availability import available

    lacking = available()
    if lacking is not None:  # the install without torch
        raise FinetuneError(lacking)
    try:
        return _run_finetune(request, on_event=on_event, cancel=cancel, pause=pause)
    except OSError as exc:
        raise FinetuneError(_write_failed(request, exc)) from exc


def _write_failed(request: FinetuneRequest, exc: OSError) -> str:
    run = RunFolder.for_name(ModelStore(request.store_root).root, request.out)
    reason = exc.strerror or str(exc)
    where = Path(exc.filename).parent if isinstance(exc.filename, str) else run.path
    while not where.exists() and where != where.parent:  # a staged folder that is gone again
        where = where.parent
    checkpoint = run.latest_checkpoint()
    kept = (f"The checkpoint at step {checkpoint.step} is kept: free some space and resume the run."
            if checkpoint is not None else "Free some space and start the run again.")
    return f"Training stopped because Precis could not write to {where} ({reason}). Nothing was left half-written. {kept}"


def _run_finetune(request: FinetuneRequest, *, on_event: EventCallback, cancel: CancelToken | None,
                  pause: PauseToken | None) -> FinetuneResult:
    started = time.monotonic()
    control = TrainingControl(cancel, pause, on_pause=lambda p: on_event(Progress("paused" if p else "training", 0, 0)))
    settings = request.settings.checked()
    store = ModelStore(request.store_root)
    prior = open_prior(store, request.continue_from, request.model) if request.continue_from else None
    if prior is None or request.out != prior.name:
        check_free_name(store, request.out)
    if prior is not None:
        ref, settings = prior.base, prior.adapt(settings)
    else:
        ref = store.resolve(request.model)
        if ref.adapter_path is not None:
            raise FinetuneError(f"{request.model} is an adapter; fine-tune its base model ({ref.name}) instead, or "
                                "continue training it.")
    counter = TokenCounter.for_model(ref.path, store.derived_root(ref) / "tokenizers")
    on_event(Progress("reading pairs", 0, 1))
    pairs = PairSet.load(request.pairs, counter.count)
    if not pairs.usable:
        raise PairsError("None of the pairs can be used for training: every one is empty, a duplicate or unreadable.")
    pairs.check_tasks()
    run = RunFolder.for_name(store.root, request.out)
    identity = {"base": ref.identity, "method": settings.method, "pairs": pairs.fingerprint()}
    if prior is not None:
        identity["continue"] = f"{prior.name}@{prior.version}"
    prepared, checkpoint, settings = _resume_point(run, request, identity, settings, on_event)
    hashes = file_hashes(ref.path)
    device = _device(settings)
    model = load_base(ref.path)
    check_method(model, settings)
    model = model.to(device).eval()
    control.cancel.raise_if_cancelled()
    generate = _generator(model, counter, device, control, on_event)
    library = PromptLibrary.load()
    earlier = None
    fresh = prepared is None
    if prepared is None:
        if prior is not None:
            train_items, _ = pairs.split(settings.val_share, settings.seed)
            earlier = earlier_pairs(prior, {i.key for i in pairs.usable}, library, counter, settings, len(train_items),
                                    request.pairs)
        general = load_general(Path(request.general)) if request.general else None
        prepared = prepare(pairs, settings, counter, generate, library=library, on_event=on_event, earlier=earlier,
                           general=general)
    _seed(settings.seed)  # LoRA's initial weights and dropout: the same run twice gives the same adapter
    model = load_adapter_trainable(model, prior.path) if prior is not None else make_trainable(model, settings)
    generate = _generator(model, counter, device, control, on_event)
    if prior is not None and prepared.previous is None:
        prepared.previous = _outputs(prepared, generate, settings, f"version {prior.version}")
    if fresh:
        if earlier is not None:
            run.write_json("earlier.json", earlier.rows)
        run.write_json("prepared.json", prepared.to_dict())
        run.write_json("run.json", {**identity, "settings": settings.to_dict()})
    trainer = Trainer(model, encode(prepared.train, counter, settings.max_source_len, settings.max_target_len),
                      encode(prepared.val, counter, settings.max_source_len, settings.max_target_len), settings,
                      device=device, pad_id=counter.pad_id, control=control, run=run, on_event=on_event,
                      is_new=[e.is_new for e in prepared.train])
    on_event(Progress("training", 0, trainer.total_steps))
    history = trainer.fit(checkpoint)
    model.eval()
    after = _outputs(prepared, generate, settings, "the fine-tuned model")
    kinds = task_kinds(prepared.train + prepared.val)
    previous = None
    if prior is not None and prepared.previous is not None:
        previous = Previous(prior.version, prepared.previous["val"], prepared.previous["held"], prepared.earlier,
                            prepared.earlier_before, prepared.previous["earlier"], after["earlier"])
    card = EvaluationCard.build(prepared.val, prepared.val_before, after["val"], prepared.heldout, prepared.held_before,
                                after["held"], settings.samples, kinds=kinds, previous=previous)
    on_event(Progress("saving", 0, 1))
    base_label = prior.manifest.base_model if prior is not None else \
        ref.name if _in_store(store, ref) else str(Path(ref.path).resolve())
    record = pairs_record(prepared.train, prepared.val, run.read_json("earlier.json") or [], request.pairs,
                          settings.keep_pairs, (read_pairs_record(prior.path) or {}).get("sources", []) if prior else [])
    if settings.method == "full":
        run.write_result(lambda out: save_full(generation_model(model), out, Path(ref.path)))
    else:
        def write(out: Path) -> None:
            save_adapter(model, out, base_label)
            write_pairs_record(out, record)

        run.write_result(write)
    if file_hashes(ref.path) != hashes:  # never expected: say so loudly rather than keep quiet
        raise FinetuneError(f"The files of the base model {ref.name} changed during training; reinstall it.")
    on_event(Progress("done", 1, 1, 0.0))
    return FinetuneResult(
        name=request.out, method=settings.method, run_dir=run.path, result_dir=run.result, base_model=base_label,
        base_revision=ref.revision, card=card, history=history, steps=trainer.total_steps,
        resumed_from=trainer.resumed_from, counts=prepared.counts, notes=prepared.notes, settings=settings.to_dict(),
        seconds=time.monotonic() - started, continued_from=prior.name if prior else None,
        version=prior.version + 1 if prior is not None and request.out == prior.name else 1,
        parent_version=prior.version if prior is not None else None, tasks=adapter_tasks(prepared.train + prepared.val, prior.manifest.tasks if prior else ()),
    )


def _resume_point(run: RunFolder, request: FinetuneRequest, identity: dict[str, Any], settings: FinetuneSettings,
                  on_event: EventCallback) -> tuple[Prepared | None, Checkpoint | None, FinetuneSettings]:
    """(prepared data, checkpoint, settings) of the run to continue, or a fresh run folder."""
    run.clean_temp()
    saved = run.read_json("run.json") if request.resume else None
    data = run.read_json("prepared.json") if saved else None
    if saved is None or data is None:
        if request.resume:
            on_event(Notice(f"There is no interrupted run called {request.out} to resume; starting from the beginning."))
        elif run.latest_checkpoint() is not None:
            on_event(Notice(f"The interrupted run called {request.out} was discarded to start again "
                            "(resuming would have continued it)."))
        run.reset()
        return None, None, settings
    changed = [k for k in identity if saved.get(k) != identity[k]]
    if changed:
        what = {"base": "another model", "method": "another method", "pairs": "other pairs",
                "continue": "another adapter version"}
        raise FinetuneError(f"The interrupted run {request.out} used {', '.join(what[k] for k in changed)}; "
                            "start it again without resuming.")
    checkpoint = run.latest_checkpoint()
    saved_settings = FinetuneSettings.from_dict(saved["settings"])
    if saved_settings != settings:
        on_event(Notice("Resuming with the settings the run started with."))
    return Prepared.from_dict(data), checkpoint, saved_settings


def _device(settings: FinetuneSettings) -> str:
    import torch

    from desktop.ml.backends.batching import resolve_threads

    wants_cuda = settings.device.startswith("cuda") or settings.device == "auto"
    if wants_cuda and torch.cuda.is_available():
        return "cuda"
    if settings.device.startswith("cuda"):
        raise FinetuneError("No usable NVIDIA GPU was found; fine-tune on the CPU instead.")
    torch.set_num_threads(resolve_threads(settings.threads))
    return "cpu"


def _seed(seed: int) -> None:
    import random

    import torch

    random.seed(seed)
    torch.manual_seed(seed)


def _generator(model: Any, counter: TokenCounter, device: str, control: TrainingControl,
               on_event: EventCallback) -> StageGenerate:
    """generate(prompts, settings, stage) with the model in memory (greedy, as the card promises)."""
    from desktop.ml.backends.hf_generation import hf_generate

    def generate(prompts: list[str], settings: GenerationSettings, stage: str) -> list[str]:
        if not prompts:
            return []
        done = [0]

        def tick(_i: int, _text: str) -> None:
            done[0] += 1
            on_event(Progress(stage, done[0], len(prompts)))

        on_event(Progress(stage, 0, len(prompts)))
        was_training = model.training
        model.eval()
        try:
            texts = hf_generate(generation_model(model), counter, prompts, settings, device=device,
                                should_stop=control.should_stop, on_result=tick)
        finally:
            model.train(was_training)
        return [clean_output(t) for t in texts]

    return generate


def _outputs(prepared: Prepared, generate: StageGenerate, settings: FinetuneSettings, who: str) -> dict[str, list[str]]:
    """The model's outputs as it is now on the card's items: validation pairs ("val"), held-out
    other instructions ("held") and held-out earlier pairs ("earlier")."""
    from desktop.ml.finetune.replay import ReplayPrompt, generate_answers

    val = generate([e.source for e in prepared.val], card_settings(settings), f"testing {who} on your pairs")
    prompts = [ReplayPrompt(e.source, e.task, e.template_id, e.origin, e.reference) for e in prepared.heldout]
    stage = f"testing {who} on other instructions"
    held = generate_answers(prompts, lambda p, s: generate(p, s, stage), settings.max_target_len)
    earlier = generate([e.source for e in prepared.earlier], card_settings(settings), f"testing {who} on earlier pairs")
    return {"val": val, "held": held, "earlier": earlier}


def _in_store(store: ModelStore, ref: ModelRef) -> bool:
    model = store.get(ref.name)
    return model is not None and Path(model.path).resolve() == Path(ref.path).resolve()

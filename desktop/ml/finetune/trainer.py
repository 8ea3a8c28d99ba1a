"""The training loop: plain torch, AdamW with linear warmup and decay, gradient clipping,
length-grouped batches, bf16 autocast on CUDA. It knows nothing of any UI: it reports through
``Loss`` and ``Progress`` events and obeys a ``TrainingControl`` (Cancel, Pause)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.core.errors import FinetuneError
from desktop.core.events import EventCallback, Loss, Progress, ignore_events
from desktop.ml.finetune.batches import BatchOrder, Encoded, micro_batches
from desktop.ml.finetune.control import TrainingControl
from desktop.ml.finetune.run_folder import Checkpoint, RunFolder
from desktop.ml.finetune.schedule import ProgressiveOrder
from desktop.ml.finetune.settings import FinetuneSettings

log = logging.getLogger(__name__)


@dataclass(slots=True)
class History:
    """The loss curve so far; saved in every checkpoint so a resumed run continues it."""

    train: list[tuple[int, float]] = field(default_factory=list)
    val: list[tuple[int, float]] = field(default_factory=list)
    tokens: int = 0
    seconds: float = 0.0
    #: (step, share of the user's new pairs in the batch the trainer actually ran at that step).
    mix: list[tuple[int, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"train": self.train, "val": self.val, "tokens": self.tokens, "seconds": self.seconds, "mix": self.mix}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        return cls([(int(s), float(v)) for s, v in data.get("train", [])],
                   [(int(s), float(v)) for s, v in data.get("val", [])],
                   int(data.get("tokens", 0)), float(data.get("seconds", 0.0)),
                   [(int(s), float(v)) for s, v in data.get("mix", [])])

    def events(self, total: int) -> list[Loss]:
        """The curve as Loss events, to redraw it after a resume."""
        val = dict(self.val)
        steps = sorted({s for s, _ in self.train} | set(val))
        train = dict(self.train)
        return [Loss(s, train.get(s), val.get(s), None, None, total) for s in steps]


class Trainer:
    def __init__(self, model: Any, train: Sequence[Encoded], val: Sequence[Encoded], settings: FinetuneSettings, *,
                 device: str, pad_id: int, control: TrainingControl | None = None, run: RunFolder | None = None,
                 on_event: EventCallback = ignore_events, meta: dict[str, Any] | None = None,
                 is_new: Sequence[bool] | None = None) -> None:
        import torch

        self.model = model
        self.train_data = list(train)
        self.val_data = list(val)
        self.settings = settings
        self.device = device
        self.pad_id = pad_id
        self.control = control or TrainingControl()
        self.run = run
        self.on_event = on_event
        self.meta = dict(meta or {})
        #: Which training examples are the user's new pairs (the rest: replay, earlier pairs).
        self.is_new = list(is_new) if is_new is not None else [True] * len(self.train_data)
        self.order: BatchOrder | ProgressiveOrder = BatchOrder([e.tokens for e in self.train_data],
                                                               settings.batch_size, settings.seed)
        self.total_steps = settings.total_steps(self.order.batches_per_epoch)
        if settings.schedule == "progressive":
            self.order = ProgressiveOrder(self.is_new, settings.batch_size, settings.seed, self.total_steps, settings)
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(self.params, lr=settings.learning_rate, weight_decay=settings.weight_decay)
        warmup = settings.warmup_steps(self.total_steps)
        total = self.total_steps

        def schedule(step: int) -> float:
            if step < warmup:
                return (step + 1) / (warmup + 1)
            return max(0.0, (total - step) / max(1, total - warmup))

        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, schedule)
        self.history = History()
        self.resumed_from = 0
        #: Saved with each checkpoint: the batch order of any step follows from these.
        self.meta.update(seed=settings.seed, batch_size=self.order.batch_size, examples=len(self.train_data),
                         total_steps=self.total_steps)
        self._bf16 = device.startswith("cuda") and torch.cuda.is_bf16_supported()

    # ----- the loop ------------------------------------------------------------------------
    def fit(self, resume: Checkpoint | None = None) -> History:
        step = 0
        if resume is not None:
            assert self.run is not None
            if any(resume.meta.get(k) != v for k, v in self.meta.items()):
                raise FinetuneError("The last checkpoint was made with other training data or settings; start the run "
                                    "again without resuming.")
            self.run.load_checkpoint(resume, self.model, self.optimizer, self.scheduler)
            self.history = History.from_dict(resume.meta.get("history", {}))
            step = self.resumed_from = resume.step
            for event in self.history.events(self.total_steps):
                self.on_event(event)
            self.on_event(Progress(f"resuming at step {step + 1} of {self.total_steps}", step, self.total_steps))
        elif self.val_data:
            start_val = self.val_loss()
            self.history.val.append((0, start_val))
            self.on_event(Loss(0, None, start_val, None, None, self.total_steps))
        handles = self.control.install(self.model)
        self.model.train()
        started, paused0, tokens0, steps0 = time.monotonic(), self.control.paused_seconds, self.history.tokens, step
        seconds0 = self.history.seconds
        window: list[float] = []
        try:
            while step < self.total_steps:
                self.control.checkpoint()
                batch = self.order.batch(step)
                loss, tokens = self._step(batch)
                step += 1
                self.history.mix.append((step, sum(self.is_new[i] for i in batch) / len(batch)))
                window.append(loss)
                self.history.tokens += tokens
                active = max(1e-6, time.monotonic() - started - (self.control.paused_seconds - paused0))
                done_now = step - steps0
                tps = (self.history.tokens - tokens0) / active
                eta = active / done_now * (self.total_steps - step)
                val: float | None = None
                if step == self.total_steps or (self.settings.eval_every and step % self.settings.eval_every == 0):
                    val = self.val_loss() if self.val_data else None
                    if val is not None:
                        self.history.val.append((step, val))
                if step % max(1, self.settings.log_every) == 0 or step == self.total_steps or val is not None:
                    train = sum(window) / len(window)
                    window.clear()
                    self.history.train.append((step, train))
                    self.on_event(Loss(step, train, val, round(tps, 1), round(eta, 1), self.total_steps))
                    self.on_event(Progress(f"training, step {step} of {self.total_steps}", step, self.total_steps, eta))
                self.history.seconds = seconds0 + active
                if self.run is not None and self.settings.checkpoint_every and step % self.settings.checkpoint_every == 0 \
                        and step < self.total_steps:
                    self.run.save_checkpoint(step, self.model, self.optimizer, self.scheduler,
                                             {**self.meta, "history": self.history.to_dict()})
        finally:
            for h in handles:
                h.remove()
            self.model.eval()
        return self.history

    def _step(self, batch: list[int]) -> tuple[float, int]:
        import torch

        target_tokens = sum(len(self.train_data[i].target) for i in batch)
        total_loss = 0.0
        tokens = 0
        for part in micro_batches(batch, self.train_data, self.settings.micro_batch_tokens):
            inputs = self._tensors(part, self.train_data)
            share = sum(len(self.train_data[i].target) for i in part) / target_tokens
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self._bf16):
                loss = self.model(**inputs).loss
            (loss * share).backward()
            total_loss += float(loss.detach()) * share
            tokens += sum(self.train_data[i].tokens for i in part)
        if self.settings.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.params, self.settings.max_grad_norm)
        self.control.checkpoint()  # a Cancel during the last backward must not reach the weights
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return total_loss, tokens

    def val_loss(self) -> float:
        """Teacher-forced loss on the validation examples (mean over their target tokens)."""
        import torch

        was_training = self.model.training
        self.model.eval()
        total = 0.0
        count = 0
        try:
            with torch.no_grad():
                everything = list(range(len(self.val_data)))
                for part in micro_batches(everything, self.val_data, self.settings.micro_batch_tokens):
                    self.control.checkpoint()
                    n = sum(len(self.val_data[i].target) for i in part)
                    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self._bf16):
                        loss = self.model(**self._tensors(part, self.val_data)).loss
                    total += float(loss) * n
                    count += n
        finally:
            self.model.train(was_training)
        return total / max(1, count)

    def _tensors(self, part: Sequence[int], data: Sequence[Encoded]) -> dict[str, Any]:
        import torch

        rows = [data[i] for i in part]
        ws, wt = max(len(r.source) for r in rows), max(len(r.target) for r in rows)
        ids = torch.full((len(rows), ws), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), ws), dtype=torch.long)
        labels = torch.full((len(rows), wt), -100, dtype=torch.long)
        for k, r in enumerate(rows):
            ids[k, : len(r.source)] = torch.tensor(r.source, dtype=torch.long)
            mask[k, : len(r.source)] = 1
            labels[k, : len(r.target)] = torch.tensor(r.target, dtype=torch.long)
        return {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device), "labels": labels.to(self.device)}

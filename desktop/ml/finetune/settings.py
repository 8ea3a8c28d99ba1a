"""Fine-tuning settings: one typed dataclass with presets, ``tiny`` among them for tests."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from desktop.core.errors import FinetuneError

METHODS = ("lora", "full")
#: ``fixed``: every batch draws from the whole mix. ``progressive``: the share of the user's new
#: pairs in each batch starts low (close to what the model already does) and rises to its final
#: value over the first ``ramp_ratio`` of the run, the learning-rate warm-up spanning the same steps.
SCHEDULES = ("fixed", "progressive")

#: Learning rates that work for FLAN-T5 when none is given: LoRA trains few weights from zero
#: and takes a larger rate than full fine-tuning, which moves pretrained weights directly.
DEFAULT_LR = {"lora": 5e-4, "full": 1e-4}


@dataclass(frozen=True, slots=True)
class FinetuneSettings:
    method: str = "lora"
    epochs: int = 3
    #: More than 0: train exactly this many optimizer steps, whatever ``epochs`` says.
    steps: int = 0
    #: None: the method's default (``DEFAULT_LR``).
    lr: float | None = None
    batch_size: int = 8
    #: Tokens of a training prompt, instruction included; 512 is the app's default input budget,
    #: so training sees chunks of the size inference makes.
    max_source_len: int = 512
    max_target_len: int = 128
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    #: T5 module names; "wi" also means the gated "wi_0"/"wi_1" of FLAN-T5.
    target_modules: tuple[str, ...] = ("q", "v")
    #: Share of the training mix that is replay (the base model's own answers to other instructions).
    replay: float = 0.3
    val_share: float = 0.1
    warmup_ratio: float = 0.06
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    #: A train-loss point every N steps (the mean of those steps).
    log_every: int = 1
    #: Validation loss every N steps (0: only at the start and the end).
    eval_every: int = 50
    #: A resumable checkpoint every N steps (0: none).
    checkpoint_every: int = 100
    #: A batch is run in slices of at most this many padded tokens: it bounds memory, and Cancel
    #: and Pause are checked inside every slice, so they act within a second.
    micro_batch_tokens: int = 2048
    seed: int = 42
    #: CPU threads for torch; 0 means all cores.
    threads: int = 0
    device: str = "auto"
    #: Side-by-side samples on the evaluation card.
    samples: int = 3
    schedule: str = "fixed"
    #: Progressive schedule: the share of new pairs in the first batch, and the share of the run
    #: over which it rises to its final value (the learning rate warms up over the same steps).
    progressive_start: float = 0.2
    ramp_ratio: float = 0.3
    #: Keep a copy of the training pairs with the adapter, so "Continue training" can replay
    #: them; off: only their content hashes are kept, and the pairs are found again by content.
    keep_pairs: bool = True

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.method]

    def total_steps(self, batches_per_epoch: int) -> int:
        return self.steps if self.steps > 0 else max(1, self.epochs * batches_per_epoch)

    def warmup_steps(self, total: int) -> int:
        ratio = self.ramp_ratio if self.schedule == "progressive" else self.warmup_ratio
        return math.ceil(total * ratio)

    def checked(self) -> FinetuneSettings:
        """Itself, or a FinetuneError naming the first value that cannot work."""
        problems = [
            (self.method not in METHODS, f"the method must be one of {', '.join(METHODS)}"),
            (self.epochs < 1 and self.steps < 1, "train for at least one epoch or one step"),
            (self.steps < 0, "the number of steps cannot be negative"),
            (self.lr is not None and not 0 < self.lr < 1, "the learning rate must be between 0 and 1"),
            (self.batch_size < 1, "the batch size must be at least 1"),
            (not 32 <= self.max_source_len <= 4096, "the input length must be between 32 and 4096 tokens"),
            (not 8 <= self.max_target_len <= 1024, "the summary length must be between 8 and 1024 tokens"),
            (self.lora_r < 1, "the LoRA rank must be at least 1"),
            (not 0 <= self.lora_dropout < 1, "the LoRA dropout must be between 0 and 1"),
            (not 0 <= self.replay <= 0.9, "the replay share must be between 0 and 0.9"),
            (not 0 <= self.val_share <= 0.5, "the validation share must be between 0 and 0.5"),
            (not self.target_modules, "LoRA needs at least one target module"),
            (self.schedule not in SCHEDULES, f"the schedule must be one of {', '.join(SCHEDULES)}"),
            (not 0 < self.progressive_start <= 1, "the progressive start share must be above 0 and at most 1"),
            (not 0 < self.ramp_ratio <= 1, "the progressive ramp must be above 0 and at most the whole run"),
        ]
        for bad, sentence in problems:
            if bad:
                raise FinetuneError(f"These fine-tuning settings cannot work: {sentence}.")
        return self

    def with_overrides(self, **values: Any) -> FinetuneSettings:
        """A copy with the given fields changed; None values are ignored (an option not given)."""
        known = {f.name for f in fields(self)}
        unknown = set(values) - known
        if unknown:
            raise FinetuneError(f"Unknown fine-tuning settings: {', '.join(sorted(unknown))}.")
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["target_modules"] = list(self.target_modules)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinetuneSettings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "target_modules" in values:
            values["target_modules"] = tuple(values["target_modules"])
        return cls(**values)


PRESETS: dict[str, FinetuneSettings] = {
    # Tests: a random tiny T5 learns a toy task in well under a minute on one CPU core. Its
    # random output layer is far from any target, so LoRA needs every linear layer and a high rate.
    "tiny": FinetuneSettings(
        epochs=1, steps=60, lr=1e-2, batch_size=8, max_source_len=128, max_target_len=48, lora_r=8,
        lora_alpha=16, lora_dropout=0.0, target_modules=("q", "k", "v", "o", "wi", "wo", "lm_head"),
        eval_every=20, checkpoint_every=20, warmup_ratio=0.1, samples=2,
    ),
    "quick": FinetuneSettings(epochs=1, lora_r=8, lora_alpha=16, eval_every=25),
    "standard": FinetuneSettings(),
    "thorough": FinetuneSettings(epochs=5, lora_r=32, lora_alpha=64, target_modules=("q", "k", "v", "o", "wi", "wo")),
}


def preset(name: str) -> FinetuneSettings:
    try:
        return PRESETS[name]
    except KeyError:
        raise FinetuneError(f"There is no fine-tuning preset called {name!r}; choose one of {', '.join(PRESETS)}.") from None

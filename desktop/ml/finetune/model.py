"""The model being trained: the base loaded read-only, a LoRA adapter or all weights made
trainable, and the files a finished run leaves (an adapter folder or a full model folder).

The base folder is only ever read: weights come from ``from_pretrained`` (safetensors only,
no remote code) and everything written goes to folders of the run. ``file_hashes`` lets the
pipeline prove the base files are byte-identical after training.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from desktop.core.errors import FinetuneError, InvalidModel
from desktop.ml.finetune.settings import FinetuneSettings

#: Full fine-tuning keeps weights, gradients and two AdamW moments in memory (16 bytes a
#: parameter before activations): fine for flan-t5-small and -base (77M, 248M parameters,
#: about 4 GB), too much for -large (783M, 12+ GB) on most desktops. LoRA has no such limit.
FULL_MAX_PARAMS = 300_000_000

#: Files a model folder needs besides weights and config (copied from the base to a full fine-tune).
SIDE_FILES = ("tokenizer.json", "spiece.model", "tokenizer_config.json", "special_tokens_map.json",
              "generation_config.json", "added_tokens.json")


def load_base(model_dir: Path) -> Any:
    import torch
    from transformers import AutoModelForSeq2SeqLM

    try:
        return AutoModelForSeq2SeqLM.from_pretrained(
            model_dir, dtype=torch.float32, use_safetensors=True, local_files_only=True, trust_remote_code=False
        )
    except (OSError, ValueError) as exc:
        raise InvalidModel(f"The model in {model_dir.name} could not be loaded for fine-tuning: {exc}") from exc


def param_count(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())


def resolve_targets(model: Any, names: tuple[str, ...]) -> list[str]:
    """Module names peft should adapt; "wi" also matches FLAN-T5's gated ``wi_0``/``wi_1``."""
    import torch

    present = {name.rsplit(".", 1)[-1] for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    wanted: list[str] = []
    for n in names:
        matches = [n] if n in present else [p for p in sorted(present) if p.startswith(f"{n}_")]
        wanted += [m for m in matches if m not in wanted]
    if not wanted:
        raise FinetuneError(f"None of the LoRA target modules ({', '.join(names)}) exist in this model.")
    return wanted


def check_method(model: Any, settings: FinetuneSettings) -> None:
    """Refuse full fine-tuning of a model too large for it, before any time is spent."""
    n = param_count(model)
    if settings.method == "full" and n > FULL_MAX_PARAMS:
        raise FinetuneError(
            f"This model has {n / 1e6:.0f} million weights; full fine-tuning is offered up to "
            f"{FULL_MAX_PARAMS / 1e6:.0f} million, as it needs about {n * 16 / 1e9:.0f} GB of memory. Use LoRA instead."
        )


def make_trainable(model: Any, settings: FinetuneSettings) -> Any:
    """LoRA: a peft model whose adapter alone trains. Full: every weight trains (small models only)."""
    check_method(model, settings)
    if settings.method == "full":
        model.train()
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    from peft import LoraConfig, TaskType, get_peft_model

    config = LoraConfig(
        task_type=TaskType.SEQ_2_SEQ_LM,
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules=resolve_targets(model, settings.target_modules),
        bias="none",
    )
    peft_model = get_peft_model(model, config)
    peft_model.train()
    return peft_model


def trainable_state(model: Any) -> dict[str, Any]:
    """The weights that change (all of them for full fine-tuning), for checkpoints."""
    return {n: p.detach().to("cpu").contiguous() for n, p in model.named_parameters() if p.requires_grad}


def load_trainable_state(model: Any, state: dict[str, Any]) -> None:
    import torch

    params = dict(model.named_parameters())
    missing = [n for n, p in params.items() if p.requires_grad and n not in state]
    if missing or any(n not in params for n in state):
        raise FinetuneError("The checkpoint does not fit this model and method; start the run again without resuming.")
    with torch.no_grad():
        for n, value in state.items():
            params[n].copy_(value.to(params[n].device))


def generation_model(model: Any) -> Any:
    """The transformers model to call ``generate`` on (peft's wrapper unwrapped; LoRA layers stay active)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def save_adapter(model: Any, out: Path, base_label: str) -> None:
    """peft's adapter files (safetensors), naming the base as the store knows it. Only the LoRA
    weights: the base's own output layer, when it is a target, stays in the base folder."""
    model.save_pretrained(str(out), safe_serialization=True, save_embedding_layers=False)
    (out / "README.md").unlink(missing_ok=True)  # peft's blank model-card template
    config_path = out / "adapter_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = base_label
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")


def save_full(model: Any, out: Path, base_dir: Path) -> None:
    """A complete model folder: new weights (safetensors), the base's config and tokenizer files."""
    model.save_pretrained(str(out), safe_serialization=True)
    for name in SIDE_FILES:
        src = base_dir / name
        if src.is_file() and not (out / name).exists():
            shutil.copyfile(src, out / name)


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file in a model folder (markers and manifests too)."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
        out[str(path.relative_to(folder))] = digest.hexdigest()
    return out


def load_adapter_trainable(model: Any, folder: Path) -> Any:
    """A kept LoRA adapter on ``model``, its weights trainable: "Continue training" starts here."""
    from peft import PeftModel

    try:
        peft_model = PeftModel.from_pretrained(model, str(folder), is_trainable=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise FinetuneError(f"The adapter {folder.name} does not fit its base model, so training cannot continue "
                            f"from it ({exc}).") from exc
    peft_model.train()
    return peft_model

"""A random LoRA adapter for a test model, saved by peft as a fine-tune saves one (the layers a
Precis fine-tune adapts, non-zero from the start so it changes the answers)."""

from __future__ import annotations

from pathlib import Path


def random_lora(model_dir: Path, out: Path, seed: int = 1) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSeq2SeqLM

    torch.manual_seed(seed)
    base = AutoModelForSeq2SeqLM.from_pretrained(model_dir)
    config = LoraConfig(r=4, lora_alpha=16, target_modules=["q", "v", "wo"], init_lora_weights=False,
                        task_type="SEQ_2_SEQ_LM")
    get_peft_model(base, config).save_pretrained(str(out))
    return out

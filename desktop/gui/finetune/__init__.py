"""The fine-tune panel (Models > Fine-tune…): pairs, settings, training with a live loss curve,
the evaluation card, and the adapters kept. The training itself is ``desktop.ml.finetune``."""

from desktop.gui.finetune.finetune_panel import FinetunePanel

__all__ = ["FinetunePanel"]

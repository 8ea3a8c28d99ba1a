"""Fine-tune FLAN-T5 on the user's own (document, summary) pairs, with replay against forgetting.

No Qt and no torch at import time. The GUI panel and ``precis-cli finetune`` use this API:

- ``PairSet.load(paths, count)``: read and check pairs (``PairsError`` names the bad line).
- ``FinetuneSettings`` / ``preset(name)``: the knobs, with presets (``tiny`` for tests).
- ``run_finetune(FinetuneRequest, on_event=, cancel=, pause=) -> FinetuneResult``: the whole run
  in this process; ``FinetuneProcess`` / ``finetune_main`` run it in a spawned child.
- ``keep_result(result, store, name)`` / ``discard_result(result)``: the user's choice.
- ``available()``: None, or the sentence saying what fine-tuning needs where it cannot run (the
  install without torch).
"""

from desktop.ml.finetune.availability import available
from desktop.ml.finetune.card import EvaluationCard, Sample
from desktop.ml.finetune.control import PauseToken, TrainingControl
from desktop.ml.finetune.pairs_io import PairRecord, append_saved_pair, read_pairs, saved_pairs_file
from desktop.ml.finetune.pairset import PairItem, PairSet
from desktop.ml.finetune.pipeline import FinetuneRequest, run_finetune
from desktop.ml.finetune.result import FinetuneResult, discard_result, keep_result
from desktop.ml.finetune.settings import PRESETS, FinetuneSettings, preset

__all__ = [
    "PRESETS",
    "EvaluationCard",
    "FinetuneRequest",
    "FinetuneResult",
    "FinetuneSettings",
    "PairItem",
    "PairRecord",
    "PairSet",
    "PauseToken",
    "Sample",
    "TrainingControl",
    "append_saved_pair",
    "available",
    "discard_result",
    "keep_result",
    "preset",
    "read_pairs",
    "run_finetune",
    "saved_pairs_file",
]

"""The fine-tune panel where torch is not installed (the bundle without torch, issue 28): it opens,
says in one sentence what fine-tuning needs, keeps Train off, and still reads pairs.

The panel runs in a child process whose import system has no torch, transformers, peft or
rouge_score: each name is ``None`` in ``sys.modules`` before anything is imported, which is how
Python marks a module as absent (``import torch`` raises ImportError and
``importlib.util.find_spec("torch")`` is None, as where it was never installed). The same script
with nothing blocked is the control: there the panel can train.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.settings import Settings, save_settings
from desktop.ml.finetune.availability import REQUIRES
from desktop.ml.models.store import ModelStore
from tests.ml._finetune_data import toy_pairs, write_jsonl

REPO = Path(__file__).resolve().parents[3]
_PANEL = """
import json, sys
for name in {blocked!r}:
    sys.modules[name] = None  # absent, as in the bundle without torch
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
from desktop.gui.finetune import FinetunePanel
panel = FinetunePanel(preset_name="tiny")
panel.show()
panel.pairs_view.add_source({pairs!r})
while panel.pairs_view.loading:
    app.processEvents()
app.processEvents()
state = {{
    "notice": panel.needs.isVisible(), "sentence": panel.needs.findChild(QLabel, "finetuneNeeds").text(),
    "train_enabled": panel.training.train_button.isEnabled(), "hint": panel.training.hint.text(),
    "pairs": len(panel.pairs_view.pairs.usable) if panel.pairs_view.pairs else 0,
}}
state["started"] = panel.train()
panel.shutdown()
state["heavy"] = sorted({{m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}} & {heavy!r})
print("PANEL=" + json.dumps(state))
"""


def _panel(blocked: tuple[str, ...], pairs: Path, home: Path) -> dict:
    code = _PANEL.format(blocked=blocked, pairs=str(pairs), heavy=set(REQUIRES))
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", "PRECIS_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", code], cwd=home, env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(next(ln[6:] for ln in done.stdout.splitlines() if ln.startswith("PANEL=")))


@pytest.fixture
def ready(tiny_model_dir: Path, tmp_path: Path, corpus: Path) -> tuple[Path, Path]:
    """A base model in the store and pairs to train on: all Train needs, but the libraries."""
    home = Path(os.environ["PRECIS_HOME"])
    save_settings(Settings(threads=1))
    ModelStore().import_folder(tiny_model_dir, "tiny-t5")
    return write_jsonl(tmp_path / "pairs.jsonl", toy_pairs(corpus, n=12)), home


def test_without_torch_the_panel_says_what_fine_tuning_needs(ready: tuple[Path, Path]) -> None:
    pairs, home = ready
    lean = _panel(REQUIRES, pairs, home)
    sentence = ("Fine-tuning needs the full version of Precis, which includes torch, transformers, peft and rouge_score "
                "(about 1 GB more); this version summarizes without them but cannot train.")
    assert lean["notice"] and lean["sentence"] == sentence
    assert not lean["train_enabled"] and lean["hint"] == sentence and lean["started"] is False
    assert lean["pairs"] == 12  # pairs are still read and checked
    assert lean["heavy"] == []  # nothing tried to load them


def test_with_torch_the_same_panel_can_train(ready: tuple[Path, Path]) -> None:
    """The control: nothing blocked, no notice, and Train is on (the run itself is the panel tests')."""
    pairs, home = ready
    full = _panel((), pairs, home)
    assert not full["notice"] and full["sentence"] == ""
    assert full["train_enabled"] and full["hint"] == ""
    assert full["started"] is True

"""Where torch is not installed (the lean bundle) fine-tuning says in one sentence what it needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_available_here() -> None:
    from desktop.ml.finetune import available

    assert available() is None  # the development install has everything


def test_without_torch_one_sentence_and_a_clean_refusal(tmp_path: Path) -> None:
    # sys.modules[name] = None is how Python spells "not installed" to find_spec and import.
    code = (
        "import sys\nfor name in ('torch', 'transformers', 'peft'):\n    sys.modules[name] = None\n"
        "from desktop.ml.finetune import available\n"
        "sentence = available()\n"
        "assert sentence == ('Fine-tuning needs the full version of Precis, which includes torch, transformers and '\n"
        "                    'peft (about 1 GB more); this version summarizes without them but cannot train.'), sentence\n"
        "from desktop.cli import main\n"
        f"rc = main(['finetune', '--pairs', {str(tmp_path / 'p.jsonl')!r}, '--model', 'x', '--out', 'y'])\n"
        "assert rc == 1, rc\n"
    )
    (tmp_path / "p.jsonl").write_text('{"document": "a b c", "summary": "a"}\n' * 8)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Fine-tuning needs the full version of Precis" in done.stderr and "Traceback" not in done.stderr

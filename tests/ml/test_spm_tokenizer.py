"""tokenizer.json from spiece.model without transformers: the same file transformers would build."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _spiece_only(src: Path, dest: Path) -> Path:
    dest.mkdir()
    for name in ("spiece.model", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy2(src / name, dest / name)
    return dest


def test_same_tokenizer_as_transformers_builds(flan_t5_files: Path, tmp_path: Path) -> None:
    """transformers' T5TokenizerFast conversion of FLAN-T5's spiece.model (with SentencePiece's
    always-prepended ▁, as Precis asked it before) and ours are the same JSON, field by field."""
    from transformers import T5TokenizerFast

    from desktop.ml.backends.spm_tokenizer import t5_tokenizer_json

    folder = _spiece_only(flan_t5_files, tmp_path / "flan")
    theirs = json.loads(T5TokenizerFast.from_pretrained(folder, add_prefix_space=True).backend_tokenizer.to_str())
    ours = json.loads(t5_tokenizer_json(folder))
    assert ours == theirs


def test_legacy_false_prepends_only_at_the_start(flan_t5_files: Path, tmp_path: Path) -> None:
    from transformers import T5TokenizerFast

    from desktop.ml.backends.spm_tokenizer import t5_tokenizer_json

    folder = _spiece_only(flan_t5_files, tmp_path / "new")
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    (folder / "tokenizer_config.json").write_text(json.dumps({**config, "legacy": False, "add_prefix_space": True}))
    theirs = json.loads(T5TokenizerFast.from_pretrained(folder).backend_tokenizer.to_str())
    ours = json.loads(t5_tokenizer_json(folder))
    assert ours["pre_tokenizer"]["prepend_scheme"] == "first" and ours == theirs


def test_building_it_loads_neither_transformers_nor_torch(flan_t5_files: Path, tmp_path: Path) -> None:
    folder = _spiece_only(flan_t5_files, tmp_path / "flan")
    code = (
        "import sys\nfrom desktop.ml.backends.tokenizer import TokenCounter\n"
        f"c = TokenCounter.for_model({str(folder)!r}, {str(tmp_path / 'cache')!r})\n"
        "assert c.encode('Hello world') == [8774, 296, 1], c.encode('Hello world')\n"
        "heavy = sorted(m for m in ('torch', 'transformers') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=120)

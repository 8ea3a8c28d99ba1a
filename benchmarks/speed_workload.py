"""The speed benchmark's fixed inputs: a random-weight model in a model store, and prompts of exact length.

Everything is built under one work folder and reused by later runs (``--fresh`` rebuilds):
``models/<shape>/`` holds the random-weight model as built, ``store/`` a Precis model store
with it imported as ``bench-<shape>`` (so derived ONNX/CTranslate2 files are cached beside it,
as in the app). Speed does not depend on weight values, so random weights with the real
flan-t5-small/base shapes measure what a user would see.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

#: Bump when the model recipe changes: cached folders of another recipe are rebuilt.
#: 2: FLAN-T5's real tokenizer and configurations (random_model.py), no longer a trained one.
RECIPE = 2
SEED = 0


@dataclass(frozen=True, slots=True)
class Workload:
    """N chunks of exactly ``input_tokens`` token ids, each generating exactly ``new_tokens`` (greedy)."""

    shape: str
    chunks: int = 16
    input_tokens: int = 512
    new_tokens: int = 64
    #: The app's own setting (GenerationSettings' default), used by every row including naive.
    no_repeat_ngram_size: int = 3

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def default_work_dir() -> Path:
    """``$XDG_CACHE_HOME/precis-bench`` (or ``~/.cache/...``); a temp folder when that is not writable."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    try:
        target = base / "precis-bench"
        target.mkdir(parents=True, exist_ok=True)
        return target
    except OSError:
        return Path(tempfile.gettempdir()) / "precis-bench"


def model_name(shape: str) -> str:
    return f"bench-{shape}"


def ensure_model(work: Path, shape: str) -> tuple[Path, float]:
    """The model imported into ``work/store``; returns (store root, seconds spent building now)."""
    from desktop.ml.models.random_model import build_random_t5
    from desktop.ml.models.store import ModelStore

    started = time.monotonic()
    store_root = work / "store"
    store = ModelStore(store_root)
    stamp = work / "models" / f"{shape}.json"
    wanted = {"recipe": RECIPE, "shape": shape, "seed": SEED}
    if store.is_installed(model_name(shape)) and _read_json(stamp) == wanted:
        return store_root, 0.0
    src = work / "models" / shape
    build_random_t5(src, shape, seed=SEED)
    store.import_folder(src, model_name(shape), replace=True)
    stamp.write_text(json.dumps(wanted), encoding="utf-8")
    return store_root, time.monotonic() - started


def exact_prompts(model_dir: Path, count: int, length: int) -> list[str]:
    """``count`` different texts that each tokenize to exactly ``length`` ids (EOS included).

    Words are taken in order from the shipped sample texts and added one at a time while the
    count stays within ``length``; a word that would overshoot is skipped.
    """
    from desktop.ml.backends.tokenizer import TokenCounter
    from desktop.ml.models.random_model import default_training_texts

    tok = TokenCounter.for_model(model_dir)
    words = " ".join(default_training_texts()).split()
    prompts: list[str] = []
    pos = 0
    for _ in range(count):
        kept: list[str] = []
        n = tok.count("")
        skipped = 0
        while n != length:
            word = words[pos % len(words)]
            pos += 1
            candidate = tok.count(" ".join([*kept, word]))
            if candidate > length:
                skipped += 1
                if skipped > 1000:
                    raise RuntimeError(f"cannot build a prompt of exactly {length} tokens")
                continue
            kept.append(word)
            n = candidate
        prompts.append(" ".join(kept))
    return prompts


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None

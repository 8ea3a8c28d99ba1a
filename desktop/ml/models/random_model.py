"""Random-weight FLAN-T5 models with the real tokenizer and configurations, built with no download.

Tests need a model and the Hub is unreachable; benchmarks need the real flan-t5-small/base
shapes, and speed does not depend on weight values. Both come from here. The tokenizer and the
configurations are the real FLAN-T5 files kept in ``$PRECIS_SHARED/models/flan-t5`` (default
``../shared`` beside the repository), so a user's first download is never the first time the
pipeline meets FLAN-T5's vocabulary (newlines normalised away, ``{ } < ~ ^`` unknown...). The
folder written is laid out exactly as a Hub download: ``model.safetensors``, ``config.json``,
``generation_config.json``, ``spiece.model``, ``tokenizer.json``, ``tokenizer_config.json``,
``special_tokens_map.json``. A self-trained SentencePiece tokenizer (``texts=``) remains for the
few callers that need a tokenizer other than FLAN-T5's, and they say why.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: The files of a Hub FLAN-T5 download that describe the tokenizer (shared by every size).
TOKENIZER_FILES = ("spiece.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
#: Sizes whose real config.json and generation_config.json are kept in the shared folder.
REAL_SIZES = ("flan-t5-small", "flan-t5-base", "flan-t5-large")
#: "tiny" is flan-t5-small's config (gated-gelu, untied, 32,128 ids) at transformers' own
#: T5ModelTester scale, so tests run in seconds with the real vocabulary and architecture.
TINY_SHAPE: dict[str, int] = {"d_model": 32, "d_ff": 64, "num_layers": 2, "num_decoder_layers": 2, "num_heads": 4, "d_kv": 8}
PRESETS = ("tiny", *REAL_SIZES)
SHAPE_ALIASES = {"small": "flan-t5-small", "base": "flan-t5-base", "large": "flan-t5-large"}
REAL_VOCAB = 32128
_REPO = Path(__file__).resolve().parents[3]


def shared_dir() -> Path:
    """The shared read-only data folder: ``$PRECIS_SHARED``, else ``../shared`` beside the repository."""
    return Path(os.environ.get("PRECIS_SHARED", _REPO.parent / "shared")).resolve()


def flan_t5_dir() -> Path:
    """The real FLAN-T5 tokenizer and configurations (no weights)."""
    return shared_dir() / "models" / "flan-t5"


def real_tokenizer_available() -> bool:
    folder = flan_t5_dir()
    return all((folder / name).is_file() for name in TOKENIZER_FILES) and all(
        (folder / size.removeprefix("flan-t5-") / "config.json").is_file() for size in REAL_SIZES)


def real_config(size: str) -> dict[str, Any]:
    """The Hub's config.json of ``size`` (flan-t5-small, -base or -large), as a dict."""
    size = SHAPE_ALIASES.get(size, size)
    path = flan_t5_dir() / size.removeprefix("flan-t5-") / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"The real {size} configuration is not at {path} (set PRECIS_SHARED).")
    return json.loads(path.read_text(encoding="utf-8"))


def model_config(preset: str = "tiny", vocab_size: int | None = None) -> Any:
    """The T5Config of ``preset``: a real size's own config, or "tiny" (small's, scaled down)."""
    from transformers import T5Config

    preset = SHAPE_ALIASES.get(preset, preset)
    if preset not in PRESETS:
        raise ValueError(f"unknown model preset {preset!r}; choose one of {', '.join(PRESETS)}")
    values = real_config("flan-t5-small" if preset == "tiny" else preset)
    if preset == "tiny":
        values.update(TINY_SHAPE)
        values.pop("task_specific_params", None)
    if vocab_size is not None:
        values["vocab_size"] = vocab_size
    for key in ("architectures", "transformers_version", "torch_dtype", "_name_or_path"):
        values.pop(key, None)
    return T5Config(**values)


def copy_real_tokenizer(out_dir: Path) -> None:
    """Copy FLAN-T5's tokenizer files into ``out_dir`` unchanged, as a Hub download has them."""
    src = flan_t5_dir()
    missing = [name for name in TOKENIZER_FILES if not (src / name).is_file()]
    if missing:
        raise FileNotFoundError(f"The real FLAN-T5 tokenizer is not at {src} (missing {', '.join(missing)}; "
                                "set PRECIS_SHARED to the shared data folder).")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in TOKENIZER_FILES:
        shutil.copyfile(src / name, out_dir / name)


def train_tokenizer(texts: Iterable[str], out_dir: Path, vocab_size: int = 2000) -> None:
    """Train a SentencePiece unigram tokenizer with T5's special ids and save it as T5TokenizerFast.

    Only for tests that need a tokenizer unlike FLAN-T5's (a small vocabulary, a tokenizer
    that knows newlines); everything else uses the real one."""
    import sentencepiece as spm
    from transformers import T5TokenizerFast

    lines = [ln for t in texts for ln in t.splitlines() if ln.strip()]
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=buf, vocab_size=vocab_size, model_type="unigram",
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, character_coverage=1.0, hard_vocab_limit=False,
        num_threads=1, minloglevel=2,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    spiece = out_dir / "spiece.model"
    spiece.write_bytes(buf.getvalue())
    tok = T5TokenizerFast(vocab_file=str(spiece), extra_ids=100, legacy=False)
    tok.save_pretrained(out_dir)


def build_random_t5(
    out_dir: Path | str,
    preset: str = "tiny",
    *,
    texts: Iterable[str] | None = None,
    vocab_size: int | None = None,
    seed: int = 0,
) -> Path:
    """Write a random-weight T5ForConditionalGeneration (safetensors) with FLAN-T5's tokenizer,
    config.json and generation_config.json to ``out_dir``. ``texts`` trains a tokenizer of
    ``vocab_size`` pieces on them instead of using FLAN-T5's (see ``train_tokenizer``)."""
    import torch
    from transformers import GenerationConfig, T5ForConditionalGeneration

    preset = SHAPE_ALIASES.get(preset, preset)
    out = Path(out_dir)
    if texts is None:
        copy_real_tokenizer(out)
        vocab = REAL_VOCAB
    else:
        train_tokenizer(texts, out, vocab_size=vocab_size or 2000)
        from transformers import T5TokenizerFast

        n = len(T5TokenizerFast.from_pretrained(out))
        vocab = n if preset == "tiny" else max(REAL_VOCAB, n)
    config = model_config(preset, vocab)
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config).eval()
    model.save_pretrained(out, safe_serialization=True)
    generation = flan_t5_dir() / ("small" if preset == "tiny" else preset.removeprefix("flan-t5-")) / "generation_config.json"
    if generation.is_file():
        shutil.copyfile(generation, out / "generation_config.json")
    else:  # pragma: no cover - the real folder is checked by copy_real_tokenizer / real_config
        GenerationConfig.from_model_config(config).save_pretrained(out)
    return out


def default_training_texts() -> list[str]:
    """Text to train a tokenizer on when none is given: the shipped samples and prompt templates."""
    from desktop.core import paths

    texts: list[str] = []
    for folder in (paths.resource("samples"), paths.resource("prompts"), paths.resource("instructions")):
        if folder.is_dir():
            for f in sorted(folder.rglob("*")):
                if f.is_file() and f.suffix in {".txt", ".md", ".eml", ".vtt", ".toml", ".jsonl"}:
                    texts.append(f.read_text(encoding="utf-8", errors="replace"))
    if sum(len(t) for t in texts) < 20_000:
        texts.append(_FALLBACK_TEXT * 20)
    return texts


_FALLBACK_TEXT = """
The committee met on Tuesday to review the budget and agreed to postpone the vote until March.
Alice will send the revised figures to Bob by Friday; Carol asked for a summary of the risks.
Summarize this meeting excerpt. Note decisions and action items with owners.
The report describes the results of the survey, the methods used and the recommendations made.
Please reply by the end of the week if you cannot attend the meeting on the fifth of June.
"""


#: Files the Hub keeps in LFS (large files): their cache blobs are named by sha256, the others by
#: their git blob sha1, as huggingface_hub names them after the ETag the Hub sends.
LFS_SUFFIXES = (".safetensors", ".bin", ".model", ".h5", ".msgpack")


def place_in_hf_cache(src: Path | str, cache_dir: Path | str, hub_id: str, revision: str, ref: str = "main") -> Path:
    """Lay ``src``'s files out in a Hugging Face cache as huggingface_hub does after a download:
    ``models--owner--name/blobs/<etag>``, ``snapshots/<revision>/<file>`` linking to the blob,
    ``refs/<ref>`` holding the revision. Returns the snapshot folder."""
    import hashlib

    repo = Path(cache_dir) / ("models--" + "--".join(hub_id.split("/")))
    blobs, snapshot = repo / "blobs", repo / "snapshots" / revision
    blobs.mkdir(parents=True, exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(src).iterdir()):
        if not path.is_file():
            continue
        data = path.read_bytes()
        etag = (hashlib.sha256(data).hexdigest() if path.name.endswith(LFS_SUFFIXES)
                else hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest())
        (blobs / etag).write_bytes(data)
        link = snapshot / path.name
        link.unlink(missing_ok=True)
        link.symlink_to(Path("..") / ".." / "blobs" / etag)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / ref).write_text(revision)
    return snapshot

"""Random-weight T5 models with real architectures, built locally with no download.

Tests need a model and the Hub is unreachable; benchmarks need the real flan-t5-small/base
shapes, and speed does not depend on weight values. Both come from here. The tokenizer is a
SentencePiece unigram model trained on the text given (the same kind of tokenizer FLAN-T5
uses), wrapped as ``T5TokenizerFast`` so the saved folder looks exactly like a Hub download:
``config.json``, ``model.safetensors``, ``spiece.model``, ``tokenizer.json``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

#: name -> T5Config keyword arguments. "tiny" follows transformers' own T5ModelTester scale.
PRESETS: dict[str, dict[str, int]] = {
    "tiny": {"d_model": 32, "d_ff": 64, "num_layers": 2, "num_decoder_layers": 2, "num_heads": 4, "d_kv": 8},
    "flan-t5-small": {"d_model": 512, "d_ff": 1024, "num_layers": 8, "num_decoder_layers": 8, "num_heads": 6, "d_kv": 64},
    "flan-t5-base": {"d_model": 768, "d_ff": 2048, "num_layers": 12, "num_decoder_layers": 12, "num_heads": 12, "d_kv": 64},
}
SHAPE_ALIASES = {"small": "flan-t5-small", "base": "flan-t5-base"}
REAL_VOCAB = 32128


def train_tokenizer(texts: Iterable[str], out_dir: Path, vocab_size: int = 2000) -> None:
    """Train a SentencePiece unigram tokenizer with T5's special ids and save it as T5TokenizerFast."""
    import sentencepiece as spm
    from transformers import T5TokenizerFast

    lines = [ln for t in texts for ln in t.splitlines() if ln.strip()]
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type="unigram",
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        character_coverage=1.0,
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
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
    """Write a random-weight T5ForConditionalGeneration (safetensors) plus tokenizer to ``out_dir``."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration, T5TokenizerFast

    preset = SHAPE_ALIASES.get(preset, preset)
    shape = PRESETS[preset]
    out = Path(out_dir)
    train_tokenizer(texts if texts is not None else default_training_texts(), out,
                    vocab_size=vocab_size or (2000 if preset == "tiny" else 8000))
    tok = T5TokenizerFast.from_pretrained(out)
    vocab = len(tok) if preset == "tiny" else max(REAL_VOCAB, len(tok))
    config = T5Config(
        vocab_size=vocab,
        feed_forward_proj="gated-gelu",
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
        tie_word_embeddings=False,
        **shape,
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config).eval()
    model.save_pretrained(out, safe_serialization=True)
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

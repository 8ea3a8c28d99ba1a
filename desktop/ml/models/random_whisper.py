"""Random-weight Whisper models in CTranslate2 form, with the real Whisper vocabulary, built with no
download: what tests transcribe with, and what benchmarks time at the real shapes.

Like ``random_model.py`` for FLAN-T5: the vocabulary, special tokens and mel filters are the
real ones, kept in ``$PRECIS_SHARED/models/whisper`` (OpenAI's tiktoken ranks as a Hugging Face
tokenizer that matches them id for id; MIT). A transformers ``WhisperForConditionalGeneration``
is made at the preset's shape with random weights and the generation settings a Hub checkpoint
carries (language and task ids, the suppressed non-speech tokens computed the way Whisper does),
then converted by CTranslate2's own converter into the folder layout of Systran's
faster-whisper models: ``model.bin``, ``config.json``, ``vocabulary.json``, ``tokenizer.json``,
``preprocessor_config.json`` (with the real mel filters).

One thing differs on purpose: the output rows of ``<|endoftext|>`` and of the other control
tokens (start of transcript, the language and task tokens, no-speech, no-timestamps) are zero,
so the model never prefers to stop or to write a control token, and writes text (and, when
asked, timestamps) until the decode length its caller fixes (``max_new_tokens``). A random model
otherwise stops at a random step, often the first, or repeats a control token that decodes to
no text at all; a real one stops when the speech does. Tests and benchmarks need windows of a
known length, never an empty transcript by chance. Everything else it writes is its own output.
(The rows are shared with the input embeddings, as Whisper ties them, so the prompt's control
tokens read as zeros too; and its language identification, reading zero rows, finds English.)
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from desktop.ml.models.random_model import shared_dir

#: (encoder layers, decoder layers, width, heads) from the Whisper paper's Table 1, plus "test":
#: tiny's layout at test scale. FFN width is 4x the width everywhere, as in the real models.
SHAPES: dict[str, tuple[int, int, int, int]] = {
    "test": (2, 2, 64, 2),
    "tiny": (4, 4, 384, 6),
    "base": (6, 6, 512, 8),
    "small": (12, 12, 768, 12),
}
VOCAB = 51865  # the 99-language vocabulary (large-v3 adds one language and 128 mel bins)
FIRST_TIMESTAMP = 50364  # <|0.00|>; the control tokens are EOT up to here
EOT, SOT, TRANSLATE, TRANSCRIBE, START_OF_PREV, NO_TIMESTAMPS = 50257, 50258, 50358, 50359, 50361, 50363
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                   "vocab.json", "merges.txt")
_NOT_LANGUAGES = {"<|startoftranscript|>", "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>",
                  "<|nocaptions|>", "<|nospeech|>", "<|notimestamps|>", "<|endoftext|>"}


def whisper_dir() -> Path:
    """The real Whisper vocabulary and mel filters (no weights)."""
    return shared_dir() / "models" / "whisper"


def vocabulary_available() -> bool:
    folder = whisper_dir()
    return all((folder / n).is_file() for n in (*TOKENIZER_FILES, "mel_filters.npz"))


def build_transformers_whisper(out_dir: Path | str, preset: str = "test", *, seed: int = 0) -> Path:
    """A random ``WhisperForConditionalGeneration`` (safetensors) with the real tokenizer, generation
    settings and feature extractor, saved like a Hub checkpoint; the naive pipeline runs it."""
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration, WhisperTokenizerFast

    if preset not in SHAPES:
        raise ValueError(f"unknown Whisper preset {preset!r}; choose one of {', '.join(SHAPES)}")
    enc, dec, width, heads = SHAPES[preset]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = WhisperTokenizerFast.from_pretrained(whisper_dir())
    config = WhisperConfig(vocab_size=VOCAB, num_mel_bins=80, encoder_layers=enc, decoder_layers=dec,
                           encoder_attention_heads=heads, decoder_attention_heads=heads, d_model=width,
                           encoder_ffn_dim=4 * width, decoder_ffn_dim=4 * width, max_source_positions=1500,
                           max_target_positions=448, decoder_start_token_id=SOT, eos_token_id=EOT, pad_token_id=EOT,
                           bos_token_id=EOT)
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config).eval()
    with torch.no_grad():  # see the module docstring: the model writes text until its caller's length
        model.get_output_embeddings().weight[EOT:FIRST_TIMESTAMP].zero_()
    model.generation_config = _generation_config(tokenizer, dec, heads)
    model.save_pretrained(out, safe_serialization=True)
    for name in TOKENIZER_FILES:
        shutil.copyfile(whisper_dir() / name, out / name)
    _write_preprocessor_config(out)
    return out


def build_random_whisper(out_dir: Path | str, preset: str = "test", *, seed: int = 0,
                         transformers_dir: Path | str | None = None) -> Path:
    """Write a random-weight Whisper in CTranslate2 form (float16 weights, as Systran publishes them)
    to ``out_dir``; ``transformers_dir`` keeps the transformers checkpoint it was converted from."""
    import ctranslate2

    with tempfile.TemporaryDirectory(prefix="precis-whisper-") as tmp:
        source = build_transformers_whisper(transformers_dir or Path(tmp) / "hf", preset, seed=seed)
        out = Path(out_dir)
        if out.exists():
            shutil.rmtree(out)
        converter = ctranslate2.converters.TransformersConverter(
            str(source), copy_files=["tokenizer.json", "preprocessor_config.json"])
        converter.convert(str(out), quantization="float16")
    return out


def _generation_config(tokenizer: Any, decoder_layers: int, heads: int) -> Any:
    """The generation settings of a Hub Whisper checkpoint, for this vocabulary and shape."""
    import tokenizers
    from faster_whisper.tokenizer import Tokenizer
    from transformers import GenerationConfig

    hf = tokenizers.Tokenizer.from_file(str(whisper_dir() / "tokenizer.json"))
    non_speech = list(Tokenizer(hf, True, task="transcribe", language="en").non_speech_tokens)
    languages = [t for t in tokenizer.additional_special_tokens if t not in _NOT_LANGUAGES]
    return GenerationConfig(
        decoder_start_token_id=SOT, eos_token_id=EOT, pad_token_id=EOT, bos_token_id=EOT, max_length=448,
        suppress_tokens=non_speech, begin_suppress_tokens=[220, EOT], no_timestamps_token_id=NO_TIMESTAMPS,
        is_multilingual=True, lang_to_id={t: tokenizer.convert_tokens_to_ids(t) for t in languages},
        task_to_id={"transcribe": TRANSCRIBE, "translate": TRANSLATE}, max_initial_timestamp_index=50,
        prev_sot_token_id=START_OF_PREV,
        # Alignment heads: the last half of the decoder, as CTranslate2 assumes when none are known.
        alignment_heads=[[layer, head] for layer in range(decoder_layers // 2, decoder_layers) for head in range(heads)])


def _write_preprocessor_config(out: Path) -> None:
    """Whisper's feature extractor settings (80 mel bins, 30-second windows) with OpenAI's own mel
    filters written into the file, as the Hub's Whisper checkpoints carry them (transformers
    itself no longer writes them)."""
    import numpy as np
    from transformers import WhisperFeatureExtractor

    WhisperFeatureExtractor(feature_size=80).save_pretrained(out)
    path = out / "preprocessor_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    with np.load(whisper_dir() / "mel_filters.npz", allow_pickle=False) as filters:
        config["mel_filters"] = filters["mel_80"].T.astype(float).tolist()  # transformers' layout: (frequency, mel)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")

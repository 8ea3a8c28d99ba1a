"""Token counting and (de)coding for T5 models with the light ``tokenizers`` library.

The chunker counts tokens for every block and the CTranslate2 backend encodes every prompt;
both must stay cheap and must not pull torch into the process (``transformers``' tokenizer
classes import torch, about 300 MB). ``tokenizer.json`` is exactly what ``T5TokenizerFast``
wraps, so the ids are the same. A folder with only ``spiece.model`` gets its ``tokenizer.json``
built once (``spm_tokenizer.py``, transformers' recipe without transformers) into a cache
folder: the model folder is never written to.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Sequence
from pathlib import Path

from tokenizers import Tokenizer

from desktop.core.errors import InvalidModel

TOKENIZER_FILE = "tokenizer.json"
#: Texts encoded together by ``encode_batch`` (the tokenizer still parallelises within a slice).
_ENCODE_SLICE = 64


class TokenCounter:
    """Encode, count, decode and truncate text the way the model's T5 tokenizer does."""

    def __init__(self, tokenizer: Tokenizer, *, clean_up_spaces: bool = False) -> None:
        self._tok = tokenizer
        # tokenizers pads nothing and truncates nothing unless told; say so explicitly so a
        # tokenizer.json saved with padding or truncation settings cannot change the counts.
        self._tok.no_padding()
        self._tok.no_truncation()
        self._clean_up_spaces = clean_up_spaces
        self._unknown_chars: dict[str, bool] = {}
        self.unk_id: int = _required_id(tokenizer, "<unk>")
        self.eos_id: int = _required_id(tokenizer, "</s>")
        self.pad_id: int = _required_id(tokenizer, "<pad>")

    @classmethod
    def from_file(cls, path: Path | str, *, clean_up_spaces: bool = False) -> TokenCounter:
        try:
            return cls(Tokenizer.from_file(str(path)), clean_up_spaces=clean_up_spaces)
        except Exception as exc:  # tokenizers raises a plain Exception on a malformed file
            raise InvalidModel(f"The model's tokenizer file could not be read ({Path(path).name}).") from exc

    @classmethod
    def for_model(cls, model_dir: Path | str, cache_dir: Path | str | None = None) -> TokenCounter:
        """The tokenizer of a model folder; builds ``tokenizer.json`` into ``cache_dir`` if it lacks one."""
        model_dir = Path(model_dir)
        clean = _clean_up_setting(model_dir)
        own = model_dir / TOKENIZER_FILE
        if own.is_file():
            return cls.from_file(own, clean_up_spaces=clean)
        return cls.from_file(converted_tokenizer_file(model_dir, cache_dir), clean_up_spaces=clean)

    # -- encoding -------------------------------------------------------------------------

    def encode(self, text: str) -> list[int]:
        """Token ids, ending with the EOS id (``</s>``) that the T5 tokenizer appends."""
        return self._tok.encode(text).ids

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of every text, encoded a slice at a time: a full ``Encoding`` (token strings,
        offsets, masks) costs ~100 bytes a token, and a job's thousand 512-token prompts at once
        raised the worker's peak RSS by 60 MB, growing with the job (tests/reliability/test_soak.py)."""
        texts = list(texts)
        out: list[list[int]] = []
        for start in range(0, len(texts), _ENCODE_SLICE):
            out.extend(e.ids for e in self._tok.encode_batch(texts[start:start + _ENCODE_SLICE]))
        return out

    def encode_batch_compact(self, texts: Sequence[str]) -> list[array[int]]:
        """``encode_batch`` as 4-byte arrays: a list of Python ints costs 36 bytes a token, so a
        job's 6,000 prompts held 90 MB of ids through a whole generate call (the soak's long form)."""
        texts = list(texts)
        out: list[array[int]] = []
        for start in range(0, len(texts), _ENCODE_SLICE):
            out.extend(array("I", e.ids) for e in self._tok.encode_batch(texts[start:start + _ENCODE_SLICE]))
        return out

    def count(self, text: str) -> int:
        return len(self._tok.encode(text).ids)

    def unk_ratio(self, text: str) -> float:
        """Share of the text's tokens (EOS excluded) the model cannot read: high for scripts it never saw."""
        ids = self._tok.encode(text, add_special_tokens=False).ids
        if not ids:
            return 0.0
        return sum(1 for i in ids if i == self.unk_id) / len(ids)

    def is_unknown(self, char: str) -> bool:
        """Whether the vocabulary lacks ``char`` (it encodes to ``<unk>``): what the text
        normaliser rewrites. Cached per character; a document has a few hundred distinct ones."""
        known = self._unknown_chars.get(char)
        if known is None:
            known = self._unknown_chars[char] = self.unk_id in self._tok.encode(char, add_special_tokens=False).ids
        return known

    def truncate(self, text: str, max_tokens: int) -> str:
        """The longest prefix of ``text`` (cut at a token boundary) that encodes to at most ``max_tokens`` ids, EOS included."""
        if max_tokens <= 1:
            return ""
        enc = self._tok.encode(text)
        if len(enc.ids) <= max_tokens:
            return text
        keep = max_tokens - 1  # room for the EOS
        # offsets point into the original text, so the cut keeps the text as written.
        offsets = [o for o, special in zip(enc.offsets, enc.special_tokens_mask) if not special]
        while keep > 0:
            cut = text[: offsets[keep - 1][1]].rstrip()
            # Re-encoding a prefix can merge pieces differently at the cut; shrink until it fits.
            if self.count(cut) <= max_tokens:
                return cut
            keep -= 1
        return ""

    # -- decoding -------------------------------------------------------------------------

    def decode(self, ids: Sequence[int]) -> str:
        """Text of ``ids`` without special tokens, like ``T5TokenizerFast.decode(skip_special_tokens=True)``."""
        text = self._tok.decode([int(i) for i in ids], skip_special_tokens=True)
        return _clean_up_tokenization(text) if self._clean_up_spaces else text

    def decode_batch(self, batch: Sequence[Sequence[int]]) -> list[str]:
        return [self.decode(ids) for ids in batch]

    def ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        out = []
        for i in ids:
            tok = self._tok.id_to_token(int(i))
            out.append(tok if tok is not None else "<unk>")
        return out

    def tokens_to_ids(self, tokens: Sequence[str]) -> list[int]:
        out = []
        for t in tokens:
            i = self._tok.token_to_id(t)
            out.append(self.unk_id if i is None else i)
        return out

    @property
    def vocab_size(self) -> int:
        return self._tok.get_vocab_size(with_added_tokens=True)


def converted_tokenizer_file(model_dir: Path, cache_dir: Path | str | None) -> Path:
    """``tokenizer.json`` converted from ``spiece.model``, built once per distinct tokenizer."""
    spiece = model_dir / "spiece.model"
    if not spiece.is_file():
        raise InvalidModel(f"The model folder {model_dir.name} has no tokenizer (tokenizer.json or spiece.model).")
    if cache_dir is None:
        from desktop.core import paths

        cache_dir = paths.cache_dir() / "tokenizers"
    h = hashlib.sha256(spiece.read_bytes())
    config = model_dir / "tokenizer_config.json"
    if config.is_file():
        h.update(config.read_bytes())
    target = Path(cache_dir) / f"t5-{h.hexdigest()[:16]}" / TOKENIZER_FILE
    if not target.is_file():
        from desktop.core.atomic import atomic_write_text
        from desktop.ml.backends.spm_tokenizer import t5_tokenizer_json

        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, t5_tokenizer_json(model_dir))
    return target


def _required_id(tok: Tokenizer, token: str) -> int:
    i = tok.token_to_id(token)
    if i is None:
        raise InvalidModel(f"The model's tokenizer lacks the {token} token, so it is not a T5 tokenizer.")
    return i


def _clean_up_setting(model_dir: Path) -> bool:
    """transformers' ``clean_up_tokenization_spaces`` (a folder's own setting; False by default in 4.57)."""
    try:
        cfg = json.loads((model_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
        return bool(cfg.get("clean_up_tokenization_spaces", False))
    except (OSError, ValueError):
        return False


def _clean_up_tokenization(text: str) -> str:
    """Same replacements as ``PreTrainedTokenizerBase.clean_up_tokenization``."""
    for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                 (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        text = text.replace(a, b)
    return text

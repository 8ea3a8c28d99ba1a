"""A T5 ``tokenizer.json`` built from ``spiece.model`` with sentencepiece and tokenizers alone.

Some T5 folders carry only SentencePiece's ``spiece.model``. transformers turns it into the fast
tokenizer with ``T5Converter`` (``convert_slow_tokenizer.py``), but transformers is not part of
the summarizing install, so the same recipe is followed here: the Unigram vocabulary with T5's
extra ids appended in reverse, SentencePiece's own normaliser (its precompiled character map),
the ``▁`` word marker, ``</s>`` after every text, and the special tokens added as
``T5TokenizerFast`` adds them. ``tests/ml/test_spm_tokenizer.py`` checks the result against
FLAN-T5's published ``tokenizer.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from desktop.core.errors import InvalidModel

_UNIGRAM = 1  # sentencepiece's TrainerSpec.ModelType
_CONTROL, _USER_DEFINED = 3, 4  # sentencepiece's ModelProto.SentencePiece.Type


def t5_tokenizer_json(model_dir: Path | str) -> str:
    """The ``tokenizer.json`` text T5TokenizerFast would save for this folder's ``spiece.model``."""
    from sentencepiece import sentencepiece_model_pb2
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    folder = Path(model_dir)
    proto = sentencepiece_model_pb2.ModelProto()  # type: ignore[attr-defined]  # generated protobuf module
    try:
        proto.ParseFromString((folder / "spiece.model").read_bytes())
    except Exception as exc:  # protobuf raises DecodeError; a missing file OSError
        raise InvalidModel(f"The tokenizer spiece.model in {folder.name} could not be read ({exc}).") from exc
    if proto.trainer_spec.model_type != _UNIGRAM:
        raise InvalidModel(f"The tokenizer in {folder.name} is not a SentencePiece Unigram model, as T5's is.")
    config = _tokenizer_config(folder)
    extra_ids = int(config.get("extra_ids", 100))
    vocab = [(p.piece, p.score) for p in proto.pieces]
    vocab += [(f"<extra_id_{i}>", 0.0) for i in range(extra_ids - 1, -1, -1)]
    tok = Tokenizer(Unigram(vocab, unk_id=proto.trainer_spec.unk_id, byte_fallback=False))
    # SentencePiece's control and user-defined pieces are matched whole, before the model runs.
    tok.add_tokens([AddedToken(p.piece, normalized=False, special=p.type == _CONTROL)
                    for p in proto.pieces if p.type in (_CONTROL, _USER_DEFINED)])
    steps = [normalizers.Strip(left=False, right=True), normalizers.Replace(Regex(" {2,}"), "▁")]
    charsmap = proto.normalizer_spec.precompiled_charsmap
    tok.normalizer = normalizers.Sequence(([normalizers.Precompiled(charsmap)] if charsmap else []) + steps)
    # transformers 4.57 reads FLAN-T5's `"add_prefix_space": null` as "never prepend ▁", which
    # gives ids the model never saw; SentencePiece always prepends, so null means yes here.
    prefix = config.get("add_prefix_space")
    legacy = config.get("legacy")
    scheme = "never" if prefix is False else ("first" if legacy is False else "always")
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme=scheme)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme=scheme)
    eos = tok.token_to_id("</s>")
    if eos is None:
        raise InvalidModel(f"The tokenizer in {folder.name} lacks the </s> token, so it is not a T5 tokenizer.")
    tok.post_processor = processors.TemplateProcessing(
        single=["$A", "</s>"], pair=["$A", "</s>", "$B", "</s>"], special_tokens=[("</s>", eos)])
    specials = ["<pad>", "</s>", "<unk>", *(f"<extra_id_{i}>" for i in range(extra_ids))]
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in specials
                            if tok.token_to_id(t) is not None])
    return tok.to_str()


def _tokenizer_config(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}

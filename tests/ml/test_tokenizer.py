"""TokenCounter gives T5TokenizerFast's ids without importing torch, and builds tokenizer.json when missing."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.ml.backends.tokenizer import TokenCounter
from tests.conftest import CORPUS

SAMPLES = [
    "",
    "Hello world.",
    "  leading and   repeated   spaces, trailing  ",
    "Line one\nline two\n\n\tTabbed line",
    "The committee met on Tuesday to review the budget and agreed to postpone the vote until March.",
    "Café déjà vu — naïve façade, 10% off! (really?) \"quoted\" 'single' don't won't it's",
    "Ünïcödé ½ ﬁ ligature and full-width ＡＢＣ １２３",
    "会议决定推迟预算投票。",
    "Встреча перенесена на четверг.",
    "Emoji 🙂 and symbols ∑ ≤ ≥ → ©",
    "<extra_id_0> special tokens </s> inside <pad> text <unk>",
    "a" * 300,
]


def _corpus_texts() -> list[str]:
    out = []
    for name in ("transcript/qmsum-TS3003c-product-meeting.txt", "transcript/qmsum-covid_7-canada-committee.txt"):
        p = CORPUS / name
        if p.is_file():
            text = p.read_text(encoding="utf-8", errors="replace")
            out += [text[i : i + 2000] for i in range(0, min(len(text), 20000), 2000)]
    return out


@pytest.fixture(scope="module")
def fast(tiny_model_dir: Path):
    from transformers import T5TokenizerFast

    return T5TokenizerFast.from_pretrained(tiny_model_dir)


@pytest.fixture(scope="module")
def counter(tiny_model_dir: Path) -> TokenCounter:
    return TokenCounter.for_model(tiny_model_dir)


def test_ids_match_t5_tokenizer_fast(counter: TokenCounter, fast) -> None:
    texts = SAMPLES + _corpus_texts()
    for text in texts:
        expected = fast(text).input_ids
        assert counter.encode(text) == expected, text[:60]
        assert counter.count(text) == len(expected)
        assert counter.decode(expected) == fast.decode(expected, skip_special_tokens=True)
    assert counter.encode_batch(texts) == [fast(t).input_ids for t in texts]
    assert counter.encode("x")[-1] == counter.eos_id == fast.eos_token_id
    assert counter.unk_id == fast.unk_token_id and counter.pad_id == fast.pad_token_id


def test_tokens_round_trip(counter: TokenCounter, fast) -> None:
    ids = counter.encode(SAMPLES[4])
    tokens = counter.ids_to_tokens(ids)
    assert tokens == fast.convert_ids_to_tokens(ids)
    assert counter.tokens_to_ids(tokens) == ids
    assert counter.tokens_to_ids(["no-such-token-xyz"]) == [counter.unk_id]


def test_unk_ratio_flags_unreadable_scripts(tiny_model_dir: Path, counter: TokenCounter) -> None:
    assert counter.unk_ratio("The committee met on Tuesday to review the budget.") == 0.0
    assert counter.unk_ratio("会议决定推迟预算投票，并要求提交风险摘要。") > 0.3
    assert counter.unk_ratio("") == 0.0


def test_truncate_cuts_at_a_token_boundary(counter: TokenCounter) -> None:
    text = " ".join(_corpus_texts()[:2]) or SAMPLES[4] * 20
    assert counter.truncate(SAMPLES[1], 100) == SAMPLES[1]
    for n in (2, 5, 17, 64, 200):
        cut = counter.truncate(text, n)
        assert text.startswith(cut)
        assert counter.count(cut) <= n
        assert counter.count(cut) >= n - 3  # close to the budget, not far below it
    assert counter.truncate(text, 1) == ""


def test_builds_tokenizer_json_for_a_spiece_only_folder(tiny_model_dir: Path, tmp_path: Path, fast) -> None:
    folder = tmp_path / "spiece-only"
    folder.mkdir()
    for name in ("spiece.model", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy2(tiny_model_dir / name, folder / name)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    cache = tmp_path / "cache"

    counter = TokenCounter.for_model(folder, cache)
    built = list(cache.rglob("tokenizer.json"))
    assert len(built) == 1
    # The reference is SentencePiece itself, what FLAN-T5 was trained with. The Hub's
    # tokenizer.json keeps a trailing "▁" for trailing spaces where SentencePiece does not, and
    # differs around special tokens written in the text; both are left out of this comparison.
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(folder / "spiece.model"))
    for text in SAMPLES + _corpus_texts()[:3]:
        if "<" in text:
            continue
        assert counter.encode(text) == sp.encode(text) + [counter.eos_id], text[:60]
        if text == text.rstrip():
            assert counter.encode(text) == fast(text).input_ids, text[:60]
    # The model folder is untouched: no tokenizer.json written there.
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == before

    mtime = built[0].stat().st_mtime_ns
    TokenCounter.for_model(folder, cache)
    assert built[0].stat().st_mtime_ns == mtime  # built once, reused


def test_counting_does_not_import_torch(tiny_model_dir: Path) -> None:
    code = (
        "import sys\n"
        "from desktop.ml.backends.tokenizer import TokenCounter\n"
        f"c = TokenCounter.for_model({str(tiny_model_dir)!r})\n"
        "assert c.count('hello world') > 1\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'heavy import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2], timeout=60)

"""Shared test setup: headless Qt, a throw-away PRECIS_HOME (and Hugging Face home), and the shared corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Before anything imports Qt: a missing display must not abort the whole run.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch the network; the Hub is unreachable here anyway.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]

# Property tests: the same examples on every `make test` run, so CI fails only for a change it
# was given, never for an input it happened to draw that day. `PRECIS_FUZZ_LONG=1` (make
# fuzz-long) draws new random inputs each run, which is how new bugs are found; a failing input
# is then pinned as a plain test (tests/core/ingest/test_eml.py has one).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile("explore" if os.environ.get("PRECIS_FUZZ_LONG", "") not in ("", "0") else "ci")
CORPUS = Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus")).resolve()


@pytest.fixture(autouse=True)
def _precis_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user-data folder, so no test sees another's store, cache or history."""
    home = tmp_path_factory.mktemp("precis-home")
    monkeypatch.setenv("PRECIS_HOME", str(home))
    # Nor the developer's Hugging Face cache, token or mirror: Precis uses models found there.
    monkeypatch.setenv("HF_HOME", str(home / "huggingface"))
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH",
                 "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (set PRECIS_CORPUS)")
    return CORPUS


@pytest.fixture(scope="session")
def flan_t5_files() -> Path:
    """The real FLAN-T5 tokenizer and configurations ($PRECIS_SHARED/models/flan-t5, no weights)."""
    from desktop.ml.models.random_model import flan_t5_dir, real_tokenizer_available

    if not real_tokenizer_available():
        pytest.skip(f"the real FLAN-T5 tokenizer is not at {flan_t5_dir()} (set PRECIS_SHARED)")
    return flan_t5_dir()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, flan_t5_files: Path) -> Path:
    """A random-weight T5 with flan-t5-small's architecture at test scale and the real FLAN-T5
    tokenizer, saved like a Hub download (safetensors). Built once per test session; read-only."""
    from desktop.ml.models.random_model import build_random_t5

    out = tmp_path_factory.mktemp("tiny-t5") / "tiny-t5"
    return build_random_t5(out, "tiny")


@pytest.fixture(scope="session")
def whisper_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight Whisper at test scale in CTranslate2 form, with the real Whisper vocabulary
    and mel filters ($PRECIS_SHARED/models/whisper); laid out like Systran's faster-whisper
    models. Built once per test session; read-only. Its end-of-text row is zero, so it writes
    until ``max_new_tokens`` (see desktop/ml/models/random_whisper.py)."""
    from desktop.ml.models.random_whisper import build_random_whisper, vocabulary_available, whisper_dir

    if not vocabulary_available():
        pytest.skip(f"the real Whisper vocabulary is not at {whisper_dir()} (set PRECIS_SHARED)")
    return build_random_whisper(tmp_path_factory.mktemp("whisper") / "whisper-test", "test")


@pytest.fixture(scope="session")
def meeting_speech(corpus: Path):
    """About 12 seconds of a corpus meeting read aloud by espeak-ng (16 kHz mono int16 samples)."""
    from tests.core.ingest._recordings import meeting_lines, speak

    return speak(" ".join(meeting_lines(corpus, 4, words=9)))


@pytest.fixture
def unpinned_catalog(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped catalog less its FLAN-T5 checksums, in use for this test: for tests where the
    random-weight tiny model stands in for flan-t5-* on a fake Hub. The real pins are the real
    files' (models/PROVENANCE.md), so a download would rightly refuse the stand-in."""
    import json

    from desktop.core import paths

    data = json.loads(paths.catalog_path().read_text(encoding="utf-8"))
    for model in data["models"]:
        if model["name"].startswith("flan-t5"):
            model.pop("checksums", None)
    path = tmp_path_factory.mktemp("catalog") / "catalog.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(paths, "catalog_path", lambda: path)
    return path

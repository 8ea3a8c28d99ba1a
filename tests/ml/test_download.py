"""Downloads through huggingface_hub against a fake Hub on 127.0.0.1: mirror, token, progress,
resume, checksums, Cancel, failures."""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled, DownloadError, HubUnreachable
from desktop.core.events import Progress
from desktop.ml.models.catalog import CatalogEntry
from desktop.ml.models.download import HF_DIR, STATE_FILE, download
from desktop.ml.models.manifest import MANIFEST, ModelManifest
from desktop.ml.models.store import ModelStore
from tests.fake_hub import FakeHub

REVISION = "0123456789abcdef0123456789abcdef01234567"
ENTRY = CatalogEntry(
    name="tiny-t5", hub_id="precis-test/tiny-t5", revision=REVISION, parameters=1, download_bytes=1,
    license="Apache-2.0", description="test", backends={"torch": ("float32",)},
)
WEIGHTS = "model.safetensors"
MODEL_FILES = ["config.json", "generation_config.json", WEIGHTS, "special_tokens_map.json", "spiece.model",
               "tokenizer.json", "tokenizer_config.json"]


@pytest.fixture
def hub(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeHub]:
    for name in ("HF_HUB_OFFLINE", "HF_ENDPOINT", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))  # no saved login, an empty cache
    extras = {"pytorch_model.bin": b"pickle", "flax_model.msgpack": b"flax", "README.md": b"# tiny"}
    with FakeHub() as fake:
        fake.add_folder(ENTRY.hub_id, REVISION, tiny_model_dir, extras)
        yield fake


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "store")


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _incomplete(store: ModelStore) -> list[Path]:
    return list((store.partial_dir(ENTRY.name) / HF_DIR).rglob("*.incomplete"))


def test_download_installs_verified_safetensors_only(hub: FakeHub, store: ModelStore, tiny_model_dir: Path) -> None:
    events: list[Progress] = []
    model = download(ENTRY, store, on_progress=events.append, endpoint=hub.url)
    assert model.name == "tiny-t5" and model.source == "hub" and model.revision == REVISION
    names = sorted(p.name for p in model.path.iterdir() if not p.name.startswith("."))
    assert names == sorted([*MODEL_FILES, MANIFEST])  # no pickle, no flax, no README, no bookkeeping
    for name in MODEL_FILES:
        assert (model.path / name).read_bytes() == (tiny_model_dir / name).read_bytes()
    assert hub.fetches_of("pytorch_model.bin") == 0 and hub.fetches_of("README.md") == 0
    manifest = json.loads((model.path / MANIFEST).read_text())
    assert manifest["hub_id"] == ENTRY.hub_id and manifest["revision"] == REVISION
    assert manifest["files"][WEIGHTS]["sha256"] == hashlib.sha256((tiny_model_dir / WEIGHTS).read_bytes()).hexdigest()
    total = sum((tiny_model_dir / n).stat().st_size for n in MODEL_FILES)
    assert events and all(e.total == total for e in events)
    assert any(e.stage.startswith(f"downloading {WEIGHTS}") for e in events)
    assert [e.done for e in events] == sorted(e.done for e in events)
    assert max(e.done for e in events) == total
    assert store.is_installed("tiny-t5") and not (store.root / ".partial" / "tiny-t5").exists()
    # Every request was for the pinned revision: never "main".
    assert all(REVISION in path or path.startswith("/cdn/") for path, _ in hub.requests)
    # Installed: a second call answers from the store without touching the Hub.
    before = len(hub.requests)
    assert download(ENTRY, store, endpoint=hub.url).path == model.path
    assert len(hub.requests) == before


def test_a_mirror_from_hf_endpoint_set_after_import(hub: FakeHub, store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """huggingface_hub read HF_ENDPOINT when it was imported (before this test); Precis reads it
    when it downloads, so a mirror set later is the one used."""
    import huggingface_hub.constants

    assert huggingface_hub.constants.ENDPOINT != hub.url
    monkeypatch.setenv("HF_ENDPOINT", hub.url + "/")
    assert download(ENTRY, store).name == "tiny-t5"
    assert hub.fetches_of(WEIGHTS) == 1


def test_a_private_repo_needs_the_token_and_gets_it(hub: FakeHub, store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.token = "hf_PrivateTestToken"
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    with pytest.raises(DownloadError, match=r"refused access to precis-test/tiny-t5 \(HTTP 401\).*HF_TOKEN"):
        download(ENTRY, store)
    assert store.installed() == []
    monkeypatch.setenv("HF_TOKEN", "hf_PrivateTestToken")
    hub.requests.clear()
    hub.authorizations.clear()
    events: list[Progress] = []
    download(ENTRY, store, on_progress=events.append)
    assert store.is_installed("tiny-t5")
    sent = [auth for (path, _), auth in zip(hub.requests, hub.authorizations) if not path.startswith("/cdn/")]
    assert sent and all(auth == "Bearer hf_PrivateTestToken" for auth in sent)
    assert not any("hf_PrivateTestToken" in e.stage for e in events)


def test_the_token_huggingface_cli_login_saved_is_used(hub: FakeHub, store: ModelStore, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    hub.token = "hf_SavedLogin"
    (tmp_path / "hf-home").mkdir()
    (tmp_path / "hf-home" / "token").write_text("hf_SavedLogin\n")
    download(ENTRY, store, endpoint=hub.url)
    assert store.is_installed("tiny-t5")


def test_dropped_connection_resumes_with_range(hub: FakeHub, store: ModelStore) -> None:
    """The connection closes after 300,000 bytes; the next request asks for the rest (from the
    last whole 64 KiB piece written: 262,144)."""
    hub.drop_once[WEIGHTS] = 300_000
    download(ENTRY, store, endpoint=hub.url)
    assert hub.ranges_for(WEIGHTS) == [None, "bytes=262144-"]
    assert store.is_installed("tiny-t5")


def test_server_ignoring_range_restarts_the_file(hub: FakeHub, store: ModelStore, tiny_model_dir: Path) -> None:
    hub.drop_once[WEIGHTS] = 150_000
    hub.ignore_range = True  # answers 200 with the whole file even to a Range request
    model = download(ENTRY, store, endpoint=hub.url)
    assert hub.ranges_for(WEIGHTS) == [None, "bytes=131072-"]
    assert (model.path / WEIGHTS).read_bytes() == (tiny_model_dir / WEIGHTS).read_bytes()


@pytest.mark.parametrize("name", [WEIGHTS, "config.json"])  # LFS sha256, and git blob sha1
def test_corrupted_file_is_detected_and_fetched_again(hub: FakeHub, store: ModelStore, tiny_model_dir: Path, name: str) -> None:
    hub.corrupt_once.add(name)
    model = download(ENTRY, store, endpoint=hub.url)
    assert hub.fetches_of(name) == 2
    assert (model.path / name).read_bytes() == (tiny_model_dir / name).read_bytes()


def test_corrupted_twice_is_refused_and_installs_nothing(hub: FakeHub, store: ModelStore) -> None:
    hub.corrupt_always.add(WEIGHTS)
    with pytest.raises(DownloadError, match="arrived damaged twice"):
        download(ENTRY, store, endpoint=hub.url)
    assert hub.fetches_of(WEIGHTS) == 2
    assert store.installed() == []
    assert not (store.partial_dir(ENTRY.name) / WEIGHTS).exists()


def test_the_catalogs_checksum_wins_over_the_hubs(hub: FakeHub, store: ModelStore) -> None:
    """A mirror whose listing gives another sha256 than the catalog pins is refused before a byte
    of that file is fetched (the pins are checked against the Hub's listing first)."""
    entry = CatalogEntry(**{**{f: getattr(ENTRY, f) for f in ENTRY.__slots__}, "checksums": ((WEIGHTS, "0" * 64),)})
    with pytest.raises(DownloadError, match="not the file the catalog pins"):
        download(entry, store, endpoint=hub.url)
    assert hub.fetches_of(WEIGHTS) == 0
    assert store.installed() == []


def test_cancel_within_a_second_then_resume(hub: FakeHub, store: ModelStore) -> None:
    hub.delay_per_chunk, hub.slow_files = 0.05, {WEIGHTS}  # about 320 KB/s: the weights take seconds
    pressed: list[float] = []
    events: list[tuple[float, Progress]] = []

    def should_stop() -> bool:
        # Cancel once 128 KiB of the weights are here and a speed was shown for them; on a loaded
        # machine the first speed can come late, so at 384 KiB Cancel is pressed regardless (and
        # the speed assertion below fails if none came).
        sizes = [p.stat().st_size for p in _incomplete(store)]
        shown = any(e.stage.startswith(f"downloading {WEIGHTS} (") for _, e in list(events))
        if not pressed and any(s >= 6 * 65536 or (s >= 2 * 65536 and shown) for s in sizes):
            pressed.append(time.monotonic())
        return bool(pressed)

    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        download(ENTRY, store, on_progress=lambda e: events.append((time.monotonic(), e)),
                 should_stop=should_stop, endpoint=hub.url)
    assert time.monotonic() - pressed[0] < 1.0
    # A slow file gives its speed and an ETA, and events come at most about ten a second (plus a few per file).
    slow = [e for _, e in events if e.stage.startswith(f"downloading {WEIGHTS} (")]
    assert slow and slow[-1].stage.endswith("B/s)") and slow[-1].eta_s is not None
    assert len(events) <= 10 * (time.monotonic() - t0) + 16
    assert store.installed() == [] and not store.is_installed("tiny-t5")
    [part] = _incomplete(store)
    kept = part.stat().st_size
    assert 65536 <= kept < len(hub.repos[(ENTRY.hub_id, REVISION)][WEIGHTS])
    hub.delay_per_chunk = 0.0
    download(ENTRY, store, endpoint=hub.url)
    assert hub.ranges_for(WEIGHTS) == [None, f"bytes={kept}-"]
    assert store.is_installed("tiny-t5") and not part.parent.exists()


def test_cancel_on_a_silent_connection_is_within_a_second(hub: FakeHub, store: ModelStore) -> None:
    """The server sends the first 16 KiB of the weights and then nothing for 20 s: Cancel does
    not wait for it (nor for the 10 s read timeout)."""
    hub.delay_per_chunk, hub.slow_files = 20.0, {WEIGHTS}
    pressed: list[float] = []

    def should_stop() -> bool:
        if not pressed and hub.ranges_for(WEIGHTS):
            time.sleep(0.2)  # the request is answered and its first bytes are on their way
            pressed.append(time.monotonic())
        return bool(pressed)

    with pytest.raises(Cancelled):
        download(ENTRY, store, should_stop=should_stop, endpoint=hub.url)
    assert time.monotonic() - pressed[0] < 1.0


def test_closed_port_is_hub_unreachable(store: ModelStore, hub: FakeHub) -> None:
    with pytest.raises(HubUnreachable) as info:
        download(ENTRY, store, endpoint=_closed_port_url())
    assert info.value.message == (
        "Precis could not reach the Hugging Face Hub to download tiny-t5; check your internet connection. "
        "You can still summarize with the built-in extractive engine."
    )


def test_offline_mode_fails_at_once(store: ModelStore) -> None:
    # conftest sets HF_HUB_OFFLINE=1 for every test.
    with pytest.raises(HubUnreachable, match=r"offline mode is on \(HF_HUB_OFFLINE\)"):
        download(ENTRY, store, endpoint=_closed_port_url())


def test_repo_without_safetensors_is_refused(hub: FakeHub, store: ModelStore, tiny_model_dir: Path) -> None:
    files = {p.name: p.read_bytes() for p in tiny_model_dir.iterdir() if p.name != WEIGHTS}
    hub.add_repo("precis-test/pickled", REVISION, {**files, "pytorch_model.bin": b"pickle"})
    entry = CatalogEntry("pickled", "precis-test/pickled", REVISION, 1, 1, "MIT", "x", {"torch": ("float32",)})
    with pytest.raises(DownloadError, match="offers no safetensors"):
        download(entry, store, endpoint=hub.url)
    assert hub.fetches_of("pytorch_model.bin") == 0 and store.installed() == []


def test_unknown_revision_is_a_download_error(hub: FakeHub, store: ModelStore) -> None:
    entry = CatalogEntry("tiny-t5", ENTRY.hub_id, "f" * 40, 1, 1, "MIT", "x", {"torch": ("float32",)})
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(entry, store, endpoint=hub.url)


def test_an_entry_names_the_files_it_wants(hub: FakeHub, store: ModelStore, tiny_model_dir: Path) -> None:
    """Generic over catalog entries: the patterns choose the files and ``check`` what makes a model."""
    hub.add_repo("precis-test/other", REVISION, {"model.bin": b"not a pickle here", "vocabulary.txt": b"a\nb\n",
                                                  "README.md": b"# x"})
    entry = CatalogEntry("other", "precis-test/other", REVISION, 1, 1, "MIT", "x", {"ctranslate2": ("int8",)},
                         files=("model.bin", "vocabulary.*"))
    checked: list[Path] = []
    model = download(entry, store, endpoint=hub.url, check=checked.append)
    assert sorted(p.name for p in model.path.iterdir() if not p.name.startswith(".")) == ["model.bin", MANIFEST,
                                                                                          "vocabulary.txt"]
    assert checked == [store.partial_dir("other")]
    # Not a T5 text model (no config.json names its kind): installed without the text self-check,
    # and its manifest says why.
    record = ModelManifest.read(model.path).self_check  # type: ignore[union-attr]
    assert record["applies"] is False and "no config.json" in record["why"] and "reference" not in record


def test_partial_from_another_revision_is_discarded(hub: FakeHub, store: ModelStore) -> None:
    stale = store.root / ".partial" / "tiny-t5"
    stale.mkdir(parents=True)
    (stale / STATE_FILE).write_text(json.dumps({"schema": 2, "hub_id": ENTRY.hub_id, "revision": "a" * 40}))
    (stale / WEIGHTS).write_bytes(b"garbage from an older revision")
    download(ENTRY, store, endpoint=hub.url)
    assert hub.ranges_for(WEIGHTS) == [None]


def test_full_disk_is_a_clear_download_error(hub: FakeHub, store: ModelStore) -> None:
    """Writes to /dev/full fail with ENOSPC, as they would on a full disk."""
    from huggingface_hub._local_folder import get_local_download_paths

    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    work = store.partial_dir(ENTRY.name)
    work.mkdir(parents=True)
    (work / STATE_FILE).write_text(json.dumps({"schema": 2, "hub_id": ENTRY.hub_id, "revision": REVISION}))
    data = hub.repos[(ENTRY.hub_id, REVISION)][WEIGHTS]
    part = get_local_download_paths(work, WEIGHTS).incomplete_path(hashlib.sha256(data).hexdigest())
    part.symlink_to("/dev/full")
    with pytest.raises(DownloadError, match="The disk holding .* is full"):
        download(ENTRY, store, endpoint=hub.url)
    assert store.installed() == []


def test_unwritable_store_is_a_clear_download_error(hub: FakeHub, store: ModelStore) -> None:
    (store.root / ".partial").write_text("a file where the downloads folder should be")
    with pytest.raises(DownloadError, match="could not be saved in"):
        download(ENTRY, store, endpoint=hub.url)

"""Downloads against a fake Hub on 127.0.0.1: progress, resume, checksums, cancel, failures."""

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
from desktop.ml.models.download import download
from desktop.ml.models.manifest import MANIFEST
from desktop.ml.models.store import ModelStore
from tests.fake_hub import FakeHub

REVISION = "0123456789abcdef0123456789abcdef01234567"
ENTRY = CatalogEntry(
    name="tiny-t5", hub_id="precis-test/tiny-t5", revision=REVISION, parameters=1, download_bytes=1,
    license="Apache-2.0", description="test", backends={"torch": ("float32",)},
)
WEIGHTS = "model.safetensors"


@pytest.fixture
def hub(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
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


def test_download_installs_verified_safetensors_only(hub: FakeHub, store: ModelStore, tiny_model_dir: Path) -> None:
    events: list[Progress] = []
    model = download(ENTRY, store, on_progress=events.append, endpoint=hub.url)
    assert model.name == "tiny-t5" and model.source == "hub" and model.revision == REVISION
    names = sorted(p.name for p in model.path.iterdir() if not p.name.startswith("."))
    assert names == sorted(
        ["config.json", "generation_config.json", "model.safetensors", "special_tokens_map.json",
         "spiece.model", "tokenizer.json", "tokenizer_config.json", MANIFEST]
    )
    for name in names:
        if name != MANIFEST:
            assert (model.path / name).read_bytes() == (tiny_model_dir / name).read_bytes()
    assert hub.fetches_of("pytorch_model.bin") == 0 and hub.fetches_of("README.md") == 0
    manifest = json.loads((model.path / MANIFEST).read_text())
    assert manifest["hub_id"] == ENTRY.hub_id and manifest["revision"] == REVISION
    assert manifest["files"][WEIGHTS]["sha256"] == hashlib.sha256((tiny_model_dir / WEIGHTS).read_bytes()).hexdigest()
    total = sum((tiny_model_dir / n).stat().st_size for n in names if n != MANIFEST)
    assert events and all(e.total == total for e in events)
    assert any(e.stage == f"downloading {WEIGHTS}" for e in events)
    assert [e.done for e in events] == sorted(e.done for e in events)
    assert max(e.done for e in events) == total
    assert store.is_installed("tiny-t5") and not (store.root / ".partial" / "tiny-t5").exists()
    # Installed: a second call answers from the store without touching the Hub.
    before = len(hub.requests)
    assert download(ENTRY, store, endpoint=hub.url).path == model.path
    assert len(hub.requests) == before


def test_dropped_connection_resumes_with_range(hub: FakeHub, store: ModelStore) -> None:
    hub.drop_once[WEIGHTS] = 100_000
    download(ENTRY, store, endpoint=hub.url)
    assert hub.ranges_for(WEIGHTS) == [None, "bytes=100000-"]
    assert store.is_installed("tiny-t5")


def test_server_ignoring_range_restarts_the_file(hub: FakeHub, store: ModelStore, tiny_model_dir: Path) -> None:
    hub.drop_once[WEIGHTS] = 50_000
    hub.ignore_range = True  # answers 200 with the whole file even to a Range request
    model = download(ENTRY, store, endpoint=hub.url)
    assert hub.ranges_for(WEIGHTS) == [None, "bytes=50000-"]
    assert (model.path / WEIGHTS).read_bytes() == (tiny_model_dir / WEIGHTS).read_bytes()


@pytest.mark.parametrize("name", [WEIGHTS, "config.json"])  # LFS sha256, and git blob sha1
def test_corrupted_file_is_detected_and_fetched_again(hub: FakeHub, store: ModelStore, tiny_model_dir: Path, name: str) -> None:
    hub.corrupt_once.add(name)
    model = download(ENTRY, store, endpoint=hub.url)
    assert hub.fetches_of(name) == 2
    assert (model.path / name).read_bytes() == (tiny_model_dir / name).read_bytes()


def test_corrupted_twice_fails_and_installs_nothing(hub: FakeHub, store: ModelStore) -> None:
    hub.corrupt_always.add(WEIGHTS)
    with pytest.raises(DownloadError, match="arrived damaged twice"):
        download(ENTRY, store, endpoint=hub.url)
    assert hub.fetches_of(WEIGHTS) == 2
    assert store.installed() == []


def test_cancel_within_a_second_then_resume(hub: FakeHub, store: ModelStore) -> None:
    hub.delay_per_chunk = 0.05  # about 320 KB/s: the weights take seconds
    part = store.root / ".partial" / "tiny-t5" / f"{WEIGHTS}.part"
    pressed: list[float] = []

    def should_stop() -> bool:
        if not pressed and part.is_file() and part.stat().st_size >= 32768:
            pressed.append(time.monotonic())
        return bool(pressed)

    events: list[tuple[float, Progress]] = []
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        download(ENTRY, store, on_progress=lambda e: events.append((time.monotonic(), e)),
                 should_stop=should_stop, endpoint=hub.url)
    assert time.monotonic() - pressed[0] < 1.0
    # A slow file gives an ETA, and events come at most about ten a second (plus one per file).
    assert any(e.eta_s is not None and e.stage == f"downloading {WEIGHTS}" for _, e in events)
    assert len(events) <= 10 * (time.monotonic() - t0) + 8
    assert store.installed() == [] and not store.is_installed("tiny-t5")
    kept = part.stat().st_size
    assert 32768 <= kept < len(hub.repos[(ENTRY.hub_id, REVISION)][WEIGHTS])
    hub.delay_per_chunk = 0.0
    download(ENTRY, store, endpoint=hub.url)
    assert hub.ranges_for(WEIGHTS) == [None, f"bytes={kept}-"]
    assert store.is_installed("tiny-t5") and not part.parent.exists()


def test_closed_port_is_hub_unreachable(store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(HubUnreachable) as info:
        download(ENTRY, store, endpoint=_closed_port_url())
    assert info.value.message == (
        "Precis could not reach the Hugging Face Hub to download tiny-t5; check your internet connection. "
        "You can still summarize with the built-in extractive engine."
    )


def test_hf_endpoint_variable_is_used(hub: FakeHub, store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    assert download(ENTRY, store).name == "tiny-t5"


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


def test_partial_from_another_revision_is_discarded(hub: FakeHub, store: ModelStore) -> None:
    stale = store.root / ".partial" / "tiny-t5"
    stale.mkdir(parents=True)
    (stale / f"{WEIGHTS}.part").write_bytes(b"garbage from an older revision")
    download(ENTRY, store, endpoint=hub.url)
    assert hub.ranges_for(WEIGHTS) == [None]


def test_full_disk_is_a_clear_download_error(hub: FakeHub, store: ModelStore) -> None:
    """Writes to /dev/full fail with ENOSPC, as they would on a full disk."""
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    download_dir = store.root / ".partial" / "tiny-t5"
    download_dir.mkdir(parents=True)
    (download_dir / "precis-download.json").write_text(json.dumps({"hub_id": ENTRY.hub_id, "revision": REVISION}))
    (download_dir / f"{WEIGHTS}.part").symlink_to("/dev/full")
    with pytest.raises(DownloadError, match="The disk holding .* is full"):
        download(ENTRY, store, endpoint=hub.url)
    assert store.installed() == []


def test_unwritable_store_is_a_clear_download_error(hub: FakeHub, store: ModelStore) -> None:
    (store.root / ".partial").write_text("a file where the downloads folder should be")
    with pytest.raises(DownloadError, match="could not be saved in"):
        download(ENTRY, store, endpoint=hub.url)

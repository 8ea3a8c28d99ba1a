"""precis-cli models end to end through desktop.cli.main, with a fake Hub on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.ml.models.catalog import Catalog
from tests.fake_hub import FakeHub

SMALL = Catalog.load().get("flan-t5-small")
assert SMALL is not None


@pytest.fixture
def hub(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, unpinned_catalog: Path) -> Iterator[FakeHub]:
    """Serves the tiny model as if it were flan-t5-small at the catalog's pinned revision (the
    catalog less its checksums, which are the real files' and would refuse the stand-in)."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with FakeHub() as fake:
        fake.add_folder(SMALL.hub_id, SMALL.revision, tiny_model_dir)
        yield fake


def _list(capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["models", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_download_list_import_remove(hub: FakeHub, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = _list(capsys)
    assert [m["name"] for m in listing["catalog"]][:2] == ["flan-t5-small", "flan-t5-base"]
    assert not any(m["installed"] for m in listing["catalog"])

    assert main(["models", "download", "flan-t5-small", "--endpoint", hub.url]) == 0
    err = capsys.readouterr().err
    assert "Installed flan-t5-small" in err
    assert "100%" in err and "B/s" in err  # the tqdm bar, in bytes
    assert main(["models", "download", "flan-t5-small", "--endpoint", hub.url]) == 0
    assert "already installed" in capsys.readouterr().err

    assert main(["models", "import", str(tiny_model_dir), "--name", "my-t5"]) == 0
    listing = _list(capsys)
    small = listing["catalog"][0]
    assert small["installed"] and small["installed_revision"] == SMALL.revision
    assert [m["name"] for m in listing["imported"]] == ["my-t5"]

    assert main(["models", "list"]) == 0
    table = capsys.readouterr().out
    assert "flan-t5-small" in table and "installed" in table and "my-t5" in table and "(default)" in table

    assert main(["models", "remove", "my-t5"]) == 0
    assert main(["models", "remove", "flan-t5-small"]) == 0
    listing = _list(capsys)
    assert listing["imported"] == [] and not listing["catalog"][0]["installed"]


def test_failures_exit_1_with_the_sentence(tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "download", "flan-t5-small"]) == 1  # HF_HUB_OFFLINE=1 from conftest
    assert "offline mode is on (HF_HUB_OFFLINE)" in capsys.readouterr().err

    monkeypatch.delenv("HF_HUB_OFFLINE")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    assert main(["models", "download", "flan-t5-small", "--endpoint", closed]) == 1
    assert "could not reach the Hugging Face Hub to download flan-t5-small" in capsys.readouterr().err

    pickled = tmp_path / "pickled"
    pickled.mkdir()
    for name in ("config.json", "spiece.model"):
        (pickled / name).write_bytes((tiny_model_dir / name).read_bytes())
    (pickled / "pytorch_model.bin").write_bytes(b"pickle")
    assert main(["models", "import", str(pickled)]) == 1
    assert "only PyTorch pickle weights" in capsys.readouterr().err

    assert main(["models", "remove", "nothing-here"]) == 1
    assert "No model called nothing-here is installed" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "download", "gpt-5"]) == 2
    assert "not in the catalog" in capsys.readouterr().err
    assert main(["models"]) == 2
    with pytest.raises(SystemExit) as info:
        main(["models", "download"])
    assert info.value.code == 2

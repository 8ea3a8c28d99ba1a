"""Security: no network but the download asked for, only safetensors loaded, no remote code.
Email HTML and logs: test_security_content.py.

Referenced, not repeated: a pickle-only model folder refused with the reason
(tests/ml/test_validate.py::test_pickle_only_folder_is_refused_with_the_reason) and offline mode
failing a download at once (tests/ml/test_download.py::test_offline_mode_fails_at_once).
"""

from __future__ import annotations

import ast
import json
import os
import pickle
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.errors import HubUnreachable, InvalidModel
from desktop.ml.engine.job import JobSpec, run_job
from desktop.ml.models.store import ModelStore
from tests.fake_hub import FakeHub
from tests.reliability.heldout import write_heldout
from tests.reliability.probes import PYTHON, REPO, child_env, cli, run_measured

TINY = {"engine": "flan-t5", "model": "tiny", "backend": "ctranslate2", "quantization": "int8", "device": "cpu",
        "threads": 1, "length": "short"}


# ----- no network -------------------------------------------------------------------------------
class NetworkBlocked(OSError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every attempt to reach another machine (connect, send, name lookup) fails and is recorded;
    local sockets (AF_UNIX, the pipes of multiprocessing) still work."""
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(name: str):  # type: ignore[no-untyped-def]
        def blocked(*args, **kwargs):  # type: ignore[no-untyped-def]
            attempts.append(f"{name}{args[1:]!r}")
            raise NetworkBlocked(f"network blocked in this test: {name}")
        return blocked

    def connect(self: socket.socket, address, real=real_connect):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6):
            return guard("connect")(self, address)
        return real(self, address)

    def connect_ex(self: socket.socket, address, real=real_connect_ex):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6):
            return guard("connect_ex")(self, address)
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", guard("sendto"))
    monkeypatch.setattr(socket, "create_connection", guard("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", guard("getaddrinfo"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # no help from the offline switch either
    return attempts


def test_full_job_in_process_with_sockets_blocked(no_network: list[str], tiny: str, tmp_path: Path) -> None:
    files = [str(p) for p in write_heldout(tmp_path / "docs")]
    model = run_job(JobSpec(paths=files, **TINY)).digest
    extractive = run_job(JobSpec(paths=files, engine="extractive")).digest
    assert model.engine.startswith("flan-t5") and len(model.documents) >= len(files)
    assert extractive.engine == "extractive" and extractive.points
    assert no_network == []


SITECUSTOMIZE = '''
"""Installed by tests/reliability/test_security.py: no process of this run may reach the network."""
import os, socket
_LOG = os.environ["PRECIS_NET_LOG"]
def _record(what):
    with open(_LOG, "a") as fh:
        fh.write(f"{os.getpid()} {what}\\n")
    raise OSError(f"network blocked: {what}")
_real_connect, _real_connect_ex = socket.socket.connect, socket.socket.connect_ex
def _connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _record(f"connect {address!r}")
    return _real_connect(self, address)
def _connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _record(f"connect_ex {address!r}")
    return _real_connect_ex(self, address)
socket.socket.connect, socket.socket.connect_ex = _connect, _connect_ex
socket.create_connection = lambda address, *a, **k: _record(f"create_connection {address!r}")
socket.getaddrinfo = lambda host, *a, **k: _record(f"getaddrinfo {host!r}")
'''


def test_cli_jobs_in_processes_with_sockets_blocked(tiny: str, tmp_path: Path) -> None:
    """The real precis-cli, with every process it starts (the model conversion runs in a child)
    importing a sitecustomize that blocks and records network use; HF_HUB_OFFLINE unset."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "network.log"
    env = child_env(Path(os.environ["PRECIS_HOME"]), PRECIS_NET_LOG=str(log))
    env.pop("HF_HUB_OFFLINE")
    env["PYTHONPATH"] = os.pathsep.join([str(site), env["PYTHONPATH"]])
    docs = [str(p) for p in write_heldout(tmp_path / "docs")]
    runs = [["extract", "--format", "json", *docs],
            ["summarize", "--engine", "extractive", "--no-progress", *docs],
            ["summarize", "--engine", "flan-t5", "--model", "tiny", "--backend", "ctranslate2", "--length", "short",
             "--no-progress", "--format", "json", *docs],
            ["models", "list"]]
    outputs = []
    for args in runs:
        done = run_measured(cli(args), timeout=300, cwd=tmp_path, env=env)
        assert done.rc == 0, (args, done.stderr[-3000:])
        outputs.append(done.stdout)
    assert json.loads(outputs[2])["engine"].startswith("flan-t5")  # the model ran, not the fallback
    assert not log.exists(), log.read_text()
    probe = run_measured([PYTHON, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"], timeout=60,
                         cwd=tmp_path, env=env)
    assert probe.rc != 0 and log.exists()  # the guard itself works


def test_offline_mode_means_not_one_request(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With HF_HUB_OFFLINE=1 the downloader sends nothing, even with a Hub reachable."""
    from desktop.ml.models.catalog import CatalogEntry
    from desktop.ml.models.download import download

    entry = CatalogEntry(name="tiny-t5", hub_id="precis-test/tiny-t5", revision="0" * 40, parameters=1,
                         download_bytes=1, license="Apache-2.0", description="test")
    with FakeHub() as hub:
        hub.add_folder(entry.hub_id, entry.revision, tiny_model_dir)
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        with pytest.raises(HubUnreachable, match="offline mode is on"):
            download(entry, ModelStore(tmp_path / "store"), endpoint=hub.url)
        env = child_env(tmp_path / "home", HF_ENDPOINT=hub.url)
        done = run_measured(cli(["models", "download", "flan-t5-small"]), timeout=120, cwd=tmp_path, env=env)
        assert done.rc != 0 and "offline mode is on" in done.stderr and "Traceback" not in done.stderr
        assert hub.requests == []


# ----- what gets loaded ---------------------------------------------------------------------------
class _Payload:
    """Unpickling this would call ``os.getpid``: harmless, but it would show in the audit log."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.getpid, ())


def test_pickle_weights_are_never_unpickled(tiny_model_dir: Path, tmp_path: Path) -> None:
    """A folder with pickle weights is refused before anything is unpickled: no ``pickle.find_class``
    audit event (PEP 578) fires while Precis validates, imports or loads it."""
    from desktop.ml.engine.loader import load_text_model

    folder = tmp_path / "pickled"
    folder.mkdir()
    for name in ("config.json", "spiece.model", "tokenizer.json"):
        (folder / name).write_bytes((tiny_model_dir / name).read_bytes())
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"weight": _Payload()}))
    events: list[tuple] = []
    recording = [True]

    def hook(event: str, args: tuple) -> None:
        if recording[0] and event in ("pickle.find_class", "torch.load"):
            events.append((event, args))

    sys.addaudithook(hook)
    try:
        with pytest.raises(InvalidModel, match="holds only PyTorch pickle weights"):
            ModelStore(tmp_path / "store").import_folder(folder)
        with pytest.raises(InvalidModel, match="which can run code when loaded"):
            load_text_model(str(folder), backend="ctranslate2", store_root=tmp_path / "store")
        with pytest.raises(InvalidModel):
            load_text_model(str(folder), backend="torch", store_root=tmp_path / "store")
    finally:
        recording[0] = False
    assert events == []


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    return (node for node in ast.walk(tree) if isinstance(node, ast.Call))


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


SOURCE_DIRS = ("desktop", "benchmarks", "resources")


#: Files that may unpickle, each with why: they only ever load pickles they made themselves in the
#: same process, never a file or anything a user or a download brings.
PICKLES_OF_ITS_OWN = {
    "benchmarks/protocol_encoding.py": "times the pickled dict the typed JSON messages replaced (issue 23), on "
                                       "data it pickles itself a line earlier",
}


def test_source_tree_never_trusts_remote_code_and_loads_no_pickles() -> None:
    """Every file we ship or run: trust_remote_code only ever False (and, in the app, passed
    explicitly to every Auto*/ORT* from_pretrained), torch.load only with weights_only=True, no
    pickle loading."""
    problems: list[str] = []
    scanned = 0
    for folder in SOURCE_DIRS:
        for path in sorted((REPO / folder).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source, str(path))
            scanned += 1
            where = path.relative_to(REPO)
            for call in _calls(tree):
                name = _dotted(call.func)
                kw = {k.arg: k.value for k in call.keywords if k.arg}
                trust = kw.get("trust_remote_code")
                if trust is not None and not (isinstance(trust, ast.Constant) and trust.value is False):
                    problems.append(f"{where}:{call.lineno} trust_remote_code={ast.unparse(trust)}")
                head = name.rsplit(".", 2)[-2] if name.count(".") else ""
                if (folder == "desktop" and name.endswith(".from_pretrained") and head.startswith(("Auto", "ORTModel"))
                        and trust is None):
                    problems.append(f"{where}:{call.lineno} {name} without trust_remote_code=False")
                if name == "torch.load":
                    wo = kw.get("weights_only")
                    if not (isinstance(wo, ast.Constant) and wo.value is True):
                        problems.append(f"{where}:{call.lineno} torch.load without weights_only=True")
                if (name in ("pickle.load", "pickle.loads", "pickle.Unpickler", "joblib.load", "dill.load", "dill.loads")
                        and str(where) not in PICKLES_OF_ITS_OWN):
                    problems.append(f"{where}:{call.lineno} {name}")
                allow = kw.get("allow_pickle")
                if name.endswith(("np.load", "numpy.load")) and not (isinstance(allow, ast.Constant) and allow.value is False):
                    problems.append(f"{where}:{call.lineno} {name} may unpickle")
            for node in ast.walk(tree):
                if isinstance(node, ast.Dict):
                    for k, v in zip(node.keys, node.values):
                        if isinstance(k, ast.Constant) and k.value == "trust_remote_code" and not (
                                isinstance(v, ast.Constant) and v.value is False):
                            problems.append(f"{where}:{node.lineno} dict sets trust_remote_code")
                if isinstance(node, (ast.ImportFrom)) and node.module == "torch" and any(a.name == "load" for a in node.names):
                    problems.append(f"{where}:{node.lineno} imports torch.load by name (unchecked calls)")
    assert scanned > 100
    assert problems == []

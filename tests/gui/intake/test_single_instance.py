"""One window per user: a second `precis` hands its files to the running one over a local socket
and exits; hostile or silent local clients never stop the window from working."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from pytestqt.qtbot import QtBot

from desktop.core.history import History
from desktop.core.settings import Settings, save_settings
from desktop.gui.intake.single_instance import ABSENT, DELIVERED, NO_ANSWER, REFUSED, InstanceServer, send_to_running
from desktop.integration import handoff
from desktop.integration.instance_socket import server_name
from tests.gui._jobs import SAMPLE_FILES

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the hostile clients speak AF_UNIX")
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private XDG_RUNTIME_DIR for this test, so it never meets a real Precis of the user."""
    folder = Path(f"/tmp/precis-test-{os.getpid()}-{time.monotonic_ns()}")  # short: socket paths are limited
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _client(name: str, payload: bytes, *, wait_answer: float = 2.0) -> bytes:
    """A raw local client: sends ``payload`` (maybe nothing) and returns what the server answers."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(wait_answer)
        s.connect(name)
        try:
            if payload:
                s.sendall(payload)
            return s.recv(4096)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return b""


def _send_from_another_process(qtbot: QtBot, message: handoff.Handoff, name: str) -> str:
    """``send_to_running`` as a second launch runs it: in its own process (its blocking waits
    hold the GIL, so in this process they would starve the server they talk to)."""
    code = ("import sys; from desktop.integration import handoff; from desktop.gui.intake.single_instance import send_to_running;"
            "print(send_to_running(handoff.Handoff(**__import__('json').loads(sys.argv[1])), sys.argv[2]))")
    body = {"files": list(message.files), "cwd": message.cwd, "action": message.action,
            "protocol_version": message.protocol_version}
    proc = subprocess.Popen([sys.executable, "-c", code, json.dumps(body), name], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=30_000)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return out.strip()


def _stale_socket(path: str) -> None:
    """What a crashed instance leaves: a socket file nobody listens on."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()
    assert Path(path).exists()


# ------------------------------------------------------------------ the server in this process
def test_server_takes_over_a_stale_socket_and_answers(qtbot: QtBot, runtime: Path) -> None:
    name = server_name()
    _stale_socket(name)
    server = InstanceServer(name)
    assert server.listen()
    assert os.stat(name).st_mode & 0o077 == 0 and os.stat(Path(name).parent).st_mode & 0o077 == 0  # owner only
    # A second listen on a live name must not take it over (Qt's own listen would).
    assert not InstanceServer(name).listen()
    got: list[handoff.Handoff] = []
    server.received.connect(got.append)
    message = handoff.make(["/tmp/a b.pdf", "/tmp/Ärger.md", "/tmp/new\nline.txt"], "summarize", cwd="/tmp")
    assert _send_from_another_process(qtbot, message, name) == DELIVERED
    assert got == [message]
    server.close()


def test_hostile_clients_are_dropped_and_others_still_served(qtbot: QtBot, runtime: Path) -> None:
    name = server_name()
    server = InstanceServer(name, read_timeout_s=0.5)
    assert server.listen()
    got: list[handoff.Handoff] = []
    server.received.connect(got.append)
    answers: dict[str, bytes] = {}

    def run(label: str, payload: bytes) -> None:
        answers[label] = _client(name, payload, wait_answer=3.0)

    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(name)  # connects and says nothing
    threads = [threading.Thread(target=run, args=a) for a in [
        ("garbage", b"\x00\xffgarbage\n"),
        ("big", b"[" * (10 * 1024 * 1024)),
        ("version", json.dumps({"protocol_version": 2, "action": "open", "cwd": "/", "files": []}).encode() + b"\n"),
        ("good", handoff.encode(handoff.make(["/tmp/x.md"], cwd="/tmp"))),
    ]]
    for t in threads:
        t.start()
    qtbot.waitUntil(lambda: len(answers) == 4 and server.rejected >= 4, timeout=10_000)
    for t in threads:
        t.join()
    assert json.loads(answers["good"]) == {"ok": True}
    assert json.loads(answers["garbage"])["ok"] is False
    assert "protocol version 2" in json.loads(answers["version"])["error"]
    assert answers["big"] == b""  # cut off, not answered
    assert [m.files for m in got] == [("/tmp/x.md",)]
    silent.settimeout(2)
    assert silent.recv(10) == b""  # the silent one was hung up on after the read timeout
    silent.close()
    server.close()


def test_a_window_that_does_not_answer_means_a_new_window(runtime: Path) -> None:
    """A hung instance still accepts connections (the kernel does); the launch must not wait forever."""
    name = server_name()
    hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hung.bind(name)
    hung.listen(4)
    started = time.monotonic()
    assert send_to_running(handoff.make(["/tmp/x.md"]), name, timeout_s=0.5) == NO_ANSWER
    assert time.monotonic() - started < 2.0
    hung.close()
    assert send_to_running(handoff.make(["/tmp/x.md"]), name, timeout_s=0.5) == ABSENT  # stale file now


def test_a_refusal_is_reported(qtbot: QtBot, runtime: Path) -> None:
    name = server_name()
    server = InstanceServer(name)
    assert server.listen()
    bad = handoff.Handoff(files=("/tmp/x",), cwd="/", action="open", protocol_version=7)
    assert _send_from_another_process(qtbot, bad, name) == REFUSED
    assert server.rejected == 1
    server.close()


# ------------------------------------------------------------------ two real processes
@pytest.fixture
def first_window(tmp_path: Path, runtime: Path) -> Iterator[subprocess.Popen[str]]:
    save_settings(Settings(tree_root=str(tmp_path), model="extractive"))  # no first-run samples job
    name = server_name()
    _stale_socket(name)  # a crashed instance was here before
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "desktop"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while send_to_running(handoff.make([], cwd="/"), name, timeout_s=1.0) != DELIVERED:
        assert proc.poll() is None, proc.stderr.read()  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the first window never listened"
        time.sleep(0.2)
    yield proc
    for child in psutil.Process(proc.pid).children(recursive=True):
        child.kill()
    proc.kill()
    proc.wait(timeout=10)


def test_second_launch_hands_over_and_the_first_window_makes_the_digests(
        first_window: subprocess.Popen[str], tmp_path: Path, runtime: Path) -> None:
    name = server_name()
    # Local programs that misbehave: garbage, 10 MB, connect-and-say-nothing.
    assert json.loads(_client(name, b"garbage\n"))["ok"] is False
    assert _client(name, b"x" * (10 * 1024 * 1024)) == b""
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(name)

    docs = tmp_path / "Mes documents ä"
    docs.mkdir()
    for f in SAMPLE_FILES[:2]:
        shutil.copy(f, docs / f"copy of {Path(f).name}")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.monotonic()
    second = subprocess.run([sys.executable, "-m", "desktop", "--summarize", *sorted(p.name for p in docs.iterdir())],
                            check=False, cwd=docs, env=env, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    silent.close()
    assert second.returncode == 0, second.stderr
    # The issue asks for under a second; allow for a CPU shared with other test processes.
    assert took < 3.0, f"the second launch took {took:.2f} s to hand over and exit"
    print(f"second launch handed over and exited in {took:.2f} s")

    deadline = time.monotonic() + 90
    while len(History().list()) < 2:
        assert first_window.poll() is None, first_window.stderr.read()  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the first window did not finish the handed-over digests"
        time.sleep(0.3)
    entries = History().list()
    assert sorted(Path(p).name for e in entries for p in e.paths) == sorted(p.name for p in docs.iterdir())
    assert first_window.poll() is None  # still running, the one window


def test_the_gnome_files_script_reaches_the_running_window(
        first_window: subprocess.Popen[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed Nautilus script, run the way Nautilus runs it from a desktop session: the
    selection in NAUTILUS_SCRIPT_SELECTED_FILE_PATHS, one name with a space, one non-ASCII."""
    from desktop.integration import installer
    from desktop.integration.launcher import default_launcher

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    installer.install(installer.plan_for("linux", default_launcher()))
    script = tmp_path / "share" / "nautilus" / "scripts" / "Summarize together with Precis"
    picked = [tmp_path / "Weekly sync.vtt", tmp_path / "Büro-Umzug.eml"]
    for src, dst in zip(SAMPLE_FILES, picked):
        shutil.copy(src, dst)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "NAUTILUS_SCRIPT_SELECTED_FILE_PATHS": "".join(f"{p}\n" for p in picked)}
    run = subprocess.run([str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    deadline = time.monotonic() + 90
    while not History().list():
        assert first_window.poll() is None, first_window.stderr.read()  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the running window did not make the digest"
        time.sleep(0.3)
    [entry] = History().list()  # together: one digest of both
    assert sorted(entry.paths) == sorted(map(str, picked))


def test_launches_at_once_make_one_window_and_one_digest(tmp_path: Path, runtime: Path) -> None:
    """Explorer starts a "together" verb once per selected file, all at the same moment: the
    first launch opens the window, the others wait for it, and the window joins the three."""
    save_settings(Settings(tree_root=str(tmp_path), model="extractive"))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    procs = [subprocess.Popen([sys.executable, "-m", "desktop", "--summarize-together", f], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for f in SAMPLE_FILES]
    try:
        deadline = time.monotonic() + 90
        while not History().list():
            assert time.monotonic() < deadline, "no digest"
            time.sleep(0.3)
        running = [p for p in procs if p.poll() is None]
        assert len(running) == 1, [p.stderr.read() for p in procs if p.poll() is not None and p.returncode]  # type: ignore[union-attr]
        assert all(p.returncode == 0 for p in procs if p is not running[0])
        [entry] = History().list()
        assert sorted(entry.paths) == sorted(SAMPLE_FILES)
    finally:
        for p in procs:
            if p.poll() is None:
                for child in psutil.Process(p.pid).children(recursive=True):
                    child.kill()
                p.kill()
                p.wait(timeout=10)


def test_command_line_actions() -> None:
    from desktop.__main__ import parse_args

    assert parse_args(["a.pdf"]).action == "open"
    args = parse_args(["--summarize", "--", "-odd name.pdf", "b.docx"])
    assert args.action == "summarize" and args.files == ["-odd name.pdf", "b.docx"] and not args.new_instance
    args = parse_args(["--summarize-together", "--new-instance", "x.md"])
    assert args.action == "summarize-together" and args.new_instance
    with pytest.raises(SystemExit):
        parse_args(["--summarize", "--summarize-together", "x.md"])

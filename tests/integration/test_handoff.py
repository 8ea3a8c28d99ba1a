"""The hand-over message: what a second launch sends, what the running window accepts, and where
it listens (a private per-user folder)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from desktop.integration import handoff
from desktop.integration.handoff import HandoffRejected
from desktop.integration.instance_socket import UnsafeSocketFolder, server_name, socket_folder
from desktop.integration.uris import local_path, not_local_reason

NAMES = ["/home/ana/Meeting notes.pdf", "/home/ana/Protokoll Ärger ünd Öl.docx", "/tmp/line\nbreak.txt",
         "/tmp/quote \"double\" 'single'.md", "relative/name.vtt"]


def test_a_message_round_trips_with_awkward_names() -> None:
    message = handoff.make(NAMES, "summarize-together", cwd="/home/ana")
    data = handoff.encode(message)
    assert data.endswith(b"\n") and data.count(b"\n") == 1  # one line, whatever the names hold
    assert handoff.decode(data) == message


def test_undecodable_file_name_bytes_survive() -> None:
    """On Linux a name that is not UTF-8 arrives as surrogate escapes; it must come back the same."""
    name = os.fsdecode(b"/tmp/caf\xe9.txt")
    back = handoff.decode(handoff.encode(handoff.make([name], cwd="/")))
    assert os.fsencode(back.files[0]) == b"/tmp/caf\xe9.txt"


@pytest.mark.parametrize(("data", "reason"), [
    (b"garbage\n", "not JSON"),
    (b"\xff\xfe\x00", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (json.dumps({"protocol_version": 99, "action": "open", "cwd": "/", "files": []}).encode(), "protocol version 99"),
    (json.dumps({"protocol_version": True, "action": "open", "cwd": "/", "files": []}).encode(), "protocol version"),
    (json.dumps({"protocol_version": 1, "action": "rm -rf", "cwd": "/", "files": []}).encode(), "unknown action"),
    (json.dumps({"protocol_version": 1, "action": "open", "cwd": 3, "files": []}).encode(), "working folder"),
    (json.dumps({"protocol_version": 1, "action": "open", "cwd": "/", "files": "/etc"}).encode(), "file list"),
    (json.dumps({"protocol_version": 1, "action": "open", "cwd": "/", "files": ["a\x00b"]}).encode(), "not a file name"),
    (json.dumps({"protocol_version": 1, "action": "open", "cwd": "/", "files": [{"x": 1}]}).encode(), "not a file name"),
    (b"x" * (handoff.MAX_MESSAGE_BYTES + 1), "more than"),
])
def test_bad_messages_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(HandoffRejected) as err:
        handoff.decode(data)
    assert reason in err.value.message


def test_relative_names_and_file_uris_become_local_paths(tmp_path: Path) -> None:
    assert local_path("notes.md", "/home/ana") == "/home/ana/notes.md"
    assert local_path("file:///home/ana/Meeting%20notes%20%C3%84.pdf") == "/home/ana/Meeting notes Ä.pdf"
    assert local_path("file://localhost/tmp/a%0Ab.txt") == "/tmp/a\nb.txt"
    assert local_path("C:\\Users\\ana\\x.pdf", "C:\\Users") == "C:\\Users\\ana\\x.pdf"  # a drive, not a scheme
    (tmp_path / "minutes:draft.txt").write_text("x")
    assert local_path("minutes:draft.txt", str(tmp_path)) == str(tmp_path / "minutes:draft.txt")
    for remote in ("sftp://host/x.pdf", "smb://nas/share/y.docx", "https://example.org/z.pdf", "trash:///a.pdf"):
        assert local_path(remote, "/") is None
    assert "copy it to this computer" in not_local_reason("sftp://host/x.pdf")
    assert "download" in not_local_reason("http://example.org/a.pdf")


@pytest.mark.skipif(sys.platform == "win32", reason="Unix socket folder")
def test_socket_lives_in_a_private_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    name = server_name()
    folder = Path(name).parent
    assert folder == runtime / "precis"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # A folder that others can enter is closed again; the name is stable and per data folder.
    os.chmod(folder, 0o755)
    assert server_name() == name and stat.S_IMODE(folder.stat().st_mode) == 0o700
    monkeypatch.setenv("PRECIS_HOME", str(tmp_path / "other-home"))
    assert server_name() != name


@pytest.mark.skipif(sys.platform == "win32", reason="Unix socket folder")
def test_a_link_in_place_of_the_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (runtime / "precis").symlink_to(tmp_path / "elsewhere")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    with pytest.raises(UnsafeSocketFolder):
        socket_folder()

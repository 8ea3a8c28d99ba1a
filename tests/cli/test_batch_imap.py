"""precis-cli batch on IMAP addresses, against the real Dovecot the mail tests start: one digest per
folder chosen, the mail left unread, a rerun that skips what has no new mail, a kill -9 and a
rerun that do no folder twice, and a wrong password that costs its source one sentence while a
local file in the same batch is still summarized."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from desktop.cli import main
from tests.batch._helpers import REPO, cli_command, cli_env, manifest_lines
from tests.batch.test_resume import _done_rows
from tests.core.mailstores._dovecot import PASSWORD, USER, Dovecot
from tests.core.mailstores.conftest import dovecot as dovecot  # the real Dovecot fixture, shared
from tests.core.mailstores.test_imap import _flags

pytestmark = pytest.mark.xdist_group("dovecot")
FAST = ["--engine", "extractive", "--no-progress", "--workers", "1", "--imap-timeout", "10"]


@pytest.fixture(autouse=True)
def _no_remembered_passwords() -> Iterator[None]:
    from desktop.core.mailstores import credentials

    credentials.clear_session()
    yield
    credentials.clear_session()


def _label(dovecot: Dovecot) -> str:
    return f"imap/{USER}@127.0.0.1_{dovecot.imaps_port}"


def _deliver(dovecot: Dovecot, folder: str, n: int, *, day: int = 5) -> None:
    for i in range(n):
        dovecot.deliver(f"Sender {i} <s{i}@example.com>", f"Plan {folder} {i}",
                        f"The {folder} team agreed to ship release {i} on Friday and to review the budget.",
                        f"Tue, {day + i:02d} Mar 2024 10:00:00 +0100", folder=folder)


def _done(out: Path) -> list[dict]:
    return [r for r in manifest_lines(out) if r["status"] == "done"]


def test_one_digest_per_imap_folder_unread_and_skipped_when_nothing_is_new(
        dovecot: Dovecot, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _deliver(dovecot, "BatchA", 2)
    _deliver(dovecot, "BatchB", 1)
    dovecot.deliver("Old <old@example.com>", "Old", "Before the range.", "Mon, 01 Jan 2024 10:00:00 +0100",
                    folder="BatchA")
    monkeypatch.setenv("PRECIS_IMAP_PASSWORD", PASSWORD)
    out = tmp_path / "out"
    args = ["batch", dovecot.address(""), "--folder", "BatchA", "--folder", "BatchB", "--since", "2024-03-01",
            "--imap-cafile", str(dovecot.cert), "--out", str(out), "--format", "both", *FAST]
    assert main(args) == 0, capsys.readouterr().err
    base = out / _label(dovecot)
    assert sorted(p.name for p in base.iterdir()) == ["BatchA.json", "BatchA.md", "BatchB.json", "BatchB.md"]
    digest = json.loads((base / "BatchA.json").read_text(encoding="utf-8"))
    senders = {s["locator"]["sender"] for p in digest["points"] for s in p["sources"]}
    assert senders and senders <= {"Sender 0", "Sender 1"}, "the message before --since is not read"
    assert digest["documents"][0]["document"].endswith("› BatchA")
    assert all(b"\\Seen" not in f for f in _flags(dovecot, "BatchA")), "batch must fetch with BODY.PEEK"
    assert sorted(r["key"] for r in _done(out)) == [f"{_label(dovecot)}/BatchA", f"{_label(dovecot)}/BatchB"]

    capsys.readouterr()
    assert main(args) == 0
    assert "2 already done" in capsys.readouterr().err
    assert len(_done(out)) == 2, "nothing new on the server: nothing done again"

    _deliver(dovecot, "BatchB", 1, day=20)
    assert main(args) == 0
    rows = _done(out)
    assert [r["key"] for r in rows].count(f"{_label(dovecot)}/BatchB") == 2, "new mail redoes its folder"
    assert [r["key"] for r in rows].count(f"{_label(dovecot)}/BatchA") == 1, "and only its folder"


def test_a_wrong_password_is_one_sentence_and_the_local_file_is_still_summarized(
        dovecot: Dovecot, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _deliver(dovecot, "Wrong", 1)
    src = tmp_path / "src"
    src.mkdir()
    (src / "note.eml").write_bytes(
        b"From: Eve <eve@example.com>\r\nSubject: Launch\r\nDate: Tue, 05 Mar 2024 10:00:00 +0100\r\n\r\n"
        b"We launch the new site on Monday and the old one closes on Friday.\r\n")
    out = tmp_path / "out"
    monkeypatch.setenv("PRECIS_IMAP_PASSWORD", "not the password")
    code = main(["batch", dovecot.address("Wrong"), str(src / "note.eml"), "--imap-cafile", str(dovecot.cert),
                 "--out", str(out), *FAST])
    err = capsys.readouterr().err
    assert code == 1
    rows = {r["key"]: r for r in manifest_lines(out)}
    assert rows["note.eml"]["status"] == "done" and (out / "note.eml.md").read_text().strip()
    imap = rows[f"{_label(dovecot)}/Wrong"]
    assert (imap["status"], imap["error"]) == ("failed", "PasswordRequired")
    assert imap["message"] == f"127.0.0.1 did not accept the password for {USER}."
    assert [ln for ln in err.splitlines() if "did not accept the password" in ln and "failed" in ln][:1], err

    # Headless, no keyring and no variable: one sentence says how to give it; the file is kept done.
    monkeypatch.delenv("PRECIS_IMAP_PASSWORD")
    assert main(["batch", dovecot.address("Wrong"), str(src / "note.eml"), "--imap-cafile", str(dovecot.cert),
                 "--out", str(out), *FAST]) == 1
    err = capsys.readouterr().err
    assert "no password for alice@127.0.0.1" in err and "PRECIS_IMAP_PASSWORD" in err
    assert "1 already done" in err


def test_kill_9_then_rerun_does_every_imap_folder_exactly_once(
        dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folders = [f"Kill{i}" for i in range(6)]
    for folder in folders:
        _deliver(dovecot, folder, 3)
    monkeypatch.setenv("PRECIS_IMAP_PASSWORD", PASSWORD)
    out = tmp_path / "out"
    args = (dovecot.address(""), *[a for f in folders for a in ("--folder", f)], "--imap-cafile", str(dovecot.cert),
            "--out", str(out), *FAST)
    proc = subprocess.Popen(cli_command(*args), cwd=REPO, env=cli_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while _done_rows(out) < 1:
        assert proc.poll() is None, f"the batch ended early: {proc.stderr.read() if proc.stderr else ''}"
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.02)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    psutil.wait_procs(workers, timeout=10)
    before = {r["key"]: r for r in _done(out)}
    assert 1 <= len(before) < len(folders), "the kill came after the end: no resume was tested"

    rerun = subprocess.run(cli_command(*args), cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=120,
                           check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(before)} already done" in rerun.stderr
    rows = _done(out)
    keys = [f"{_label(dovecot)}/{f}" for f in folders]
    assert sorted(r["key"] for r in rows) == sorted(keys), "every folder done, none twice"
    for key, row in before.items():
        assert next(r for r in rows if r["key"] == key) == row, "what the killed run finished was not done again"
    assert sorted(p.name for p in (out / _label(dovecot)).iterdir()) == sorted(f"{f}.md" for f in folders)


def test_an_account_without_a_folder_is_one_digest(dovecot: Dovecot, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _deliver(dovecot, "Whole", 1)
    monkeypatch.setenv("PRECIS_IMAP_PASSWORD", PASSWORD)
    out = tmp_path / "out"
    assert main(["batch", dovecot.address(""), "--imap-cafile", str(dovecot.cert), "--out", str(out), *FAST]) == 0, \
        capsys.readouterr().err
    [row] = _done(out)
    assert row["key"] == _label(dovecot) and row["outputs"] == [f"{_label(dovecot)}.md"]
    assert "Whole" in (out / f"{_label(dovecot)}.md").read_text(encoding="utf-8")

"""The Ray Data path on a local 2-CPU Ray: same per-file task, same outputs and manifest, so a run
on the cluster resumes on one machine and back. Needs the cluster extra (``pip install -e '.[cluster]'``,
which ``make test`` installs)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from desktop.ml.batch import ray_cluster
from desktop.ml.batch.runner import BatchOptions, run_batch
from desktop.ml.engine.job import JobSpec
from tests.batch._helpers import copy_corpus, latest, temp_files
from tests.core.mailstores._dovecot import PASSWORD, USER, Dovecot
from tests.core.mailstores.conftest import dovecot as dovecot  # the real Dovecot fixture, shared

pytest.importorskip("ray", reason="the cluster extra is not installed (pip install -e '.[cluster]')")

FILES = ("pdf/WARN-Report-2015-2016.pdf", "transcript/teams-voice-tags.vtt", "transcript/utf16le-bom.srt", "email/missing-final-boundary.eml",
         "docx/va-notice-of-intent-pws.docx", "docx/legacy-word97-multi-page.doc")


@pytest.mark.xdist_group("ray")
def test_ray_local_cluster_runs_the_batch_and_resumes_like_one_machine(corpus: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    copy_corpus(corpus, src, FILES)
    spec = JobSpec(paths=[], engine="extractive")
    # Sources sent as bytes (the default): the actors read temp copies, the digests cite the originals.
    options = BatchOptions(srcs=[str(src)], out_dir=out, recursive=True, fmt="both", cluster="ray", workers=2)
    # Two windows of bytes: the 30-page report alone, then the rest.
    monkeypatch.setattr(ray_cluster, "WINDOW_BYTES", (src / FILES[0]).stat().st_size)
    killed: list[int] = []
    killer = threading.Thread(target=_kill_first_busy_actor, args=(killed,), daemon=True)
    killer.start()
    summary = run_batch(options, spec)
    killer.join(1)
    assert killed, "no actor was seen working"
    assert (summary.done, summary.failed) == (5, 1)
    assert os.environ.get("RAY_AUTH_MODE") == "token"
    rows = latest(out)
    assert set(rows) == set(FILES)
    assert rows["docx/legacy-word97-multi-page.doc"]["error"] == "UnsupportedFormat"
    for key in FILES[:5]:
        assert rows[key]["status"] == "done"
        digest = json.loads((out / f"{key}.json").read_text(encoding="utf-8"))
        assert digest["documents"][0]["path"] == str(src / key)
    assert not temp_files(out)

    # The same manifest on one machine: nothing done again, the failure retried.
    again = run_batch(BatchOptions(srcs=[str(src)], out_dir=out, recursive=True, fmt="both", workers=1), spec)
    assert (again.skipped, again.done, again.failed) == (5, 0, 1)


def _kill_first_busy_actor(killed: list[int], timeout: float = 120) -> None:
    """SIGKILL the first Ray actor seen running one unit for half a second (mid-file; the 30-page
    report takes seconds): Ray must restart it and run the unit again, and the batch still finish."""
    deadline = time.monotonic() + timeout
    busy_since: dict[int, float] = {}
    while time.monotonic() < deadline and not killed:
        busy = set()
        for proc in psutil.process_iter(["pid", "cmdline"]):
            title = (proc.info["cmdline"] or [""])[0]  # setproctitle pads with empty arguments
            # Ray titles an actor process "ray::MapWorker(MapBatches(UnitActor)).submit" while it runs a task.
            if "UnitActor" in title and title.endswith(".submit"):
                busy.add(proc.info["pid"])
                if time.monotonic() - busy_since.setdefault(proc.info["pid"], time.monotonic()) > 0.5:
                    os.kill(proc.info["pid"], signal.SIGKILL)
                    killed.append(proc.info["pid"])
                    return
        busy_since = {pid: t for pid, t in busy_since.items() if pid in busy}
        time.sleep(0.1)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_ray_client_address_runs_the_batch_on_a_started_cluster(corpus: Path, tmp_path: Path) -> None:
    """``ray start --head`` with token authentication on 127.0.0.1, then ``--cluster ray://`` from
    the command line, as the README's "Running on a cluster" says (make test-slow: about a minute)."""
    import subprocess
    import sys

    from tests.batch._helpers import REPO, cli_command, cli_env

    src, out = tmp_path / "src", tmp_path / "out"
    copy_corpus(corpus, src, FILES[1:])
    gcs, client = _free_port(), _free_port()
    env = {**cli_env(), "RAY_AUTH_MODE": "token"}
    ray_bin = str(Path(sys.executable).with_name("ray"))
    head = subprocess.Popen([ray_bin, "start", "--head", "--block", "--port", str(gcs), "--ray-client-server-port",
                             str(client), "--node-ip-address", "127.0.0.1", "--dashboard-host", "127.0.0.1",
                             "--include-dashboard", "false", "--num-cpus", "2"],
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not any(c.laddr.port == client for c in psutil.net_connections("tcp") if c.status == "LISTEN"):
            assert head.poll() is None and time.monotonic() < deadline, "ray start --head did not come up"
            time.sleep(0.5)
        result = subprocess.run(cli_command(str(src), "--out", str(out), "--recursive", "--engine", "extractive",
                                            "--cluster", f"ray://127.0.0.1:{client}", "--no-progress"),
                                cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 1, result.stderr  # the legacy .doc fails, typed
        rows = latest(out)
        assert set(rows) == set(FILES[1:])
        assert rows["docx/legacy-word97-multi-page.doc"]["error"] == "UnsupportedFormat"
        assert sum(r["status"] == "done" for r in rows.values()) == 4, rows
        # Without the token the same cluster refuses the driver.
        refused = subprocess.run(cli_command(str(src), "--out", str(tmp_path / "out2"), "--recursive",
                                             "--cluster", f"127.0.0.1:{gcs}", "--no-progress"),
                                 cwd=REPO, env={**cli_env(), "RAY_AUTH_MODE": "disabled"}, capture_output=True,
                                 text=True, timeout=120, check=False)
        assert refused.returncode == 1 and "could not connect" in refused.stderr, refused.stderr[-2000:]
    finally:
        _kill_session(head.pid)
        current = Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster"  # ray start's pointer to it
        if current.is_file() and current.read_text().strip().endswith(f":{gcs}"):
            current.unlink()


def _kill_session(sid: int) -> None:
    """Every process ``ray start`` started (its session), and nothing else."""
    procs = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if os.getsid(proc.info["pid"]) == sid:
                procs.append(proc)
        except (ProcessLookupError, PermissionError):
            continue
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(procs, timeout=10)


@pytest.mark.xdist_group("dovecot")
def test_ray_gets_imap_mail_fetched_by_the_driver_never_its_password(dovecot: Dovecot, corpus: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An IMAP folder on the cluster, beside a file read from the shared filesystem: the driver
    fetches the messages (read-only, into its cache) and ships them as bytes; the actors' settings
    carry no IMAP password, and the digest cites the folder's address and its senders."""
    from desktop.core.mailstores import MailOptions
    from desktop.core.mailstores.imap_account import account_key

    for i, who in enumerate(("Carol Jones", "Dan Wu")):
        dovecot.deliver(f"{who} <p{i}@example.com>", "Budget", f"{who} agreed to cut the travel budget by ten percent.",
                        f"Tue, 0{5 + i} Mar 2024 10:00:00 +0100", folder="RayFolder")
    src, out = tmp_path / "src", tmp_path / "out"
    copy_corpus(corpus, src, FILES[1:2])
    address = dovecot.address("RayFolder")
    sent: list[dict[str, str]] = []
    real = ray_cluster.run_on_ray

    def watched(tasks, settings, *args, **kwargs):  # the real run, with what the actors are sent noted
        sent.append(dict(settings.spec.passwords))
        return real(tasks, settings, *args, **kwargs)

    monkeypatch.setattr(ray_cluster, "run_on_ray", watched)
    spec = JobSpec(paths=[], engine="extractive", mail=MailOptions(cafile=str(dovecot.cert), timeout=10),
                   passwords={account_key(address): PASSWORD})
    summary = run_batch(BatchOptions(srcs=[str(src / FILES[1]), address], out_dir=out, fmt="json", cluster="ray",
                                     shared_fs=True, workers=1), spec)
    assert (summary.done, summary.failed) == (2, 0), summary.rows
    assert sent == [{}], "the IMAP password must not travel to the cluster"
    key = f"imap/{USER}@127.0.0.1_{dovecot.imaps_port}/RayFolder"
    digest = json.loads((out / f"{key}.json").read_text(encoding="utf-8"))
    assert digest["documents"][0]["path"] == address
    senders = {s["locator"]["sender"] for p in digest["points"] for s in p["sources"]}
    assert senders and senders <= {"Carol Jones", "Dan Wu"}

"""Watched mailboxes: what an idle watcher of a Maildir, a Thunderbird folder and an IMAP account
costs, what one look at an IMAP folder costs, and the latency from a delivery to its digest; for
IMAP, side by side: the folder held in IDLE (RFC 2177) against polling it every 10 s.

    python benchmarks/watch_mail.py                          # everything below, idle windows of 30 s
    python benchmarks/watch_mail.py --messages 1000 --idle-s 60 --no-imap

Idle rows are real ``precis-cli watch`` processes (the extractive engine), measured once their
first look is over (what is in the mailbox then is taken as already there): the process's own
user+system CPU over the window, and its RSS at the end. The IMAP rows use a real Dovecot on
127.0.0.1 (the tests' ``tests/core/mailstores/_dovecot.py``; needs ``dovecot-imapd``); there a
message is APPENDed by a second connection, as another client or a delivery would, and the time
until its digest is in History is measured with IDLE and with ``--no-idle`` (a look every 10 s).
"""

from __future__ import annotations

import argparse
import mailbox
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from desktop.core.mailstores import MailOptions
from desktop.core.watch.mailbox import MailboxSource
from tests.core.mailstores._stores import message

BODY = ("The launch moves to the eighteenth of March because the vendor is late with the firmware. "
        "Marketing will hold the press release until the new date is confirmed by the vendor.")


def _env(home: Path, password: str = "") -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PRECIS_HOME": str(home), "PRECIS_IMAP_PASSWORD": password}


def _mail(i: int) -> object:
    return message(f"Sender {i} <s{i}@example.com>", f"Note {i}", f"Note {i}. {BODY}", "Tue, 05 Mar 2024 10:00:00 +0000")


def _maildir(root: Path, n: int) -> Path:
    box = mailbox.Maildir(root, create=True)
    for i in range(n):
        box.add(_mail(i))
    return root


def _mbox(path: Path, n: int) -> Path:
    box = mailbox.mbox(path, create=True)
    box.lock()
    for i in range(n):
        box.add(_mail(i))
    box.flush()
    box.unlock()
    box.close()
    return path


def _cpu_window(pid: int, seconds: float) -> tuple[float, float]:
    """The process's own CPU (% of one core) over ``seconds``, and its RSS (MB) at the end."""
    proc = psutil.Process(pid)
    t0, start = proc.cpu_times(), time.monotonic()
    time.sleep(seconds)
    t1 = proc.cpu_times()
    return (t1.user + t1.system - t0.user - t0.system) / (time.monotonic() - start) * 100, proc.memory_info().rss / 2**20


def _idle(cmd: list[str], home: Path, ready: Path, seconds: float, password: str = "") -> tuple[float, float]:
    p = subprocess.Popen(cmd, cwd=REPO, env=_env(home, password), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not any(ready.glob("mail/*/marks/*.json")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3.0)  # the first look's marks are written; its last bytes settle
        cpu, rss = _cpu_window(p.pid, seconds)
    finally:
        p.terminate()
        err = p.communicate(timeout=30)[1]
    if "queued" in err or "failed" in err:
        raise SystemExit(f"the idle watcher did work: {err[:400]}")
    return cpu, rss


def _watch_imap(server: object, home: Path, out: Path, idle: bool, password: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "desktop.cli", "watch", server.address("Bench"), "--out", str(out),  # type: ignore[attr-defined]
           "--engine", "extractive", "--quiet", "--imap-cafile", str(server.cert), "--mail-poll", "10"]  # type: ignore[attr-defined]
    return subprocess.Popen(cmd + ([] if idle else ["--no-idle"]), cwd=REPO, env=_env(home, password),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _append(server: object, password: str, n: int) -> None:
    import imaplib
    import ssl

    conn = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,  # type: ignore[attr-defined]
                             ssl_context=ssl.create_default_context(cafile=str(server.cert)))  # type: ignore[attr-defined]
    try:
        conn.login("alice", password)
        conn.append("Bench", None, None, _mail(n).as_bytes())  # type: ignore[attr-defined]
    finally:
        conn.logout()


def imap_mode_row(server: object, password: str, idle: bool, seconds: float, runs: int) -> tuple[float, float, list[float], list[float]]:
    """One ``precis-cli watch`` of the IMAP folder: its idle CPU and RSS, then ``runs`` deliveries
    (APPEND on a second connection) each timed until its digest is in History."""
    import json
    import random

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        home, history = t / "home", t / "home" / "data" / "history"
        p = _watch_imap(server, home, t / "out", idle, password)
        try:
            while not any((t / "out").glob("mail/*/marks/*.json")):
                if p.poll() is not None:
                    raise SystemExit(f"the watcher ended: {p.stderr.read() if p.stderr else ''}")  # type: ignore[union-attr]
                time.sleep(0.2)
            time.sleep(3.0)  # the first look is over; IDLE (if any) holds
            cpu, rss = _cpu_window(p.pid, seconds)
            waits, owns = [], []
            rng = random.Random(7)
            for i in range(runs):
                time.sleep(rng.uniform(0.0, 10.0))  # anywhere in the poll's 10 s cycle, as mail arrives
                before = set(history.glob("*.json")) if history.exists() else set()
                sent = time.time()
                _append(server, password, 500 + i)
                deadline = time.monotonic() + 300
                while not (history.exists() and set(history.glob("*.json")) - before):
                    if time.monotonic() > deadline:
                        raise SystemExit("no digest within 300 s")
                    time.sleep(0.05)
                waits.append(time.time() - sent)
                entry = json.loads(next(iter(set(history.glob("*.json")) - before)).read_text(encoding="utf-8"))
                owns.append(float(entry["digest"]["stats"].get("seconds_total", 0.0)))
        finally:
            p.terminate()
            p.communicate(timeout=30)
    return cpu, rss, waits, owns


def idle_rows(counts: list[int], seconds: float) -> list[tuple[str, int, float, float]]:
    rows = []
    for n in counts:
        with tempfile.TemporaryDirectory() as tmp:
            t = Path(tmp)
            store = _maildir(t / "Maildir", n)
            cpu, rss = _idle([sys.executable, "-m", "desktop.cli", "watch", str(store), "--out", str(t / "out"),
                              "--engine", "extractive", "--quiet"], t / "home", t / "out", seconds)
            rows.append(("Maildir (new/ and cur/ times every 1 s)", n, cpu, rss))
        with tempfile.TemporaryDirectory() as tmp:
            t = Path(tmp)
            folder = t / "Local Folders"
            folder.mkdir()
            _mbox(folder / "Inbox", n)
            (folder / "Inbox.msf").write_text("")
            cpu, rss = _idle([sys.executable, "-m", "desktop.cli", "watch", str(folder), "--out", str(t / "out"),
                              "--engine", "extractive", "--quiet"], t / "home", t / "out", seconds)
            rows.append(("Thunderbird mbox (size and time every 1 s)", n, cpu, rss))
    return rows


def imap_rows(n: int, seconds: float, runs: int) -> tuple[list[tuple[str, tuple[float, float, list[float], list[float]]]],
                                                         list[tuple[str, float, float]]]:
    from tests.core.mailstores._dovecot import PASSWORD, Dovecot, dovecot_available

    if not dovecot_available():
        return [], []
    server = Dovecot()
    server.start()
    try:
        box = server.maildir().add_folder("Bench")
        for i in range(n):
            box.add(_mail(i))
        server._own(server.folder / "mail")
        looks: list[tuple[str, float, float]] = []
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["PRECIS_HOME"] = str(Path(tmp) / "home")
            source = MailboxSource(server.address("Bench"), options=MailOptions(cafile=str(server.cert), timeout=10),
                                   password=PASSWORD, check_s=0.0, idle=False)  # each scan() one look
            source.attach(Path(tmp) / "state")

            def timed(what: str, runs: int, before=None) -> None:  # type: ignore[no-untyped-def]
                walls, cpus = [], []
                for _ in range(runs):
                    if before is not None:
                        before()
                    c0, w0 = time.process_time(), time.perf_counter()
                    items = list(source.scan())
                    walls.append(time.perf_counter() - w0)
                    cpus.append(time.process_time() - c0)
                    if items:
                        source.recorded(items)
                looks.append((what, statistics.median(walls) * 1000, statistics.median(cpus) * 1000))

            timed(f"first look: TLS, login, LIST, EXAMINE (a folder of {n:,})", 1)
            timed("a look with nothing new (EXAMINE: UIDNEXT unchanged)", 20)
            timed("a look with one new message (EXAMINE, UID SEARCH, FETCH BODY.PEEK[])", 5,
                  before=lambda: (server.maildir().get_folder("Bench").add(_mail(0)), server._own(server.folder / "mail")))
            source.close()
        modes = [("IDLE (a look of its own every 300 s)", imap_mode_row(server, PASSWORD, True, seconds, runs)),
                 ("poll every 10 s (--no-idle)", imap_mode_row(server, PASSWORD, False, seconds, runs))]
        return modes, looks
    finally:
        server.remove()


def latency_rows(runs: int) -> list[tuple[int, float, float]]:
    """From a delivery to a watched Maildir until its digest's file is in History."""
    import json

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        store = _maildir(t / "Maildir", 10)
        home = t / "home"
        cmd = [sys.executable, "-m", "desktop.cli", "watch", str(store), "--out", str(t / "out"), "--engine",
               "extractive", "--quiet"]
        p = subprocess.Popen(cmd, cwd=REPO, env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        history = home / "data" / "history"
        try:
            while not any((t / "out").glob("mail/*/marks/*.json")):
                time.sleep(0.2)
            time.sleep(1.0)
            for i in range(runs):
                before = set(history.glob("*.json")) if history.exists() else set()
                mailbox.Maildir(store, create=False).add(_mail(100 + i))
                sent = time.time()
                deadline = time.monotonic() + 300
                while not (history.exists() and set(history.glob("*.json")) - before):
                    if time.monotonic() > deadline:
                        raise SystemExit("no digest within 300 s")
                    time.sleep(0.05)
                landed = time.time()
                entry = json.loads(next(iter(set(history.glob("*.json")) - before)).read_text(encoding="utf-8"))
                own = float(entry["digest"]["stats"].get("seconds_total", 0.0))
                out.append((i + 1, landed - sent, own))
                time.sleep(1.0)
        finally:
            p.terminate()
            p.communicate(timeout=30)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", default="1000,10000", help="idle rows: messages in the watched mailbox")
    parser.add_argument("--idle-s", type=float, default=30.0)
    parser.add_argument("--imap-messages", type=int, default=1000)
    parser.add_argument("--no-imap", action="store_true")
    parser.add_argument("--latency-runs", type=int, default=3)
    args = parser.parse_args()
    idle = idle_rows([int(n) for n in args.messages.split(",") if n], args.idle_s) if args.idle_s > 0 else []
    looks: list[tuple[str, float, float]] = []
    modes: list[tuple[str, tuple[float, float, list[float], list[float]]]] = []
    if not args.no_imap:
        modes, looks = imap_rows(args.imap_messages, args.idle_s, args.latency_runs)
    print("| idle watcher of a mailbox | messages | CPU, % of one core | RSS MB |\n| --- | --- | --- | --- |")
    for what, n, cpu, rss in idle:
        print(f"| {what} | {n:,} | {cpu:.2f} | {rss:.0f} |")
    if modes:
        print(f"\n| a watched IMAP folder of {args.imap_messages:,} (Dovecot on 127.0.0.1) | idle CPU, % of one core "
              "| RSS MB | APPEND → digest in History s (median, max) | the summary's own time s (median) |\n"
              "| --- | --- | --- | --- | --- |")
        for what, (cpu, rss, waits, owns) in modes:
            spread = f"{statistics.median(waits):.2f}, {max(waits):.2f}" if waits else "—"
            own = f"{statistics.median(owns):.2f}" if owns else "—"
            print(f"| {what} | {cpu:.2f} | {rss:.0f} | {spread} | {own} |")
    if looks:
        print("\n| one look at a watched IMAP folder (Dovecot on 127.0.0.1) | wall ms (median) | CPU ms |\n| --- | --- | --- |")
        for what, wall, cpu in looks:
            print(f"| {what} | {wall:.1f} | {cpu:.1f} |")
    lat = latency_rows(args.latency_runs) if args.latency_runs else []
    if lat:
        print("\n| run | delivery to a watched Maildir → digest in History s | the summary's own time s |\n| --- | --- | --- |")
        for run, total, own in lat:
            print(f"| {run} | {total:.2f} | {own:.2f} |")


if __name__ == "__main__":
    main()

"""Watched mailboxes through the real watcher (extractive engine, its real worker process): mail
delivered to a Maildir, appended to a Thunderbird folder or arriving on the real Dovecot becomes
one digest per folder per poll in History, citing each message; a restart (`precis-cli watch
--once` over the same manifest) and a crash that lost the mailbox's own marks redo nothing."""

from __future__ import annotations

import json
import mailbox
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.core.history import History
from desktop.core.mailstores import MailOptions
from desktop.core.watch import mail_listing
from desktop.core.watch.events import Digested, Queued, WatchEvent, WatchNotice
from desktop.ml.batch.manifest import read_rows
from desktop.ml.engine.job import JobSpec
from desktop.ml.watch.watcher import Watcher, WatchOptions, folder_sources
from tests.core.mailstores._dovecot import PASSWORD, Dovecot
from tests.core.mailstores._stores import maildir, message, thunderbird_profile
from tests.core.mailstores.conftest import _no_remembered_passwords, dovecot
from tests.ml.test_watcher import _wait

__all__ = ["_no_remembered_passwords", "dovecot"]
REPO = Path(__file__).resolve().parents[2]

LAUNCH = ("The launch moves to the eighteenth of March because the vendor is late with the firmware. "
          "Marketing will hold the press release until the new date is confirmed by the vendor. "
          "Please tell your customers that the beta stays open for two more weeks.")
BUDGET = ("Finance approved the revised budget of forty thousand dollars for the spring campaign. "
          "Travel is cut by ten percent and the trade show booth is paid from the events line. "
          "Send your final invoices to accounts payable by the end of the month.")


def _watch(sources: list[str], out: Path, events: list[WatchEvent], **mail: object) -> Watcher:
    options = WatchOptions(folder_sources(sources, mail=MailOptions(**mail.pop("options", {})), **mail),  # type: ignore[arg-type]
                           out_dir=out, settle_s=0.3, poll_s=0.2)
    watcher = Watcher(options, JobSpec(paths=[], engine="extractive"), events.append)
    watcher.start()
    return watcher


class _Held:
    """Holds the watcher's looks at its (first) source while a test delivers several messages, so
    they arrive within one poll as mail delivered together does."""

    def __init__(self, watcher: Watcher) -> None:
        import threading

        self.gate = threading.Event()
        self.gate.set()
        source = watcher.options.sources[0]
        scan = source.scan
        source.scan = lambda: (self.gate.wait(30), scan())[1]  # type: ignore[method-assign]

    def __enter__(self) -> None:
        self.gate.clear()
        time.sleep(0.5)  # a look already under way ends

    def __exit__(self, *exc: object) -> None:
        self.gate.set()


def _digested(events: list[WatchEvent]) -> list[Digested]:
    return [e for e in events if isinstance(e, Digested)]


def _cited_messages(entry_id: str) -> set[int]:
    digest = History().load(entry_id)[0]
    return {s.locator.message for p in digest.all_points() for s in p.sources if s.locator.message}


def _cli_once(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop.cli", "watch", *args, "--engine", "extractive", "--once"],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def test_mail_delivered_to_a_watched_maildir_is_one_digest_citing_each_message_and_never_redone(tmp_path: Path) -> None:
    store, out = maildir(tmp_path / "Maildir"), tmp_path / "out"
    box = mailbox.Maildir(store, create=False)
    events: list[WatchEvent] = []
    watcher = _watch([str(store)], out, events)
    try:
        _wait(lambda: (out / "mail").is_dir(), 30, "the first look")  # what was there is taken as read
        with _Held(watcher):
            box.add(message("Carol Jones <carol@example.com>", "Launch date", LAUNCH, "Tue, 05 Mar 2024 10:00:00 +0000"))
            box.add(message("Ben Ortiz <ben@example.com>", "Budget review", BUDGET, "Thu, 07 Mar 2024 15:30:00 +0000"))
        _wait(lambda: bool(_digested(events)), 60, "the digest of the new mail")
    finally:
        watcher.stop()
    [queued] = [e for e in events if isinstance(e, Queued)]
    [digested] = _digested(events)
    assert queued.name == digested.name == "Maildir › INBOX: 2 new messages"
    [entry] = History().list()
    bundle = Path(entry.paths[0])
    assert bundle.suffix == ".mbox" and bundle.is_relative_to(out / "mail")
    assert _cited_messages(entry.id) == {1, 2}  # each message cited by its number in the folder's new mail
    text = (out / digested.outputs[0]).read_text(encoding="utf-8")
    assert "Carol Jones" in text and "Ben Ortiz" in text
    rows = read_rows(out)
    assert len(rows) == 2 and {r["status"] for r in rows} == {"done"} and {r["sources"][0] for r in rows} == {str(bundle)}

    # A crash after the manifest rows but before the mailbox's marks were saved: the marks as they
    # were, and a restart (a real `precis-cli watch --once`) summarizes nothing again.
    recorded = {r["key"].rsplit("#", 1)[1] for r in rows}
    [inbox_marks] = (out / "mail").glob("*/marks/INBOX-*.json")
    data = json.loads(inbox_marks.read_text())
    assert recorded <= set(data["known"])
    inbox_marks.write_text(json.dumps({**data, "known": sorted(set(data["known"]) - recorded)}))
    again = _cli_once(str(store), "--out", str(out))
    assert again.returncode == 0 and "queued" not in again.stderr, again.stderr
    assert len(History().list()) == 1

    # Mail that arrived while it was not running is summarized by the next run, once.
    box.add(message("Dan Wu <dan@example.com>", "Roadmap", "Please review the roadmap before Friday.",
                    "Fri, 08 Mar 2024 09:00:00 +0000"))
    late = _cli_once(str(store), "--out", str(out))
    assert late.returncode == 0 and late.stderr.count("queued") == 1 and "INBOX: 1 new message (new)" in late.stderr
    assert _cli_once(str(store), "--out", str(out)).stderr.count("queued") == 0
    assert len(History().list()) == 2 and len(read_rows(out)) == 3


def test_mail_appended_to_a_watched_thunderbird_folder_is_digested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail_listing, "MBOX_SETTLE_S", 0.3)
    profile = thunderbird_profile(tmp_path / "profiles")
    events: list[WatchEvent] = []
    watcher = _watch([str(profile)], tmp_path / "out", events, options={"folders": ("Local Folders/Inbox",)})
    try:
        _wait(lambda: (tmp_path / "out" / "mail").is_dir(), 30, "the first look")
        box = mailbox.mbox(profile / "Mail" / "Local Folders" / "Inbox")
        box.add(message("Kim <kim@example.org>", "Contract", "The contract with the cleaning company renews in June.",
                        "Mon, 08 Jan 2024 10:00:00 +0000"))
        box.close()
        _wait(lambda: bool(_digested(events)), 60, "the digest of the appended mail")
    finally:
        watcher.stop()
    [digested] = _digested(events)
    assert digested.name == "x1y2z3.default-release › Local Folders › Inbox: 1 new message"
    assert _cited_messages(digested.entry_id or "") == {1}


@pytest.mark.xdist_group("dovecot")
def test_mail_arriving_on_a_watched_imap_folder_is_digested_and_left_unread(dovecot: Dovecot, tmp_path: Path) -> None:
    from tests.core.mailstores.test_imap import _flags

    folder = "Watched"
    dovecot.deliver("Ann <ann@example.com>", "Earlier", "Mail from before watching began.",
                    "Mon, 01 Jan 2024 09:00:00 +0000", folder=folder)
    events: list[WatchEvent] = []
    address = dovecot.address(folder)
    account = dovecot.address("").rstrip("/")
    watcher = _watch([address], tmp_path / "out", events, options={"cafile": str(dovecot.cert), "timeout": 10},
                     passwords={account: PASSWORD}, mail_check_s=0.5)
    try:
        _wait(lambda: (tmp_path / "out" / "mail").is_dir(), 30, "the first look")
        with _Held(watcher):
            dovecot.deliver("Carol Jones <carol@example.com>", "Launch date", LAUNCH, "Tue, 05 Mar 2024 10:00:00 +0000",
                            folder=folder)
            dovecot.deliver("Ben Ortiz <ben@example.com>", "Budget review", BUDGET, "Thu, 07 Mar 2024 15:30:00 +0000",
                            folder=folder)
        _wait(lambda: bool(_digested(events)) or any(isinstance(e, WatchNotice) for e in events), 60, "the digest")
    finally:
        watcher.stop()
    assert not [e for e in events if isinstance(e, WatchNotice)]
    [digested] = _digested(events)
    assert digested.name.endswith(f"› {folder}: 2 new messages")
    assert _cited_messages(digested.entry_id or "") == {1, 2}
    assert all(b"\\Seen" not in f for f in _flags(dovecot, folder))
    rows = read_rows(tmp_path / "out")
    assert sorted(r["key"].rsplit(";", 1)[1] for r in rows) == ["UID=2", "UID=3"]
    shutil.rmtree(tmp_path / "out")

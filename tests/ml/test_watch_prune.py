"""Pruning a watched mailbox's bundles (its new mail set aside as mbox files to summarize) with the
real manifest and the real History: a bundle a History entry names stays however old (History
reopens it); one whose History entry the user deleted goes; one never recorded goes once it is
old; a failed digest's, and any with History off, go after the keeping time; one still to be
summarized never goes. Then the real watcher: a delivered message's digest keeps its bundle, and
the bundle goes once its History entry is deleted and the watcher prunes."""

from __future__ import annotations

import mailbox
import os
import time
from pathlib import Path

import pytest

from desktop.core.digest import Digest
from desktop.core.history import History
from desktop.core.watch.events import Digested, WatchEvent
from desktop.core.watch.mail_bundle import write_bundle
from desktop.core.watch.mailbox import MailboxSource
from desktop.ml.batch.manifest import Manifest, Row
from desktop.ml.watch import prune
from desktop.ml.watch.prune import KEEP_S, ORPHAN_S, prune_bundles
from tests.core.mailstores._stores import maildir, message
from tests.ml.test_watch_mail import LAUNCH, _digested, _watch
from tests.ml.test_watcher import _wait

MAIL = message("Carol <carol@example.com>", "Launch", LAUNCH, "Tue, 05 Mar 2024 10:00:00 +0000").as_bytes()


def _bundle(source: MailboxSource, folder: str, age_s: float) -> Path:
    assert source.bundle_dir is not None
    path = write_bundle(source.bundle_dir, folder, [MAIL])
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def _row(manifest: Manifest, key: str, bundle: Path, status: str) -> None:
    manifest.append(Row(key=key, sources=[str(bundle)], sha256="0" * 64, settings_key="s", status=status, run="watch"))


def test_which_bundles_go_and_which_stay(tmp_path: Path) -> None:
    state = tmp_path / "state"
    source = MailboxSource(str(maildir(tmp_path / "Maildir")))
    source.attach(state)
    history = History(tmp_path / "history")
    old = KEEP_S + 3600
    in_history = _bundle(source, "INBOX", old)
    entry_deleted = _bundle(source, "INBOX", 60)
    orphan_young, orphan_old = _bundle(source, "Work/Projects", 60), _bundle(source, "Work/Projects", ORPHAN_S + 60)
    failed_young, failed_old = _bundle(source, "INBOX", 60), _bundle(source, "INBOX", old)
    waiting = _bundle(source, "INBOX", old)
    with Manifest(state) as manifest:
        for n, (path, status) in enumerate([(in_history, "done"), (entry_deleted, "done"), (failed_young, "failed"),
                                            (failed_old, "failed")]):
            _row(manifest, f"k{n}", path, status)
        kept = history.add(Digest(title="Launch", overview=""), [str(in_history)], "# Launch")
        gone = history.add(Digest(title="Deleted", overview=""), [str(entry_deleted)], "# Deleted")
        history.delete(gone.id)
        removed = prune_bundles([source], manifest, history, busy={str(waiting)})
    assert set(removed) == {entry_deleted, orphan_old, failed_old}
    for path in (in_history, orphan_young, failed_young, waiting):
        assert path.is_file(), path
    assert not any(p.exists() for p in removed)
    assert history.load(kept.id)[0].title == "Launch"


def test_with_history_off_a_done_digests_bundle_is_kept_for_the_keeping_time(tmp_path: Path) -> None:
    state = tmp_path / "state"
    source = MailboxSource(str(maildir(tmp_path / "Maildir")))
    source.attach(state)
    young, old = _bundle(source, "INBOX", 3600), _bundle(source, "INBOX", KEEP_S + 60)
    with Manifest(state) as manifest:
        _row(manifest, "a", young, "done")
        _row(manifest, "b", old, "done")
        assert prune_bundles([source], manifest, None, busy=set()) == [old]
    assert young.is_file() and not old.exists()
    assert not old.parent.exists() or young.parent == old.parent  # an emptied folder goes too


def test_the_watcher_keeps_a_bundle_history_needs_and_prunes_it_once_the_entry_is_deleted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prune, "PRUNE_S", 0.2)
    monkeypatch.setattr("desktop.ml.watch.watcher.PRUNE_S", 0.2)
    store = maildir(tmp_path / "Maildir")
    events: list[WatchEvent] = []
    watcher = _watch([str(store)], tmp_path / "out", events)
    try:
        _wait(lambda: any((tmp_path / "out" / "mail").glob("*/marks/*.json")), 30, "the first look")
        mailbox.Maildir(store, create=False).add(message("Carol <carol@example.com>", "Launch", LAUNCH,
                                                         "Tue, 05 Mar 2024 10:00:00 +0000"))
        _wait(lambda: _digested(events), 120, "the digest")
        [done] = _digested(events)
        assert isinstance(done, Digested) and done.entry_id is not None
        [bundle] = History().list()[0].paths
        time.sleep(0.6)  # prunings have run: History names it, so it stays
        assert Path(bundle).is_file()
        History().delete(done.entry_id)
        _wait(lambda: not Path(bundle).exists(), 10, "the bundle to be pruned")
    finally:
        watcher.stop()

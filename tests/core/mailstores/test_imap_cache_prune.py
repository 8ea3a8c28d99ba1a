"""An IMAP account's counts and its cache against a real Dovecot on 127.0.0.1: STATUS's counts
agree with "unread only" and mark nothing read; the cache forgets messages expunged on the server
and a folder the server renumbered (UIDVALIDITY), sets a damaged folder aside, and stays under
its size cap, least recently used mail first."""

from __future__ import annotations

import imaplib
import os
import ssl
import time
from pathlib import Path

import pytest

from desktop.core.limits import Limits
from desktop.core.mailstores import MailOptions, list_folders, read_mail
from desktop.core.mailstores.imap_cache import FolderCache
from desktop.core.mailstores.imap_cache_trim import trim
from desktop.core.mailstores.imap_store import ImapStore
from desktop.core.mailstores.reading import read_store
from tests.core.mailstores._dovecot import PASSWORD, USER, Dovecot

pytestmark = pytest.mark.xdist_group("dovecot")


def _opts(dovecot: Dovecot, **kw: object) -> MailOptions:
    return MailOptions(cafile=str(dovecot.cert), timeout=10, **kw)  # type: ignore[arg-type]


def _client(dovecot: Dovecot) -> imaplib.IMAP4_SSL:
    """A mail client of the test's own, which may change the server (Precis never does)."""
    conn = imaplib.IMAP4_SSL("127.0.0.1", dovecot.imaps_port, ssl_context=ssl.create_default_context(cafile=str(dovecot.cert)))
    conn.login(USER, PASSWORD)
    return conn


def _deliver(dovecot: Dovecot, folder: str, n: int, *, seen: int = 0, tag: str = "Note") -> None:
    for i in range(n):
        dovecot.deliver("Eve <eve@example.com>", f"{tag} {i}", f"{tag} number {i} about the roadmap.",
                        f"Mon, {i + 1:02d} Jan 2024 09:00:00 +0000", folder=folder, seen=i < seen)


def _read(dovecot: Dovecot, folder: str, limits: Limits | None = None, **kw: object) -> ImapStore:
    options = _opts(dovecot, folders=(folder,), **kw)
    with ImapStore(dovecot.address(), limits or Limits(), options, password=PASSWORD) as store:
        read_store(store, options)
    return store


def _cached(store: ImapStore, folder: str) -> dict[int, bytes]:
    cache = FolderCache(store.location, folder)
    return {int(p.stem): p.read_bytes() for p in cache.dir.glob("*.eml")}


def test_status_counts_agree_with_unread_only_and_mark_nothing_read(dovecot: Dovecot) -> None:
    _deliver(dovecot, "Counted", 5, seen=2)
    tree = list_folders(dovecot.address(), options=_opts(dovecot), password=PASSWORD)
    counted = next(f for f in tree.walk() if f.path == "Counted")
    assert (counted.count, counted.unread) == (5, 3)
    unread = read_mail(dovecot.address("Counted"), _opts(dovecot, unseen=True), password=PASSWORD)
    assert unread.children[0].metadata["message_count"] == counted.unread
    again = next(f for f in list_folders(dovecot.address(), options=_opts(dovecot), password=PASSWORD).walk()
                 if f.path == "Counted")
    assert again.unread == 3, "neither STATUS nor BODY.PEEK marks a message read"


def test_a_message_expunged_on_the_server_leaves_the_cache(dovecot: Dovecot) -> None:
    _deliver(dovecot, "Expunged", 4)
    store = _read(dovecot, "Expunged")
    assert sorted(_cached(store, "Expunged")) == [1, 2, 3, 4]
    conn = _client(dovecot)
    try:
        conn.select("Expunged")
        conn.uid("STORE", "2", "+FLAGS", "(\\Deleted)")
        conn.expunge()
    finally:
        conn.logout()
    store = _read(dovecot, "Expunged")
    assert store.fetched == 0 and sorted(_cached(store, "Expunged")) == [1, 3, 4]
    conn = _client(dovecot)
    try:  # expunged while only unread mail is asked for: the folder is searched whole as well
        conn.select("Expunged")
        conn.uid("STORE", "3", "+FLAGS", "(\\Deleted)")
        conn.expunge()
    finally:
        conn.logout()
    store = _read(dovecot, "Expunged", unseen=True)
    assert sorted(_cached(store, "Expunged")) == [1, 4]


def test_a_renumbered_folder_starts_its_cache_again(dovecot: Dovecot) -> None:
    _deliver(dovecot, "Renumbered", 2, tag="Old")
    store = _read(dovecot, "Renumbered")
    marker = FolderCache(store.location, "Renumbered").dir / ".uidvalidity"
    before = marker.read_text()
    conn = _client(dovecot)
    try:  # the folder deleted and made again: the server gives it a new UIDVALIDITY
        conn.delete("Renumbered")
        conn.create("Renumbered")
    finally:
        conn.logout()
    time.sleep(1.1)  # Dovecot's UIDVALIDITY is a time in seconds
    _deliver(dovecot, "Renumbered", 1, tag="New")
    store = _read(dovecot, "Renumbered")
    assert marker.read_text() != before
    cached = _cached(store, "Renumbered")
    assert list(cached) == [1] and b"New 0" in cached[1], "UID 1 of the old numbering is not taken for the new one"


def test_a_damaged_cache_folder_is_set_aside_and_fetched_again(dovecot: Dovecot) -> None:
    _deliver(dovecot, "Damaged", 2)
    store = _read(dovecot, "Damaged")
    folder = FolderCache(store.location, "Damaged").dir
    (folder / ".uidvalidity").write_bytes(b"\x00\xff garbage")
    store = _read(dovecot, "Damaged")
    assert store.fetched == 2 and any("was damaged; it was set aside" in w for w in store.warnings)
    [aside] = list(folder.glob(".damaged-*"))
    assert sorted(p.name for p in aside.iterdir()) == ["1.eml", "2.eml"]
    assert sorted(_cached(store, "Damaged")) == [1, 2]


def test_the_cache_stays_under_its_cap_least_recently_used_first(dovecot: Dovecot) -> None:
    _deliver(dovecot, "CapOld", 3)
    old = _read(dovecot, "CapOld")
    old_files = sorted(FolderCache(old.location, "CapOld").dir.glob("*.eml"))
    hour_ago = time.time() - 3600
    for n, path in enumerate(old_files):  # used an hour ago, 1.eml longest ago
        os.utime(path, (hour_ago + n, hour_ago + n))
    size = sum(p.stat().st_size for p in old_files) // 3
    _deliver(dovecot, "CapNew", 3)
    # Room for four and a half messages (trimmed to nine tenths: four): the two used longest ago
    # go, what was just fetched stays.
    new = _read(dovecot, "CapNew", Limits(max_imap_cache_bytes=int(size * 4.7)))
    assert sorted(_cached(new, "CapNew")) == [1, 2, 3]
    assert sorted(_cached(old, "CapOld")) == [3]


def test_trim_keeps_what_was_used_lately_and_drops_leftovers(tmp_path: Path) -> None:
    root = tmp_path / "imap"
    folder = root / "acct" / "INBOX"
    folder.mkdir(parents=True)
    now = time.time()
    for uid, age in ((1, 7200), (2, 10), (3, 5000)):
        path = folder / f"{uid}.eml"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (now - age, now - age))
    leftover = folder / ".4.eml.tmp"
    leftover.write_bytes(b"half")
    os.utime(leftover, (now - 7200, now - 7200))
    done = trim(root, cap=1500)
    assert (done.total, done.removed) == (3000, 2) and sorted(p.name for p in folder.iterdir()) == ["2.eml"]
    assert trim(root, cap=10).removed == 0, "a message used in the last minutes stays whatever the cap"

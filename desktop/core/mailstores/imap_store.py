"""An IMAP account as a mail store, read-only: its folders from LIST, a folder's messages chosen
on the server (UID SEARCH: UNSEEN, SENTSINCE, SENTBEFORE), fetched with BODY.PEEK[] into the cache
(only those not cached yet), then read from the cache like any folder of saved messages."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from functools import partial

from desktop.core.errors import MailServerError, PasswordRequired
from desktop.core.limits import Limits
from desktop.core.mailstores.credentials import forget, lookup, remember
from desktop.core.mailstores.folders import Folder, add_child
from desktop.core.mailstores.imap_account import parse_address
from desktop.core.mailstores.imap_cache import FolderCache, account_folder, cache_root
from desktop.core.mailstores.imap_cache_trim import trim
from desktop.core.mailstores.imap_session import ImapSession
from desktop.core.mailstores.options import MailOptions
from desktop.core.mailstores.store import MailStore, StoredMessage
from desktop.core.mailstores.utf7 import decode as decode_name

log = logging.getLogger(__name__)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Messages fetched per UID FETCH, and the bytes one fetch may bring.
_BATCH, _BATCH_BYTES = 100, 16 * 1024 * 1024
#: A listing asks STATUS of at most this many folders, for at most this many seconds in all (one
#: round trip each); the folders beyond are shown without counts.
STATUS_FOLDERS, STATUS_SECONDS = 500, 15.0


def imap_day(day: date) -> str:
    """RFC 3501's date: '1-Feb-2024' (English month names whatever the locale)."""
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


class ImapStore(MailStore):
    kind = "imap"
    label = "an IMAP account"

    def __init__(self, address: str, limits: Limits, options: MailOptions, *, password: str | None = None) -> None:
        self.account = parse_address(address)
        super().__init__(account_folder(self.account), limits, name=self.account.label)
        self.options = options
        self._password = password
        self._session: ImapSession | None = None
        #: Messages downloaded by this store (the rest came from the cache).
        self.fetched = 0

    def selection(self, options: MailOptions) -> MailOptions:
        """The folder in the address is the choice when no folder is named otherwise."""
        if self.account.folder and not options.folders:
            return replace(options, folders=(self.account.folder,))
        return options

    def _connect(self) -> ImapSession:
        if self._session is not None:
            return self._session
        key = self.account.key
        given = self._password
        password = given or lookup(key)
        if not password:
            raise PasswordRequired(f"Precis needs the password for {self.account.user} on {self.account.host}.")
        try:
            self._session = ImapSession(self.account, password, self.limits, cafile=self.options.cafile,
                                        timeout=self.options.timeout)
        except PasswordRequired:
            if not given:  # the kept password is out of date: ask again next time
                forget(key)
            raise
        if given:
            remember(key, given, keep=self.options.keep_password)
        return self._session

    def session(self) -> ImapSession:
        """The logged-in session (connecting first): a watcher's own questions to the server."""
        return self._connect()

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def folders(self) -> Folder:
        session = self._connect()
        root = Folder(name=self.name, path="", selectable=False)
        seen = [0]
        for listed in sorted(session.list_folders(), key=lambda f: (f.name.upper() != "INBOX", f.name.casefold())):
            parts = listed.name.split(listed.delimiter) if listed.delimiter else [listed.name]
            node = root
            for depth, part in enumerate(parts):
                shown = decode_name(part) or "(unnamed)"
                child = next((c for c in node.children if c.name == shown), None)
                if child is None:
                    child = add_child(node, shown, None, self.limits, seen, selectable=False)
                    if child is None:
                        return root
                node = child
                if depth == len(parts) - 1:
                    node.ref = listed.name
                    node.selectable = not ({"\\noselect", "\\nonexistent"} & listed.flags)
                    node.special = node.special or bool({"\\trash", "\\junk"} & listed.flags)
        return root

    def fill_counts(self, root: Folder) -> None:
        """Each selectable folder's messages and unread ones from STATUS (MESSAGES UNSEEN): the
        same UNSEEN a digest of unread mail searches for, so the counts and the digest agree."""
        session = self._connect()
        deadline = time.monotonic() + STATUS_SECONDS
        asked = 0
        for folder in root.walk():
            if folder.ref is None or not folder.selectable:
                continue
            if asked >= STATUS_FOLDERS or time.monotonic() > deadline:
                return
            asked += 1
            try:
                found = session.status(str(folder.ref))
            except MailServerError:
                if session.closed:
                    return  # the connection went: the folders stay without counts
                continue  # a folder the server would not say anything about
            folder.count, folder.unread = found.get("MESSAGES"), found.get("UNSEEN")

    def messages(self, folder: Folder, options: MailOptions) -> Iterator[StoredMessage]:
        session = self._connect()
        cache = FolderCache(self.location, folder.path)
        damaged = cache.open(session.examine(str(folder.ref)))
        if damaged:
            self.warnings.append(damaged)
        criteria = search_criteria(options)
        uids = session.search(criteria)
        if criteria == ["ALL"] or cache.holds_any():
            # What the folder holds now (one more search when only part was asked for): the
            # cached messages not in it were expunged on the server and leave the cache.
            cache.forget_except(uids if criteria == ["ALL"] else session.search(["ALL"]))
        if len(uids) > self.limits.max_messages:
            self.warnings.append(f"{folder.path} on {self.name} has {len(uids):,} messages chosen; "
                                 f"only the newest {self.limits.max_messages:,} were read.")
            uids = uids[-self.limits.max_messages:]
        missing = [uid for uid in uids if cache.size(uid) is None]
        sizes = session.sizes(missing) if missing else {}
        self.download(session, cache, folder, [u for u in missing if 0 < sizes.get(u, (0, False))[0]
                                                <= self.limits.max_message_bytes], sizes)
        for uid in uids:
            size = cache.size(uid)
            if size is None:
                size = sizes.get(uid, (None, False))[0]
                if size is None or size <= self.limits.max_message_bytes:
                    continue  # gone from the server meanwhile, or over the download budget
                yield StoredMessage(key=str(uid), load=bytes, size=size, dates_checked=True)
                continue
            yield StoredMessage(key=str(uid), load=partial(cache.get, uid), size=size,
                                seen=False if options.unseen else None, dates_checked=True)

    def download(self, session: ImapSession, cache: FolderCache, folder: Folder, uids: list[int],
                  sizes: dict[int, tuple[int, bool]]) -> None:
        """Fetch the messages not cached yet, in batches, within the store's byte budget."""
        chosen: list[int] = []
        total = 0
        for uid in uids:
            size = sizes[uid][0]
            if total + size > self.limits.max_store_bytes:
                self.warnings.append(f"The messages chosen in {folder.path} on {self.name} hold more than "
                                     f"{self.limits.max_store_bytes / 2**20:,.0f} MB; the rest were not fetched.")
                break
            total += size
            chosen.append(uid)
        start = 0
        while start < len(chosen):
            batch: list[int] = []
            batch_bytes = 0
            while start < len(chosen) and len(batch) < _BATCH and (not batch or batch_bytes + sizes[chosen[start]][0] <= _BATCH_BYTES):
                batch.append(chosen[start])
                batch_bytes += sizes[chosen[start]][0]
                start += 1
            wanted = set(batch)
            for got, data in session.fetch(batch, batch_bytes):
                if got in wanted:
                    cache.put(got, data)
                    self.fetched += 1
        if chosen:
            trim(cache_root(), self.limits.max_imap_cache_bytes)


def search_criteria(options: MailOptions) -> list[str]:
    """UID SEARCH keys: the Date header's day (SENTSINCE/SENTBEFORE, as local stores judge) and UNSEEN."""
    keys: list[str] = []
    if options.unseen:
        keys.append("UNSEEN")
    if options.since:
        keys += ["SENTSINCE", imap_day(options.since)]
    if options.until:
        keys += ["SENTBEFORE", imap_day(options.until + timedelta(days=1))]
    return keys or ["ALL"]

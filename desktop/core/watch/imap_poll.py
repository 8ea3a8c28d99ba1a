"""A watched IMAP folder, read-only: EXAMINE it (UIDVALIDITY and UIDNEXT: one round trip says
whether anything arrived), and only then UID SEARCH for the UIDs above the last one known and
fetch the new messages with BODY.PEEK[] into the IMAP cache (``mailstores/imap_cache.py``), the
same cache a digest from the Mail tab reads. Nothing is marked read. A folder whose UIDVALIDITY
changed (the server renumbered it) starts again from what is there now. A folder that appeared
after watching began (``mail_folders.py``) searches with SINCE the day it was last known absent
(INTERNALDATE: old mail moved into it keeps its own date, so it is not new) until its first new
messages are recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from desktop.core.mailstores.folders import Folder
from desktop.core.mailstores.imap_cache import FolderCache
from desktop.core.mailstores.imap_store import ImapStore, imap_day
from desktop.core.watch.mail_listing import Lister, NewMessage
from desktop.core.watch.mail_marks import FolderMarks, short_id


def uid_id(uidvalidity: int, uid: int) -> str:
    return short_id(f"{uidvalidity}:{uid}")


class ImapLister(Lister):
    complete = False

    def __init__(self, store: ImapStore, folder: Folder) -> None:
        super().__init__(store, folder)
        self.imap = store
        #: The highest UID this process has seen in the folder (pending or not).
        self.highest = 0
        #: Sentences for the watcher (a renumbered folder, a message too large to fetch).
        self.notes: list[str] = []
        #: The last look listed every message of a new folder's SINCE search (its old mail is behind).
        self._since_done = False

    def look(self, marks: FolderMarks, *, force: bool = False) -> list[NewMessage] | None:
        session = self.imap.session()
        validity = session.examine(str(self.folder.ref))
        uidnext = session.uidnext
        cache = FolderCache(self.imap.location, self.folder.path)
        cache.open(validity)
        self.listed = None
        if marks.started and marks.since and not marks.uidvalidity:
            marks.uidvalidity = validity  # a folder new since watching began: its first look, nothing known yet
        if not marks.started or marks.uidvalidity != validity:
            if marks.started:
                self.notes.append(f"{self.folder.path} on {self.imap.name} was renumbered by the server (its "
                                  "UIDVALIDITY changed); the mail in it now is taken as read, and what arrives from "
                                  "now on is summarized.")
            top = (uidnext - 1) if uidnext else max(session.search(["ALL"]), default=0)
            # A first look (the source saves these marks): the UIDs up to ``top`` were there before.
            marks.uidvalidity, marks.uid, marks.known, marks.started = validity, top, set(), False
            self.highest = top
            return []
        if uidnext is not None and uidnext - 1 <= max(marks.uid, self.highest) and not force:
            return None  # nothing above what is known or already pending
        # "UID n:*" also answers the highest UID when it is below n: hence the filter. A day early,
        # as the server's time zone may not be ours: more is taken as new, never less.
        since = ["SINCE", imap_day(datetime.fromtimestamp(marks.since - 86400, UTC).date())] if marks.since else []
        uids = [u for u in session.search(["UID", f"{marks.uid + 1}:*", *since]) if u > marks.uid]
        # Every UID above ``marks.uid`` that is still there (what the marks know is among them).
        self.listed = {uid_id(validity, u) for u in uids} if not since else None
        new = [u for u in uids if uid_id(validity, u) not in marks.known]
        missing = [u for u in new if cache.size(u) is None]
        sizes = session.sizes(missing) if missing else {}
        limit = self.imap.limits.max_message_bytes
        self.imap.download(session, cache, self.folder, [u for u in missing if 0 < sizes.get(u, (0, False))[0] <= limit],
                           sizes)
        out: list[NewMessage] = []
        for uid in new:
            size = cache.size(uid)
            if size is None:
                if uid in sizes and sizes[uid][0] > limit:
                    out.append(NewMessage(uid_id(validity, uid), f"UID {uid}", _too_large, sizes[uid][0], uid=uid))
                continue  # gone from the server meanwhile, or left for the next look by the byte budget
            out.append(NewMessage(uid_id(validity, uid), f"UID {uid}", partial(cache.get, uid), size, uid=uid))
        # Up to here all is listed; a UID the byte budget left for later keeps it below.
        listed = {m.uid for m in out} | (set(uids) - set(new))
        whole = True
        for uid in sorted(uids):
            if uid not in listed:
                whole = False
                break
            self.highest = max(self.highest, uid)
        if since and whole and uidnext:
            # What SINCE left out up to UIDNEXT is older mail moved in: behind us with the rest.
            self.highest, self._since_done = max(self.highest, uidnext - 1), True
        return out

    def begin(self, marks: FolderMarks, found: list[NewMessage]) -> None:
        """``look`` set the marks itself on the folder's first look."""

    def done(self, marks: FolderMarks, ids: set[str], pending_left: bool) -> None:
        if pending_left:
            marks.known |= ids
        else:  # every UID up to the highest seen is known: the UID alone says it
            marks.uid, marks.known = max(marks.uid, self.highest), set()
            if self._since_done:
                marks.since = 0.0


def _too_large() -> bytes:
    raise OSError("it is larger than Precis fetches")

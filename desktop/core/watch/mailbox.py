"""A watched mailbox: a mail store (Maildir, Thunderbird, Apple Mail, a folder of saved messages)
or an IMAP account, whole or one folder, as a ``GroupedSource`` for the watcher.

Its items are the messages that arrived since watching began (what is in a folder at its first
look is taken as already there: *Summarize* in the Mail tab is for that); each look lists every
watched folder cheaply (``mail_listing.py``, ``imap_poll.py``) and keeps what is new until the
watcher records it; an IMAP folder is also held in IDLE (``imap_idle.py``), so new mail there is
looked at within seconds. A folder made after watching began is new: the mail that arrived in it
is summarized (``mail_folders.py``). A folder's new messages of one poll become one mbox file (``mail_bundle.py``)
and one digest. What is known is kept per folder (``mail_marks.py``) in ``DIR/mail/<mailbox>/``
beside the watcher's manifest. Read-only throughout: nothing in the store is written, moved,
locked or marked read. Problems (the password missing, the server gone) are said once as
notices and in ``problem``, and the source tries again later; it never raises from ``scan``."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from desktop.core.errors import PasswordRequired, PrecisError, WatchError
from desktop.core.limits import DEFAULT_LIMITS, Limits
from desktop.core.mailstores import credentials, is_imap, open_store
from desktop.core.mailstores.folders import Folder, select
from desktop.core.mailstores.imap_account import parse_address
from desktop.core.mailstores.mailboxes import KIND_NAMES
from desktop.core.mailstores.options import MailOptions
from desktop.core.mailstores.store import MailStore
from desktop.core.watch.mail_bundle import chunks, write_bundle
from desktop.core.watch.mail_folders import KnownFolders, note_folders
from desktop.core.watch.mail_listing import Lister, NewMessage, lister_for, message_sha
from desktop.core.watch.mail_marks import FolderMarks, MarksStore, prune_known, slug
from desktop.core.watch.sources import SourceItem

#: Seconds between looks at an IMAP server (a local store is looked at every poll: a stat or two).
IMAP_CHECK_S = 60.0
#: Seconds between listings of the store's folders (a folder added or removed in the mail client).
FOLDERS_S = 300.0
#: A store's arrival times are whole seconds (a Maildir name) or a file's time: a new folder's
#: mail that arrived up to this long before the folder was last known absent still counts as new.
ARRIVAL_SLACK_S = 60.0
#: Seconds between asking the keyring again while an IMAP password is missing.
PASSWORD_RETRY_S = 60.0
#: Folders a whole mailbox is watched without: unsent mail changes all the time.
_UNSENT = frozenset({"drafts", "draft", "templates", "outbox", "unsent messages"})
SPEC_PREFIX = "mailbox:"


def watch_spec(location: str, folder: str = "") -> str:
    """The ``Settings.watched`` string of a mailbox (``folder`` "" for all its mail)."""
    return f"{SPEC_PREFIX}{location}#{folder}"


def parse_watch_spec(spec: str) -> tuple[str, str] | None:
    """(location, folder) of a mailbox's watched string, or None for a folder's."""
    if not spec.startswith(SPEC_PREFIX) or "#" not in spec:
        return None
    location, _, folder = spec[len(SPEC_PREFIX):].rpartition("#")
    return (location, folder) if location else None


class MailboxSource:
    def __init__(self, location: str, *, kind: str | None = None, folders: Iterable[str] = (),
                 options: MailOptions | None = None, name: str = "", password: str | None = None,
                 check_s: float | None = None, limits: Limits = DEFAULT_LIMITS, idle: bool = True) -> None:
        self.location = location
        self.imap = is_imap(location)
        self.account = parse_address(location) if self.imap else None
        self.kind = "imap" if self.imap else kind
        if self.kind == "outlook":
            raise WatchError(f"{Path(location).name} is an Outlook data file, which changes as a whole; Precis watches "
                             "Maildir, Thunderbird, Apple Mail, folders of saved messages and IMAP accounts. "
                             "Summarize it from the Mail tab instead.")
        chosen = tuple(f for f in folders if f) or ((self.account.folder,) if self.account and self.account.folder else ())
        self.folders = chosen
        self.options = replace(options or MailOptions(), folders=chosen)
        self.limits = limits
        self._password = password
        self.check_s = check_s if check_s is not None else (IMAP_CHECK_S if self.imap else 0.0)
        #: What names this mailbox in every key: the account, or the store's folder.
        self.key_base = self.account.key if self.account else Path(location).expanduser().resolve().as_posix()
        #: The mailbox's name, and what the Watched list shows (with the folders watched).
        self.title = name or (self.account.label if self.account else Path(location).name or location)
        self.label = f"{self.title} › {' + '.join(chosen)}" if chosen else self.title
        #: A delivered message is whole (a saved message copied in is not: it settles like a file).
        self.settle_s: float | None = None if self.kind == "eml-folder" else 0.0
        #: What stops it now, in one sentence ("" when nothing does); ``problem`` adds IDLE's.
        self._problem = ""
        self.needs_password = False
        self._idle = None
        if self.imap and idle and self.account is not None:
            from desktop.core.watch.imap_idle import IdleLink

            self._idle = IdleLink(self.account, self._idle_password, limits, self.options, self.label, self.check_s)
        self._known_folders: KnownFolders | None = None
        #: Per folder: the known ids its last whole listing did not have.
        self._gone: dict[str, set[str]] = {}
        self._notices: list[str] = []
        self._marks_store: MarksStore | None = None
        self._bundles: Path | None = None
        self._store: MailStore | None = None
        self._listers: dict[str, Lister] = {}
        self._marks: dict[str, FolderMarks] = {}
        self._pending: dict[str, dict[str, NewMessage]] = {}
        self._index: dict[str, tuple[str, str]] = {}
        self._folders_due = 0.0
        self._next_look = 0.0
        self._failures = 0

    @property
    def problem(self) -> str:
        """What the Watched row says: what stops it, else that new mail is not heard at once now."""
        return self._problem or (self._idle.problem if self._idle is not None else "")

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind or "", "Mailbox")

    # ------------------------------------------------------------------ the watcher's side
    def home(self, state_dir: Path) -> Path:
        """Where this mailbox keeps what it knows and the new mail it set aside (History's sources
        of its digests), under the watcher's folder."""
        return state_dir / "mail" / slug(self.key_base)

    @property
    def bundle_dir(self) -> Path | None:
        """Where the folders' new mail is set aside to summarize (after ``attach``)."""
        return self._bundles

    def attach(self, state_dir: Path) -> None:
        root = self.home(state_dir)
        self._marks_store, self._bundles = MarksStore(root / "marks"), root / "new"
        # Per choice of folders: watching the whole mailbox after one folder makes no folder new.
        chosen = f"-{slug('+'.join(self.folders))}" if self.folders else ""
        self._known_folders = KnownFolders(root / "marks" / f"folders{chosen}.json")

    def owns(self, key: str) -> bool:
        if not key.startswith(self.key_base + "/"):
            return False
        rest = key[len(self.key_base) + 1:]
        return not self.folders or any(rest == f or rest.startswith((f + "/", f + "#", f + ";")) for f in self.folders)

    def scan(self) -> Iterator[SourceItem]:
        now = time.monotonic()
        heard = self._idle is not None and self._idle.news()  # IDLE: the server said the folder grew
        if self._marks_store is not None and (now >= self._next_look or heard or self._password_given()):
            try:
                self._look(now)
                self._failures = 0
                self._clear()
                if self._idle is not None:
                    self._idle.after_look({p: str(lister.folder.ref) for p, lister in self._listers.items()})
            except (OSError, PrecisError) as exc:
                self._trouble(exc, now)
            if self.imap and not self._problem:
                self._next_look = now + (self._idle.wait_s(self.check_s) if self._idle is not None else self.check_s)
        yield from self._items()

    def changes(self, pending: Iterable[str] = ()) -> Iterator[SourceItem]:
        return self.scan()

    def content(self, item: SourceItem) -> bytes | None:
        if item.path is not None:
            return None  # a bundle: the worker reads its file
        where = self._index.get(item.key)
        if where is None:
            raise OSError("the message is no longer there")
        return self._load(*where)

    def fingerprint(self, item: SourceItem) -> str:
        try:
            data = self.content(item)
        except (OSError, PrecisError):
            return ""
        return message_sha(data) if data is not None else ""

    def take_notices(self) -> list[str]:
        out, self._notices = self._notices, []
        return out + (self._idle.take_notices() if self._idle is not None else [])

    def close(self) -> None:
        """Close the store's connection and stop IDLE (within a second)."""
        self._close_store()
        if self._idle is not None:
            self._idle.close()

    def _close_store(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.close()
        self._listers = {}

    # ------------------------------------------------------------------ looking
    def _idle_password(self) -> str | None:
        return self._password or (credentials.lookup(self.account.key) if self.account is not None else None)

    def _password_given(self) -> bool:
        """While an IMAP password is missing, try again as soon as this session has one (typed in
        the window); else now and then (``PASSWORD_RETRY_S``: the keyring may have been unlocked)."""
        return self.needs_password and self.account is not None and credentials.in_session(self.account.key) is not None

    def _open(self) -> MailStore:
        if self._store is None:
            self._store = open_store(self.location, kind=self.kind, limits=self.limits, options=self.options,
                                     password=self._password)
            self._listers, self._folders_due = {}, 0.0
        return self._store

    def _look(self, now: float) -> None:
        if not self.imap and self._store is not None and not Path(self.location).expanduser().exists():
            self._close_store()  # moved or deleted: ``open_store`` says so, and it is watched again once it is back
        store = self._open()
        if now >= self._folders_due or not self._listers:
            self._list_folders(store)
            self._folders_due = now + FOLDERS_S
        for path, lister in list(self._listers.items()):
            marks = self._folder_marks(path)
            found = lister.look(marks)
            self._notices.extend(getattr(lister, "notes", ()))
            getattr(lister, "notes", []).clear()
            if found is None:
                if self._pending.get(path):
                    lister.refresh(self._pending[path])
                continue
            if not marks.started:
                lister.begin(marks, found)
                marks.started = True
                self._pending[path] = {}
                self._save(path)
                continue
            self._prune_marks(path, marks, lister.listed)
            if marks.since and lister.complete:
                # A folder new since watching began: what arrived before it appeared, or is known in
                # another folder (moved, or the folder renamed), was there before.
                elsewhere = set().union(*(m.known for p, m in self._marks.items() if p != path))
                cut = marks.since - ARRIVAL_SLACK_S
                marks.known |= {m.id for m in found if m.id in elsewhere or (m.received or cut) < cut}
            old = self._pending.get(path, {})
            new = {m.id: m for m in found if m.id not in marks.known}
            for ident, m in new.items():  # what was loaded already stays loaded while it is the same
                if ident in old and old[ident].stamp == m.stamp:
                    m.data = old[ident].data
            self._pending[path] = new if lister.complete else {**old, **{i: m for i, m in new.items() if i not in old}}
            if not self._pending[path]:
                before = (marks.uidvalidity, marks.uid, marks.size, marks.tail, len(marks.known), marks.since)
                lister.done(marks, set(), pending_left=False)
                if (marks.uidvalidity, marks.uid, marks.size, marks.tail, len(marks.known), marks.since) != before:
                    self._save(path)

    def _list_folders(self, store: MailStore) -> None:
        root = store.folders()
        chosen = select(root, self.folders, store.name, self.location)
        if not self.folders:
            chosen = [f for f in chosen if f.name.casefold() not in _UNSENT]
        listers: dict[str, Lister] = {}
        for folder in chosen:
            listers[folder.path] = self._listers.get(folder.path) or self._lister(store, folder)
        self._listers = listers
        assert self._known_folders is not None and self._marks_store is not None
        note_folders(self._known_folders, list(listers), self._marks_store, self._marks, self._pending)

    def _prune_marks(self, path: str, marks: FolderMarks, listed: set[str] | None) -> None:
        if listed is not None:
            self._gone[path], pruned = prune_known(marks, listed, self._gone.get(path, set()))
            if pruned:
                self._save(path)

    def _lister(self, store: MailStore, folder: Folder) -> Lister:
        if self.imap:
            from desktop.core.watch.imap_poll import ImapLister

            return ImapLister(store, folder)  # type: ignore[arg-type]
        return lister_for(store, folder)

    def _folder_marks(self, path: str) -> FolderMarks:
        if path not in self._marks:
            assert self._marks_store is not None
            self._marks[path] = self._marks_store.load(path)
        return self._marks[path]

    def _save(self, path: str) -> None:
        assert self._marks_store is not None
        self._marks_store.save(path, self._marks[path])

    def _items(self) -> Iterator[SourceItem]:
        for path, pending in self._pending.items():
            marks = self._marks.get(path)
            for m in pending.values():
                tail = f";UIDVALIDITY={marks.uidvalidity};UID={m.uid}" if m.uid and marks else f"#{m.id}"
                key = f"{self.key_base}/{path}{tail}"
                self._index[key] = (path, m.id)
                yield SourceItem(key, f"{self.label} › {path} › {m.name}", m.stamp, group=path)

    def _load(self, path: str, ident: str) -> bytes:
        """A pending message's bytes, kept once loaded; a Maildir message moved from new/ to cur/
        since the listing is found again by listing its folder once more."""
        message = self._pending.get(path, {}).get(ident)
        if message is None:
            raise OSError("the message is no longer there")
        if message.data is None:
            try:
                message.data = message.load()
            except OSError:
                lister = self._listers.get(path)
                again = next((m for m in (lister.look(self._folder_marks(path), force=True) or []) if m.id == ident),
                             None) if lister is not None and lister.complete else None
                if again is None:
                    raise
                message.data = again.load()
        return message.data

    # ------------------------------------------------------------------ bundles and records
    def bundle(self, items: list[SourceItem]) -> list[SourceItem]:
        """Each folder's new messages among ``items`` as mbox files (split when very many) and one
        item per file; a message that cannot be read now is left out and said once."""
        assert self._bundles is not None
        by_folder: dict[str, list[tuple[SourceItem, bytes]]] = {}
        for item in items:
            try:
                data = self.content(item)
            except (OSError, PrecisError) as exc:
                self._notices.append(f"A new message in {item.group} of {self.label} could not be read "
                                     f"({getattr(exc, 'strerror', None) or exc}) and was left out.")
                self.recorded([item])
                continue
            if data is not None:
                by_folder.setdefault(item.group or "", []).append((item, data))
        out: list[SourceItem] = []
        for folder, members in by_folder.items():
            for part in chunks([len(d) for _, d in members]):
                run = members[part]
                path = write_bundle(self._bundles, folder, [d for _, d in run])
                n = len(run)
                shown = folder.replace("/", " › ")
                name = f"{self.title} › {shown}: {n} new message{'s' if n != 1 else ''}"
                out.append(SourceItem(f"{self.key_base}/{folder}#new:{path.stem}", name, (), path, group=folder,
                                      parts=tuple(i for i, _ in run)))
        return out

    def recorded(self, items: Iterable[SourceItem]) -> None:
        """The manifest holds these now (done or failed): known from here on, listed no more."""
        by_folder: dict[str, set[str]] = {}
        for item in items:
            where = self._index.pop(item.key, None)
            if where is not None:
                by_folder.setdefault(where[0], set()).add(where[1])
        for path, ids in by_folder.items():
            pending = self._pending.get(path, {})
            for ident in ids:
                pending.pop(ident, None)
            lister = self._listers.get(path)
            marks = self._folder_marks(path)
            if lister is not None:
                lister.done(marks, ids, pending_left=bool(pending))
            else:
                marks.known |= ids
            self._save(path)

    # ------------------------------------------------------------------ problems
    def _trouble(self, exc: OSError | PrecisError, now: float) -> None:
        self._close_store()
        self._failures += 1
        if isinstance(exc, PasswordRequired) and self.account is not None:
            if self._password and exc.wrong_password:
                self._password = None  # the one given was refused: ask the keyring and the window now
            self.needs_password = True
            text = (f"Watching {self.label} is paused until Precis has the password for {self.account.user} on "
                    f"{self.account.host}" + (" (the one it had was refused)." if exc.wrong_password else "."))
            self._next_look = now + PASSWORD_RETRY_S
        else:
            reason = exc.message if isinstance(exc, PrecisError) else (exc.strerror or str(exc))
            reason = reason.rstrip(".")
            text = f"{self.label} cannot be watched now: {reason}; Precis tries again."
            # A server that is away: wait longer each time (up to ten minutes); a local store: a second.
            self._next_look = now + (min(600.0, self.check_s * 2 ** min(self._failures, 6)) if self.imap else 1.0)
        if text != self._problem:
            self._notices.append(text)
        self._problem = text

    def _clear(self) -> None:
        if self._problem:
            self._notices.append(f"Watching {self.label} again.")
        self._problem, self.needs_password = "", False

"""IMAP sources in a batch: one unit per folder chosen on an account (or one for the whole account),
keyed by account and folder, whose content hash is the folders' UIDVALIDITY and chosen UIDs, so a
rerun skips a folder without new mail and a killed run resumes without doing a folder twice. For a
Ray cluster the driver fetches the messages itself and ships them as mbox bytes: the actors never
connect to the mail server nor see its password."""

from __future__ import annotations

import hashlib
import mailbox
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

from desktop.core.errors import PrecisError
from desktop.core.ingest import is_mail_address
from desktop.core.limits import Limits
from desktop.core.mailstores.credentials import lookup
from desktop.core.mailstores.folders import Folder, select
from desktop.core.mailstores.imap_account import ImapAccount, parse_address
from desktop.core.mailstores.imap_session import ImapSession
from desktop.core.mailstores.imap_store import ImapStore, search_criteria
from desktop.core.mailstores.options import MailOptions
from desktop.ml.batch.plan import Unit
from desktop.ml.batch.task import UnitTask

#: Where IMAP digests go under the output folder: imap/<user@server>/<Folder>.md.
IMAP_DIR = "imap"
_UNSAFE = re.compile(r"[^\w .@+-]", re.UNICODE)


@dataclass(slots=True)
class ImapPlan:
    """The IMAP units: those the server answered for (``sha256`` set), and those it did not, each
    with the one sentence that says why (a wrong password, a server gone, an unknown folder)."""

    units: list[Unit] = field(default_factory=list)
    failed: dict[str, PrecisError] = field(default_factory=dict)
    #: The password each account logged in with (given, this session's or the keyring's), by
    #: account key: local workers get it with their task and never ask the keyring themselves.
    passwords: dict[str, str] = field(default_factory=dict)


def split_sources(srcs: Iterable[str]) -> tuple[list[str], list[str]]:
    """(files, folders and local stores; IMAP addresses), each in the order given."""
    local: list[str] = []
    remote: list[str] = []
    for s in srcs:
        (remote if is_mail_address(s) else local).append(s)
    return local, remote


def is_imap_unit(unit: Unit) -> bool:
    return bool(unit.sources) and is_mail_address(str(unit.sources[0]))


def _safe(part: str) -> str:
    """A name as one path segment of an output file (no separators, no '..', no ':')."""
    safe = _UNSAFE.sub("_", part).strip()
    return "_" + safe if not safe or safe.startswith(".") else safe


def unit_address(account: ImapAccount, folder: str | None) -> str:
    """The address a worker reads: the account and the one folder chosen (none: the whole account)."""
    return account.key + ("/" + quote(folder, safe="/@") if folder else "")


def _unit(account: ImapAccount, folder: str | None) -> Unit:
    key = f"{IMAP_DIR}/{_safe(account.label)}"
    if folder:
        key += "/" + "/".join(_safe(p) for p in folder.split("/") if p)
    # A str, not a Path: the address must reach the worker unchanged (Path would fold its '//').
    return Unit(key=key, sources=[unit_address(account, folder)], stem=key)  # type: ignore[list-item]


def plan_imap(addresses: list[str], mail: MailOptions, limits: Limits, passwords: dict[str, str]) -> ImapPlan:
    """Ask each account's server which messages the selection chooses (EXAMINE and UID SEARCH
    only: nothing is fetched or marked read). Each folder named by ``--folder`` (else the
    address's folder, else the whole account) is a unit; a source the server refuses fails its
    units with one sentence and the other sources go on."""
    plan = ImapPlan()
    for address in addresses:
        try:
            account = parse_address(address)
        except PrecisError as exc:
            key = f"{IMAP_DIR}/{_safe(address)}"
            unit = Unit(key=key, sources=[address], stem=key)  # type: ignore[list-item]
            plan.units.append(unit)
            plan.failed[unit.key] = exc
            continue
        names: list[str | None] = list(dict.fromkeys(n.strip("/") for n in mail.folders if n.strip("/")))
        if not names:
            names = [account.folder]
        units = [_unit(account, name) for name in names]
        plan.units += units
        _fingerprint_account(address, account, names, units, mail, limits, passwords, plan)
    return plan


def _fingerprint_account(address: str, account: ImapAccount, names: list[str | None], units: list[Unit],
                         mail: MailOptions, limits: Limits, passwords: dict[str, str], plan: ImapPlan) -> None:
    try:
        store = ImapStore(address, limits, replace(mail, folders=()), password=passwords.get(account.key))
        with store:
            root = store.folders()
            session = store.session()
            worked = passwords.get(account.key) or lookup(account.key)
            if worked:
                plan.passwords[account.key] = worked
            for unit, name in zip(units, names, strict=True):
                try:
                    chosen = select(root, (name,) if name else (), store.name, address)
                except PrecisError as exc:  # no such folder: that unit only
                    plan.failed[unit.key] = exc
                    continue
                unit.sha256 = _fingerprint(session, chosen, mail)
    except PrecisError as exc:  # no password, a wrong one, a server gone or hostile: the whole source
        for unit in units:
            if not unit.sha256:
                plan.failed.setdefault(unit.key, exc)


def _fingerprint(session: ImapSession, folders: list[Folder], mail: MailOptions) -> str:
    """What changes when the chosen mail changes: each folder's UIDVALIDITY and chosen UIDs (RFC
    3501: a UID names the same message for as long as its folder's UIDVALIDITY stays)."""
    h = hashlib.sha256(b"imap\n")
    criteria = search_criteria(mail)
    for folder in folders:
        validity = session.examine(str(folder.ref))
        uids = session.search(criteria)
        h.update(f"{folder.path}\0{validity}\0{','.join(map(str, uids))}\n".encode())
    return h.hexdigest()


def ship(task: UnitTask, mail: MailOptions, limits: Limits, passwords: dict[str, str]) -> UnitTask:
    """The unit with its messages fetched here (through the IMAP cache) as one mbox per folder,
    for an actor that reads bytes; each folder keeps its own address, which the digest then cites.
    Raises the typed error (a password, a server) for the driver to record."""
    [address] = task.paths
    account = parse_address(address)
    options = replace(mail, folders=())
    paths: list[str] = []
    blobs: list[bytes] = []
    store = ImapStore(address, limits, options, password=passwords.get(account.key))
    with store:
        chosen = select(store.folders(), store.selection(options).folders, store.name, address)
        for folder in chosen:
            paths.append(unit_address(account, folder.path))
            blobs.append(_mbox_bytes(store, folder, options, limits))
    return UnitTask(task.key, paths, blobs)


def _mbox_bytes(store: ImapStore, folder: Folder, options: MailOptions, limits: Limits) -> bytes:
    with tempfile.TemporaryDirectory(prefix="precis-imap-") as tmp:
        target = Path(tmp) / "folder.mbox"
        box = mailbox.mbox(str(target), create=True)
        try:
            for stored in store.messages(folder, options):
                if stored.size is not None and stored.size > limits.max_message_bytes:
                    continue  # never fetched: over the per-message limit (the store said so in its warnings)
                box.add(stored.load())
            box.flush()
        finally:
            box.close()
        return target.read_bytes() if target.exists() else b""

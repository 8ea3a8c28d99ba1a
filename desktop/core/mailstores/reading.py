"""A mail store, or the folders and dates chosen in it, read into one Document: the store on top,
one child per folder, each folder read by the mailbox reader as a thread of located messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from email.message import Message

from desktop.core.document import DocKind, Document
from desktop.core.errors import DocumentError, EmptyDocument, MailServerError, PasswordRequired
from desktop.core.events import CancelToken, EventCallback, Progress
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.mailheaders import parse_date
from desktop.core.ingest.mbox import read_messages
from desktop.core.mailstores.folders import Folder, select
from desktop.core.mailstores.options import DEFAULT_MAIL, MailOptions
from desktop.core.mailstores.store import MailStore, StoredMessage

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_DATE_HEADER = re.compile(rb"^date:[ \t]*([^\r\n]{0,300}(?:\r?\n[ \t][^\r\n]{0,300}){0,3})", re.IGNORECASE | re.MULTILINE)


@dataclass(slots=True)
class _Budget:
    """What one read of a store has taken so far, against the limits for the whole store."""

    messages: int = 0
    bytes: int = 0
    chars: int = 0
    stopped: str = ""


def read_store(store: MailStore, options: MailOptions = DEFAULT_MAIL, *, on_event: EventCallback | None = None,
               cancel: CancelToken | None = None, within: ReadContext | None = None) -> Document:
    """The chosen folders of ``store`` as one Document (``kind`` MAILBOX, no blocks of its own)
    whose children are the folders, in tree order, each a MAILBOX Document located like an mbox
    (message index, sender, date). Folders with nothing chosen are left out; if none is left,
    ``EmptyDocument`` says so in one sentence. ``within`` is the context of a store met inside
    another file (an Outlook file attached to a message): folders then name the chain to it."""
    options = store.selection(options)
    root = store.folders()
    chosen = select(root, options.folders, store.name, store.location)
    limits = store.limits
    budget = _Budget()
    warnings: list[str] = []
    children: list[Document] = []
    for number, folder in enumerate(chosen):
        if budget.stopped:
            break
        folder_limits = replace(limits, max_chars=max(0, limits.max_chars - budget.chars))
        if within is None:
            ctx = ReadContext(path=store.location, limits=folder_limits, part=folder.path, on_event=on_event, cancel=cancel)
        else:
            ctx = replace(within, limits=folder_limits, depth=within.depth + 1,
                          part=f"{within.part}/{folder.path}" if within.part else folder.path)
        ctx.cancel_check()
        ctx.report(Progress(f"reading {store.name} › {folder.path}", number, len(chosen)))
        notes: list[str] = []
        try:
            doc = read_messages(_chosen_messages(store, folder, options, budget, notes, ctx), ctx, notes,
                                where=f"folder {folder.path}")
        except EmptyDocument:
            warnings.extend(notes)
            continue
        except (MailServerError, PasswordRequired):
            raise  # the connection is gone: no other folder can be read either
        except DocumentError as err:  # a damaged folder costs that folder only
            warnings.extend(notes)
            warnings.append(err.message)
            continue
        doc.metadata["folder"] = folder.path
        doc.metadata["store"] = store.kind
        budget.chars += sum(len(b.text) for d in doc.walk() for b in d.blocks)
        children.append(doc)
    warnings[:0] = store.warnings  # what the store met on the way (a damaged message, a folder over the limit)
    if budget.stopped:
        warnings.append(budget.stopped)
    if not children:
        what = options.describe()
        reason = warnings[0] if warnings and not what else ""
        raise EmptyDocument(reason or f"{store.name} holds no messages with text"
                            + (f" ({what})" if what else "") + ".", store.location)
    children[0].warnings[:0] = warnings  # where the digest shows them: the top has no text of its own
    return Document(
        path=store.location,
        part=within.part if within is not None else None,
        kind=DocKind.MAILBOX,
        title=f"{store.name} ({', '.join(c.metadata['folder'] for c in children[:3])}{', ...' if len(children) > 3 else ''})",
        metadata={
            "store": store.kind,
            "folders": [c.metadata["folder"] for c in children],
            "message_count": sum(int(c.metadata.get("message_count", 0)) for c in children),
            **({"selection": options.describe()} if options.describe() else {}),
        },
        children=children,
    )


def _chosen_messages(store: MailStore, folder: Folder, options: MailOptions, budget: _Budget, notes: list[str],
                     ctx: ReadContext) -> Iterator[bytes | Message]:
    """The folder's messages that the options choose, loaded one at a time, within the limits."""
    limits = ctx.limits
    unknown_seen = False
    for stored in store.messages(folder, options):
        ctx.cancel_check()
        if options.unseen and stored.seen is None and not unknown_seen:
            unknown_seen = True
            notes.append(f"{store.name} does not record which messages were read; every message in {folder.path} was taken.")
        if options.unseen and stored.seen:
            continue
        if budget.messages >= limits.max_messages:
            budget.stopped = f"Only the first {limits.max_messages:,} messages of {store.name} were read."
            return
        if stored.size is not None and stored.size > limits.max_message_bytes:
            notes.append(_too_large(folder, limits.max_message_bytes))
            continue
        message = _load(stored, ctx, notes, folder, options, budget)
        if budget.stopped:
            return
        if message is not None:
            yield message


def _load(stored: StoredMessage, ctx: ReadContext, notes: list[str], folder: Folder, options: MailOptions,
          budget: _Budget) -> bytes | Message | None:
    """The message's bytes (or its parsed form) when the options choose it and the limits allow."""
    limits = ctx.limits
    try:
        data = stored.load()
        if len(data) > limits.max_message_bytes:
            notes.append(_too_large(folder, limits.max_message_bytes))
            return None
        if not stored.dates_checked and (options.since or options.until):
            day = header_day(data) or (stored.received.date() if stored.received else None)
            if not options.day_matches(day):
                return None
        if budget.bytes + len(data) > limits.max_store_bytes:
            budget.stopped = (f"The messages chosen hold more than {size_text(limits.max_store_bytes)}; "
                              "the rest were not read.")
            return None
        budget.bytes += len(data)
        budget.messages += 1
        return data if stored.parse is None else stored.parse(data, ctx)
    except OSError as exc:
        notes.append(f"A message in {folder.path} could not be read: {exc.strerror or type(exc).__name__}.")
        return None
    except DocumentError as err:
        notes.append(err.message)
        return None
    finally:
        notes.extend(stored.notes)


def header_day(data: bytes) -> date | None:
    """The day of the message's Date header, in the sender's own time zone, from the raw header
    block (no full parse: a date range over a large folder reads every message's headers only)."""
    end = _HEADER_END.search(data, 0, 256 * 1024)
    match = _DATE_HEADER.search(data, 0, end.start() if end else min(len(data), 256 * 1024))
    if not match:
        return None
    when = parse_date(match.group(1).decode("latin-1"))
    return when.date() if when else None


def _too_large(folder: Folder, limit: int) -> str:
    return f"A message in {folder.path} is larger than {size_text(limit)} and was not read."


def size_text(limit: int) -> str:
    """'64 MB', '98 KB', '500 bytes': a limit as a sentence says it."""
    if limit >= 2**20:
        return f"{limit / 2**20:,.0f} MB"
    return f"{limit / 1024:,.0f} KB" if limit >= 1024 else f"{limit:,} bytes"

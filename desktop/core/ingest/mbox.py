"""Read a Unix mailbox (.mbox) as one thread: every message, oldest first, in one Document.

Python's ``mailbox.mbox`` decodes the "From " separator lines as ASCII and dies on the Latin-1
bytes real archives have there (corpus: iso8859-bytes-in-from-line.mbox), so the file is split
on separator lines here, as bytes, and each message goes through the .eml reader's code.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from email.message import Message
from itertools import islice

from desktop.core.document import Block, DocKind, Document, Role
from desktop.core.errors import DocumentError, EmptyDocument
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.eml import mail_from_message, parse
from desktop.core.ingest.mailheaders import sort_key
from desktop.core.ingest.mailparts import MailMessage, thread_subject

# A separator: "From " + sender + a date with a time, e.g. "From andy at example.com  Sat Nov 14
# 21:29:28 2015". Lines are bounded so a hostile file cannot make the regex scan far.
_SEPARATOR = re.compile(rb"^From [^\r\n]{0,400}?\d{1,2}:\d{2}[^\r\n]{0,200}\r?$", re.MULTILINE)
_HEADER_LINE = re.compile(rb"[!-9;-~]{1,100}:")
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
#: The same rules for the streaming reader of large mbox files (desktop/core/mailstores/mboxfile.py).
SEPARATOR, HEADER_LINE, ESCAPED_FROM = _SEPARATOR, _HEADER_LINE, _ESCAPED_FROM


def _separators(data: bytes) -> Iterator[tuple[int, int]]:
    """(start of the separator line, start of the message) for each real separator.

    A "From " line counts when it opens the file or follows a blank line, and headers follow it:
    an unescaped "From here on..." inside a body does not split the message.
    """
    first_text = len(data) - len(data.lstrip())
    for match in _SEPARATOR.finditer(data):
        at = match.start()
        if at > first_text and not (data.endswith(b"\n\n", 0, at) or data.endswith(b"\n\r\n", 0, at)):
            continue
        body_start = match.end() + 1
        if _HEADER_LINE.match(data, body_start):
            yield at, body_start


def split_messages(data: bytes) -> list[bytes]:
    """The messages of an mbox, separator lines removed and '>From ' lines unescaped (mboxrd)."""
    starts = list(_separators(data))
    if not starts:
        return [data] if data.strip() else []
    out = []
    for k, (_, body_start) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(data)
        out.append(_ESCAPED_FROM.sub(rb"\1", data[body_start:end]))
    return out


def looks_like_mbox(data: bytes) -> bool:
    """More than one message behind "From " separators: a mailbox, not one saved email."""
    return len(list(islice(_separators(data), 2))) > 1


def read(data: bytes, ctx: ReadContext) -> Document:
    raw_messages = split_messages(data)
    warnings: list[str] = []
    limit = ctx.limits.max_messages
    if len(raw_messages) > limit:
        warnings.append(f"{ctx.display_name} holds {len(raw_messages):,} messages; only the first {limit:,} were read.")
        raw_messages = raw_messages[:limit]
    return read_messages(raw_messages, ctx, warnings)


def read_messages(messages: Iterable[bytes | Message], ctx: ReadContext, warnings: list[str], *,
                  where: str = "the file") -> Document:
    """One Document of ``messages`` (raw or already parsed), oldest first, each read by the .eml
    reader's code: what an mbox file and every mail store's folder (``desktop/core/mailstores``) share.

    ``warnings`` are the caller's own (a limit it applied); the Document carries them first.
    """
    taken: set[str] = set()
    mails: list[MailMessage] = []
    keys: list[float] = []
    previous = float("-inf")
    chars = 0
    for number, raw in enumerate(messages, 1):
        ctx.cancel_check()
        if chars > ctx.limits.max_chars:
            warnings.append(f"{ctx.display_name} holds more text than Precis reads from one document; "
                            f"only its first {number - 1:,} messages were read.")
            break
        try:
            mail = mail_from_message(parse(raw, ctx) if isinstance(raw, bytes) else raw, ctx, taken=taken)
        except DocumentError as err:  # one hostile message does not cost the whole mailbox
            warnings.append(f"Message {number} in {where} was skipped: {err.message}")
            continue
        chars += sum(len(text) for text in mail.body)
        # Undated messages keep their place in the file: they sort right after the message before.
        previous = sort_key(datetime.fromisoformat(mail.date)) if mail.date else previous
        keys.append(previous)
        mails.append(mail)
    order = sorted(range(len(mails)), key=lambda i: keys[i])  # stable: ties keep file order
    mails = [mails[i] for i in order]
    if not any(m.body or m.attachments for m in mails):
        raise EmptyDocument(f"{ctx.display_name} holds no messages with text.", ctx.path)
    return _thread_document(mails, ctx, warnings)


def _thread_document(mails: list[MailMessage], ctx: ReadContext, warnings: list[str]) -> Document:
    blocks: list[Block] = []
    children: list[Document] = []
    for index, mail in enumerate(mails, 1):
        blocks.append(Block(text=_heading(mail), role=Role.HEADING, locator=mail.locator(index), level=2))
        blocks.extend(mail.body_blocks(index))
        children.extend(mail.children)
        warnings.extend(f"Message {index}: {w}" for w in mail.warnings)
    subjects = [thread_subject(m.subject) for m in mails if m.subject]
    subject = Counter(subjects).most_common(1)[0][0] if subjects else ""
    dates = [m.date for m in mails if m.date]
    participants = list(dict.fromkeys(m.sender for m in mails if m.sender))
    metadata: dict[str, object] = {
        "message_count": len(mails),
        "participants": participants,
        "attachments": [name for m in mails for name in m.attachments],
    }
    if subject:
        metadata["subject"] = subject
    if dates:
        metadata["date"] = dates[0]
        metadata["date_range"] = [dates[0], dates[-1]]
    shared = subject and subjects.count(subject) * 2 >= len(mails)
    return Document(
        path=ctx.path,
        kind=DocKind.MAILBOX,
        title=subject if shared else ctx.name,
        metadata=metadata,
        blocks=blocks,
        children=children,
        warnings=warnings,
        part=ctx.part,
    )


def _heading(mail: MailMessage) -> str:
    """'Subject — Sender, 2015-11-14 21:29'."""
    who = ", ".join(x for x in (mail.sender, (mail.date or "")[:16].replace("T", " ")) if x)
    subject = mail.subject or "(no subject)"
    return f"{subject} — {who}" if who else subject

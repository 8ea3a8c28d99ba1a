"""What .eml, .mbox and .msg readers share: one message as plain data, its blocks, its attachments.

Each reader fills a ``MailMessage`` from its own format; from there on the three are the same:
the body becomes PARAGRAPH / QUOTE / SIGNATURE blocks located by message, sender and date, and
attachments we can read become child documents.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from desktop.core.document import Block, DocKind, Document, Locator, Role
from desktop.core.errors import DocumentError
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.mailtext import split_body

log = logging.getLogger(__name__)

#: Attachments read as child documents; everything else (images, audio, archives...) is only listed.
READABLE_EXTENSIONS = frozenset({".pdf", ".docx", ".txt", ".text", ".md", ".markdown", ".log", ".eml", ".msg", ".vtt", ".srt",
                                 ".pptx", ".pptm", ".ppsx", ".xlsx", ".xlsm", ".odt", ".odp", ".ods", ".rtf", ".html",
                                 ".htm", ".mhtml", ".mht", ".epub"})
READABLE_TYPES = frozenset({
    "application/pdf",
    "application/x-pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-outlook",
    "message/rfc822",
    "text/plain",
    "text/markdown",
    "text/vtt",
    "application/x-subrip",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/rtf",
    "text/rtf",
    "text/html",
    "application/epub+zip",
})
_FORWARD = re.compile(r"^\s*(?:\[[^\]]{1,60}\]\s*)?(?:fwd?|fw|wg|tr|rv|enc)\s*:", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|vs|antw|réf|ref|fwd?|fw|wg|tr)\s*(?:\[\d+\])?\s*:\s*|\[[^\]]{1,60}\]\s*)", re.IGNORECASE)


@dataclass(slots=True)
class MailMessage:
    """One message, decoded; ``sender`` is what a citation shows (display name, else address)."""

    subject: str = ""
    sender: str | None = None
    from_: str | None = None
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    date: str | None = None
    body: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    children: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def locator(self, index: int) -> Locator:
        return Locator(message=index, sender=self.sender, date=self.date)

    def body_blocks(self, index: int) -> list[Block]:
        """PARAGRAPH, QUOTE, SIGNATURE (and list-footer FOOTER) blocks of the body, in order."""
        loc = self.locator(index)
        forwarded = bool(_FORWARD.match(self.subject))
        return [
            Block(text=text, role=role, locator=loc)
            for part in self.body
            for role, text in split_body(part, forwarded=forwarded)
        ]

    def header_text(self) -> str:
        rows = [("From", self.from_), ("To", ", ".join(self.to)), ("Cc", ", ".join(self.cc)),
                ("Date", self.date), ("Subject", self.subject)]
        return "\n".join(f"{k}: {v}" for k, v in rows if v)

    def metadata(self) -> dict[str, object]:
        meta: dict[str, object] = {"message_count": 1, "attachments": list(self.attachments)}
        for key, value in (("from", self.from_), ("to", self.to), ("cc", self.cc), ("date", self.date),
                           ("subject", self.subject)):
            if value:
                meta[key] = value
        return meta


def email_document(mail: MailMessage, ctx: ReadContext) -> Document:
    """A single message as a Document: a HEADER block for context, then the body blocks."""
    blocks = [Block(text=mail.header_text(), role=Role.HEADER, locator=mail.locator(1))] if mail.header_text() else []
    blocks += mail.body_blocks(1)
    return Document(
        path=ctx.path,
        kind=DocKind.EMAIL,
        title=mail.subject or ctx.name,
        metadata=mail.metadata(),
        blocks=blocks,
        children=list(mail.children),
        warnings=list(mail.warnings),
        part=ctx.part,
    )


def thread_subject(subject: str) -> str:
    """'Re: [list] Re: Topic' -> 'Topic'."""
    previous = None
    while previous != subject:
        previous = subject
        subject = _REPLY_PREFIX.sub("", subject, count=1)
    return subject.strip()


def readable(name: str, content_type: str) -> bool:
    return content_type.lower() in READABLE_TYPES or PurePosixPath(name.lower()).suffix in READABLE_EXTENSIONS


def unique_name(name: str, taken: set[str]) -> str:
    """Two attachments called 'scan.pdf' become 'scan.pdf' and 'scan (2).pdf', so citations differ."""
    if name not in taken:
        taken.add(name)
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while (candidate := f"{stem} ({n}){dot}{ext}") in taken:
        n += 1
    taken.add(candidate)
    return candidate


def read_child(data: bytes, name: str, ctx: ReadContext, mail: MailMessage, taken: set[str]) -> None:
    """Read an attachment's bytes as a child document; any failure becomes one warning."""
    if len(data) > ctx.limits.max_attachment_bytes:
        mail.warnings.append(too_large(name, ctx))
        return
    from desktop.core.ingest import read_bytes  # late: the package imports the readers lazily too

    try:
        child_ctx = ctx.child(unique_name(name, taken))
        mail.children.append(read_bytes(data, child_ctx))
    except DocumentError as err:
        log.info("attachment of %s not read: %s", ctx.display_name, type(err).__name__)
        mail.warnings.append(err.message)


def too_large(name: str, ctx: ReadContext) -> str:
    limit = ctx.limits.max_attachment_bytes
    size = f"{limit / 2**20:,.0f} MB" if limit >= 2**20 else f"{limit / 1024:,.0f} KB" if limit >= 1024 else f"{limit:,} bytes"
    return f"The attachment {name} in {ctx.display_name} is larger than {size} and was not read."


__all__ = ["MailMessage", "email_document", "read_child", "readable", "thread_subject", "too_large", "unique_name"]
